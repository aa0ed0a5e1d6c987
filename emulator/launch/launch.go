// Package launch runs the emulator as `tkeops emulator` does: from the command's
// settings (key pairs, timing, rate limits, logging, TLS), optionally with a real
// kube-apiserver behind every emulated cluster, until its context ends.
package launch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/emulator/kubebackend"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

// Settings are the emulator command's inputs, as its flags give them.
type Settings struct {
	Listen          string
	StateFile       string
	CredentialsFile string
	// Credentials are key pairs "SECRET_ID:SECRET_KEY".
	Credentials []string
	Timing      string
	// RateLimits is "on" or "off"; RateLimitSets override one limit each
	// ("service.Action=N").
	RateLimits    string
	RateLimitSets []string
	UIN           string
	LogLevel      string
	LogFormat     string
	Kube          bool
	KubeBinDir    string
	TLS           bool
	// TLSCA is the CA file for TLS; "" is <user config dir>/tkeops/emulator-ca.pem.
	TLSCA string
}

// Options turns the settings into the emulator's options, logging to errOut. Key
// pairs come from the credentials file, then Credentials, else from
// TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY through getenv. With TLS, the CA
// is loaded or created (and s.TLSCA set to its file).
func (s *Settings) Options(errOut io.Writer, getenv func(string) string) (emulator.Options, error) {
	var opts emulator.Options
	var level slog.Level
	if err := level.UnmarshalText([]byte(s.LogLevel)); err != nil {
		return opts, fmt.Errorf("--log-level %q: want debug, info, warn or error", s.LogLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch s.LogFormat {
	case "text":
		opts.Logger = slog.New(slog.NewTextHandler(errOut, hopts))
	case "json":
		opts.Logger = slog.New(slog.NewJSONHandler(errOut, hopts))
	default:
		return opts, fmt.Errorf("--log-format %q: want text or json", s.LogFormat)
	}

	creds := map[string]string{}
	if s.CredentialsFile != "" {
		b, err := os.ReadFile(s.CredentialsFile)
		if err != nil {
			return opts, fmt.Errorf("read credentials file: %w", err)
		}
		if err := ParseCredentials(b, creds); err != nil {
			return opts, fmt.Errorf("credentials file %s: %w", s.CredentialsFile, err)
		}
	}
	for _, c := range s.Credentials {
		id, key, ok := strings.Cut(c, ":")
		if !ok || id == "" || key == "" {
			return opts, errors.New("--credential: want SECRET_ID:SECRET_KEY")
		}
		creds[id] = key
	}
	if len(creds) == 0 {
		id, key := getenv("TENCENTCLOUD_SECRET_ID"), getenv("TENCENTCLOUD_SECRET_KEY")
		if id == "" || key == "" {
			return opts, errors.New("no key pair: pass --credentials-file or --credential, or set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY")
		}
		creds[id] = key
	}
	opts.Credentials = creds

	t, err := emulator.ParseTiming(s.Timing)
	if err != nil {
		return opts, fmt.Errorf("--timing: %w", err)
	}
	opts.Timing = t

	switch s.RateLimits {
	case "on", "true":
	case "off", "false":
		opts.DisableRateLimits = true
	default:
		return opts, fmt.Errorf("--rate-limits %q: want on or off", s.RateLimits)
	}
	if len(s.RateLimitSets) > 0 {
		opts.RateLimits = map[string]int{}
		for _, set := range s.RateLimitSets {
			k, v, ok := strings.Cut(set, "=")
			n, err := strconv.Atoi(v)
			if !ok || err != nil || !strings.Contains(k, ".") {
				return opts, fmt.Errorf("--rate-limit %q: want service.Action=N", set)
			}
			opts.RateLimits[k] = n
		}
	}
	opts.StateFile = s.StateFile
	opts.UIN = s.UIN
	if s.TLS {
		if s.TLSCA == "" {
			dir, err := os.UserConfigDir()
			if err != nil {
				return opts, fmt.Errorf("--tls: no --tls-ca and no user config directory: %w", err)
			}
			s.TLSCA = filepath.Join(dir, "tkeops", "emulator-ca.pem")
		}
		ca, err := emulator.LoadOrCreateCA(s.TLSCA)
		if err != nil {
			return opts, fmt.Errorf("--tls-ca %s: %w", s.TLSCA, err)
		}
		opts.TLS = ca
	}
	return opts, nil
}

// ParseCredentials reads a JSON object of SecretId → SecretKey, or lines "id key"
// (also "id=key"), ignoring blank lines and # comments.
func ParseCredentials(b []byte, into map[string]string) error {
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var m map[string]string
		if err := json.Unmarshal(t, &m); err != nil {
			return fmt.Errorf("parse JSON: %w", err)
		}
		for id, key := range m {
			if id == "" || key == "" {
				return errors.New("empty SecretId or SecretKey")
			}
			into[id] = key
		}
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(strings.Replace(line, "=", " ", 1))
		if len(fields) != 2 {
			return fmt.Errorf("line %d: want \"<SecretId> <SecretKey>\"", n)
		}
		into[fields[0]] = fields[1]
	}
	return sc.Err()
}

// Run serves the emulator with opts (from s.Options) until ctx ends, then stops
// it, saving its state. It says on out where it listens. With s.Kube every
// emulated cluster gets a real kube-apiserver, stopped with the emulator.
func Run(ctx context.Context, s Settings, opts emulator.Options, out io.Writer) (err error) {
	if s.Kube {
		if err := kubeapiserver.CheckBinaries(s.KubeBinDir); err != nil {
			return fmt.Errorf("--kube: %w", err)
		}
		kb := kubebackend.New(kubebackend.Options{BinDir: s.KubeBinDir, Logger: opts.Logger.With("component", "kube")})
		opts.Backend = kb
		defer func() {
			if cerr := kb.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("stop kube-apiservers: %w", cerr))
			}
		}()
	}
	srv, err := emulator.Listen(s.Listen, opts)
	if err != nil {
		return err
	}
	opts.Logger.Info("emulator listening", "endpoint", srv.Endpoint, "keyPairs", len(opts.Credentials),
		"state", s.StateFile, "timing", s.Timing, "rateLimits", s.RateLimits)
	fmt.Fprintf(out, "Tencent Cloud API emulator on %s (HttpProfile.Endpoint=%q, Scheme=\"HTTP\")\n", srv.Endpoint, srv.Endpoint)
	if s.TLS {
		fmt.Fprintf(out, "HTTPS on the same port, CA certificate %s; as an HTTPS proxy: HTTPS_PROXY=http://%s\n", s.TLSCA, srv.Endpoint)
	}
	<-ctx.Done()
	opts.Logger.Info("emulator stopping", "reason", ctx.Err().Error())
	if err := srv.Close(); err != nil {
		return fmt.Errorf("stop emulator: %w", err)
	}
	return nil
}
