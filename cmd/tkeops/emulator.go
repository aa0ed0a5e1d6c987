package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/emulator/kubebackend"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

// emulatorOptions are the inputs of `tkeops emulator`.
type emulatorOptions struct {
	listen          string
	stateFile       string
	credentialsFile string
	credentials     []string
	timing          string
	rateLimits      string
	rateLimitSets   []string
	uin             string
	logLevel        string
	logFormat       string
	kube            bool
	kubeBinDir      string
	tls             bool
	tlsCA           string

	opts emulator.Options
}

func newEmulatorCmd(streams IOStreams) *cobra.Command {
	o := &emulatorOptions{}
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Serve a local emulator of the Tencent Cloud API (VPC, TKE, Auto Scaling, Tag)",
		Long: `Emulator serves the parts of Tencent Cloud API 3.0 that tkeops uses on one HTTP listener:
VPC 2017-03-12, TKE 2018-05-25, Auto Scaling 2018-04-19 and Tag 2018-08-13. The unmodified
tencentcloud-sdk-go (and any other client of the API) works against it when given the
endpoint: HttpProfile.Endpoint = "<listen address>", HttpProfile.Scheme = "HTTP".

Requests must be signed with TC3-HMAC-SHA256 by a configured key pair. Key pairs come from
--credentials-file, from --credential, or else from TENCENTCLOUD_SECRET_ID and
TENCENTCLOUD_SECRET_KEY in the environment.

Clusters, endpoints and node pools go through their asynchronous states on the chosen
--timing. With --state the emulated account is saved (atomically) after every change and on
SIGINT/SIGTERM, and loaded again at start. Call counters are served at GET /_emulator/stats.

With --kube every emulated cluster is backed by a real etcd + kube-apiserver, started on its
first use (binaries from --kube-bin-dir; build them with 'make kube-bins'):
DescribeClusterKubeconfig returns a kubeconfig that reaches it, and each node that joins a
pool is registered as a Node (TKE's labels, the pool's labels and taints, Ready) and deleted
when its instance goes. No kubelet runs: pods are never started. Each API server's URL is
logged when it starts; 'kubectl get nodes -w' with the kubeconfig DescribeClusterKubeconfig
returns shows nodes appear, and 'tkeops plan/apply' reach the clusters the same way (node
drift, drain before scale-in, node readiness, baseline manifests). The servers stop with the
emulator; their state is not kept across restarts.

With --tls the same port also speaks HTTPS, with certificates from a local CA generated on
first use and written to --tls-ca (its key beside it, mode 0600): trust that file in the
client. Point a client at it directly (endpoint 127.0.0.1:PORT, scheme HTTPS), or use it as
an HTTPS proxy (HTTPS_PROXY=http://127.0.0.1:PORT) so that clients calling
<service>.tencentcloudapi.com reach the emulator, which routes them by the Host header.
See docs/emulator.md and docs/terraform.md.`,
		Example: `  TENCENTCLOUD_SECRET_ID=AKIDlocal TENCENTCLOUD_SECRET_KEY=secret \
    tkeops emulator --listen 127.0.0.1:9800 --state /tmp/cloud.json --timing demo
  tkeops emulator --credentials-file keys.json --timing cluster=30s,node=10s --rate-limits off
  tkeops emulator --kube --timing demo   # real API servers behind the clusters
  tkeops emulator --tls                  # HTTPS too, and an HTTPS proxy for *.tencentcloudapi.com
  tkeops emulator actions                # the emulated actions, as a Markdown table`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(streams); err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			return o.run(cmd, streams)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:9800", "address to listen on (host:port)")
	f.StringVar(&o.stateFile, "state", "", "file to persist the emulated account in (default: memory only)")
	f.StringVar(&o.credentialsFile, "credentials-file", "", `key pairs: a JSON object {"<SecretId>": "<SecretKey>"} or lines "<SecretId> <SecretKey>"`)
	f.StringArrayVar(&o.credentials, "credential", nil, "a key pair SECRET_ID:SECRET_KEY (repeatable; visible in the process list, prefer --credentials-file)")
	f.StringVar(&o.timing, "timing", "instant", "transition speed: instant, demo, slow, or name=duration list (cluster, cluster-delete, upgrade, endpoint, endpoint-delete, nodepool, nodepool-update, nodepool-delete, node, tags, all)")
	f.StringVar(&o.rateLimits, "rate-limits", "on", "per-action rate limits (the real defaults): on|off")
	f.StringArrayVar(&o.rateLimitSets, "rate-limit", nil, "override one limit, e.g. tke.DescribeClusters=5 or vpc.*=50 (repeatable)")
	f.StringVar(&o.uin, "uin", "", "account UIN used in Tag API resource names")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug|info|warn|error")
	f.StringVar(&o.logFormat, "log-format", "text", "log format: text|json")
	f.BoolVar(&o.kube, "kube", false, "back every emulated cluster with a real kube-apiserver (nodes registered as they join)")
	f.StringVar(&o.kubeBinDir, "kube-bin-dir", "", "directory of etcd and kube-apiserver for --kube (default: where 'make kube-bins' puts them)")
	f.BoolVar(&o.tls, "tls", false, "serve HTTPS on the same port too, and act as an HTTPS proxy for <service>.tencentcloudapi.com")
	f.StringVar(&o.tlsCA, "tls-ca", "", "file of the local CA certificate for --tls, created when missing (default: <user config dir>/tkeops/emulator-ca.pem)")
	cmd.AddCommand(newEmulatorActionsCmd(streams))
	cmd.AddCommand(newEmulatorSeedCmd(streams)) // seed.go
	return cmd
}

