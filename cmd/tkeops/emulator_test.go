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
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("emulator command: %v", err)
		}
	}()
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
