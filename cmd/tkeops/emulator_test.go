package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func TestParseCredentials(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want map[string]string
		bad  bool
	}{
		"json":    {in: `{"AKID1": "k1", "AKID2": "k2"}`, want: map[string]string{"AKID1": "k1", "AKID2": "k2"}},
		"lines":   {in: "# keys\nAKID1 k1\n\nAKID2=k2\n", want: map[string]string{"AKID1": "k1", "AKID2": "k2"}},
		"garbage": {in: "AKID1\n", bad: true},
		"badjson": {in: `{"AKID1": 3}`, bad: true},
		"emptyid": {in: `{"": "k"}`, bad: true},
	} {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			err := parseCredentials([]byte(tc.in), got)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted %q", tc.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v", got)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("got %v", got)
				}
			}
		})
	}
}

func TestEmulatorOptionsComplete(t *testing.T) {
	var errOut bytes.Buffer
	streams := IOStreams{Out: &bytes.Buffer{}, ErrOut: &errOut}
	o := &emulatorOptions{credentials: []string{"AKIDx:secret"}, timing: "cluster=30s,node=5s", rateLimits: "off",
		rateLimitSets: []string{"tke.DescribeClusters=5"}, logLevel: "info", logFormat: "json"}
	if err := o.complete(streams); err != nil {
		t.Fatal(err)
	}
	if o.opts.Credentials["AKIDx"] != "secret" || o.opts.Timing.ClusterCreate != 30*time.Second || o.opts.Timing.NodeJoin != 5*time.Second ||
		!o.opts.DisableRateLimits || o.opts.RateLimits["tke.DescribeClusters"] != 5 {
		t.Fatalf("options %+v", o.opts)
	}
	for _, bad := range []*emulatorOptions{
		{credentials: []string{"nocolon"}, timing: "instant", rateLimits: "on", logLevel: "info", logFormat: "text"},
		{credentials: []string{"a:b"}, timing: "fast", rateLimits: "on", logLevel: "info", logFormat: "text"},
		{credentials: []string{"a:b"}, timing: "instant", rateLimits: "maybe", logLevel: "info", logFormat: "text"},
		{credentials: []string{"a:b"}, timing: "instant", rateLimits: "on", rateLimitSets: []string{"DescribeClusters=x"}, logLevel: "info", logFormat: "text"},
		{credentials: []string{"a:b"}, timing: "instant", rateLimits: "on", logLevel: "loud", logFormat: "text"},
	} {
		if err := bad.complete(streams); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
	if strings.Contains(errOut.String(), "secret") {
		t.Fatal("secret key logged")
	}
}

func TestEmulatorCommandServesAndPersists(t *testing.T) {
	state := filepath.Join(t.TempDir(), "cloud.json")
	addr := freeAddr(t)

	run := func() (context.CancelFunc, chan error) {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errOut bytes.Buffer
		cmd := newEmulatorCmd(IOStreams{Out: &out, ErrOut: &errOut})
		cmd.SetArgs([]string{"--listen", addr, "--state", state, "--credential", "AKIDcli:cli-secret", "--timing", "instant"})
		done := make(chan error, 1)
		go func() { done <- cmd.ExecuteContext(ctx) }()
		for i := 0; ; i++ {
			resp, err := http.Get("http://" + addr + "/_emulator/healthz")
			if err == nil {
				resp.Body.Close()
				break
			}
			if i == 100 {
				t.Fatalf("emulator did not start: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return cancel, done
	}
	client := func() *vpc.Client {
		c, err := vpc.NewClient(common.NewCredential("AKIDcli", "cli-secret"), "ap-guangzhou", emulator.ClientProfile(addr))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	stop, done := run()
	req := vpc.NewCreateVpcRequest()
	req.VpcName, req.CidrBlock = common.StringPtr("demo"), common.StringPtr("10.0.0.0/16")
	resp, err := client().CreateVpc(req)
	if err != nil {
		t.Fatal(err)
	}
	id := *resp.Response.Vpc.VpcId
	stop() // what SIGINT/SIGTERM do through main's signal context
	if err := <-done; err != nil {
		t.Fatalf("emulator command: %v", err)
	}

	stop, done = run()
	defer func() { stop(); <-done }()
	dr := vpc.NewDescribeVpcsRequest()
	dr.VpcIds = common.StringPtrs([]string{id})
	if _, err := client().DescribeVpcs(dr); err != nil {
		t.Fatalf("VPC lost across restart: %v", err)
	}
}

func TestEmulatorCommandTLS(t *testing.T) {
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	cmd := newEmulatorCmd(IOStreams{Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"--listen", addr, "--credential", "AKIDcli:cli-secret", "--tls", "--tls-ca", caPath})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("emulator command: %v", err)
		}
	}()
	var pool *x509.CertPool
	for i := 0; pool == nil; i++ {
		if b, err := os.ReadFile(caPath); err == nil {
			pool = x509.NewCertPool()
			pool.AppendCertsFromPEM(b)
		} else if i == 100 {
			t.Fatalf("no CA file: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for i := 0; ; i++ {
		resp, err := c.Get("https://" + addr + "/_emulator/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("healthz over TLS: %s", resp.Status)
			}
			break
		}
		if i == 100 {
			t.Fatalf("no HTTPS: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), caPath) {
		t.Fatalf("the command does not say where the CA is: %s", out.String())
	}
}

func TestEmulatorActionsCommand(t *testing.T) {
	var out bytes.Buffer
	cmd := newEmulatorCmd(IOStreams{Out: &out, ErrOut: &bytes.Buffer{}})
	cmd.SetArgs([]string{"actions"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if out.String() != emulator.ActionsMarkdown() || !strings.Contains(out.String(), "| tke | 2018-05-25 |") {
		t.Fatalf("actions: %s", out.String())
	}
}

// freeAddr is a loopback address with a port nothing listens on (for a command that
// binds it itself).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