// newEmulatorActionsCmd prints the emulated actions (the table docs/emulator.md holds).
func newEmulatorActionsCmd(streams IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "actions",
		Short: "List the API actions the emulator serves, as a Markdown table",
		Example: `  tkeops emulator actions
  tkeops emulator actions | grep '^| tke '`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(streams.Out, emulator.ActionsMarkdown())
			return err
		},
	}
}

func (o *emulatorOptions) complete(streams IOStreams) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		o.opts.Logger = slog.New(slog.NewTextHandler(streams.ErrOut, hopts))
	case "json":
		o.opts.Logger = slog.New(slog.NewJSONHandler(streams.ErrOut, hopts))
	default:
		return fmt.Errorf("--log-format %q: want text or json", o.logFormat)
	}

	creds := map[string]string{}
	if o.credentialsFile != "" {
		b, err := os.ReadFile(o.credentialsFile)
		if err != nil {
			return fmt.Errorf("read credentials file: %w", err)
		}
		if err := parseCredentials(b, creds); err != nil {
			return fmt.Errorf("credentials file %s: %w", o.credentialsFile, err)
		}
	}
	for _, c := range o.credentials {
		id, key, ok := strings.Cut(c, ":")
		if !ok || id == "" || key == "" {
			return errors.New("--credential: want SECRET_ID:SECRET_KEY")
		}
		creds[id] = key
	}
	if len(creds) == 0 {
		id, key := os.Getenv("TENCENTCLOUD_SECRET_ID"), os.Getenv("TENCENTCLOUD_SECRET_KEY")
		if id == "" || key == "" {
			return errors.New("no key pair: pass --credentials-file or --credential, or set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY")
		}
		creds[id] = key
	}
	o.opts.Credentials = creds

	t, err := emulator.ParseTiming(o.timing)
	if err != nil {
		return fmt.Errorf("--timing: %w", err)
	}
	o.opts.Timing = t

	switch o.rateLimits {
	case "on", "true":
	case "off", "false":
		o.opts.DisableRateLimits = true
	default:
		return fmt.Errorf("--rate-limits %q: want on or off", o.rateLimits)
	}
	if len(o.rateLimitSets) > 0 {
		o.opts.RateLimits = map[string]int{}
		for _, set := range o.rateLimitSets {
			k, v, ok := strings.Cut(set, "=")
			n, err := strconv.Atoi(v)
			if !ok || err != nil || !strings.Contains(k, ".") {
				return fmt.Errorf("--rate-limit %q: want service.Action=N", set)
			}
			o.opts.RateLimits[k] = n
		}
	}
	o.opts.StateFile = o.stateFile
	o.opts.UIN = o.uin
	if o.tls {
		if o.tlsCA == "" {
			dir, err := os.UserConfigDir()
			if err != nil {
				return fmt.Errorf("--tls: no --tls-ca and no user config directory: %w", err)
			}
			o.tlsCA = filepath.Join(dir, "tkeops", "emulator-ca.pem")
		}
		ca, err := emulator.LoadOrCreateCA(o.tlsCA)
		if err != nil {
			return fmt.Errorf("--tls-ca %s: %w", o.tlsCA, err)
		}
		o.opts.TLS = ca
	}
	return nil
}

// parseCredentials reads a JSON object of SecretId → SecretKey, or lines "id key"
// (also "id=key"), ignoring blank lines and # comments.
func parseCredentials(b []byte, into map[string]string) error {
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

func (o *emulatorOptions) run(cmd *cobra.Command, streams IOStreams) (err error) {
	if o.kube {
		if err := kubeapiserver.CheckBinaries(o.kubeBinDir); err != nil {
			return &ExitError{Code: 1, Err: fmt.Errorf("--kube: %w", err)}
		}
		kb := kubebackend.New(kubebackend.Options{BinDir: o.kubeBinDir, Logger: o.opts.Logger.With("component", "kube")})
		o.opts.Backend = kb
		defer func() {
			if cerr := kb.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("stop kube-apiservers: %w", cerr))
			}
		}()
	}
	srv, err := emulator.Listen(o.listen, o.opts)
	if err != nil {
		return err
	}
	o.opts.Logger.Info("emulator listening", "endpoint", srv.Endpoint, "keyPairs", len(o.opts.Credentials),
		"state", o.stateFile, "timing", o.timing, "rateLimits", o.rateLimits)
	fmt.Fprintf(streams.Out, "Tencent Cloud API emulator on %s (HttpProfile.Endpoint=%q, Scheme=\"HTTP\")\n", srv.Endpoint, srv.Endpoint)
	if o.tls {
		fmt.Fprintf(streams.Out, "HTTPS on the same port, CA certificate %s; as an HTTPS proxy: HTTPS_PROXY=http://%s\n", o.tlsCA, srv.Endpoint)
	}
	<-cmd.Context().Done()
	o.opts.Logger.Info("emulator stopping", "reason", stopReason(cmd))
	if err := srv.Close(); err != nil {
		return fmt.Errorf("stop emulator: %w", err)
	}
	return nil
}

func stopReason(cmd *cobra.Command) string {
	if err := cmd.Context().Err(); err != nil {
		return err.Error()
	}
	return ""
}
