// Package conformance checks the emulator against a client of the Tencent Cloud API that
// tkeops did not write: the official Node.js SDK (tencentcloud-sdk-nodejs) drives the
// lifecycle of every kind tkeops manages (lifecycle.js) over HTTPS, with the emulator as
// its HTTPS proxy and the emulator's generated CA as the only extra trust.
//
// The SDK comes from npm into the component cache (make node-sdk, which `make test`
// runs). Without it the suite fails naming that target; only under -short it skips.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/emulator"
)

const (
	secretID  = "AKIDconformance00001"
	secretKey = "conformance-secret-key"
	region    = "ap-guangzhou"
)

// nodeModules is where hack/node-sdk/install.sh puts the SDK.
func nodeModules() string {
	cache := os.Getenv("TKEOPS_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "tkeops")
	}
	return filepath.Join(cache, "node", "node_modules")
}

// requireNodeSDK fails (or skips under -short) when node or the SDK is missing.
func requireNodeSDK(t *testing.T) string {
	t.Helper()
	mods := nodeModules()
	_, nodeErr := exec.LookPath("node")
	_, sdkErr := os.Stat(filepath.Join(mods, "tencentcloud-sdk-nodejs", "package.json"))
	if nodeErr == nil && sdkErr == nil {
		return mods
	}
	msg := "the Node.js SDK is not installed: run `make node-sdk` (hack/node-sdk/install.sh)"
	if nodeErr != nil {
		msg = "node is not on PATH (Node.js 18 or newer is needed)"
	} else if !errors.Is(sdkErr, fs.ErrNotExist) {
		msg = sdkErr.Error()
	}
	if testing.Short() {
		t.Skip("-short and " + msg)
	}
	t.Fatal(msg)
	return ""
}

// timing makes every asynchronous state last long enough for the SDK's waits to see it,
// and short enough for `make test`.
func timing() emulator.Timing {
	return emulator.Timing{
		ClusterCreate: 1500 * time.Millisecond, ClusterDelete: time.Second, ClusterUpgrade: time.Second,
		EndpointCreate: 500 * time.Millisecond, EndpointDelete: 500 * time.Millisecond,
		NodePoolCreate: 500 * time.Millisecond, NodePoolUpdate: 300 * time.Millisecond, NodePoolDelete: 500 * time.Millisecond,
		NodeJoin: time.Second, TagsUpdate: 300 * time.Millisecond,
	}
}

// report is what lifecycle.js prints on success.
type report struct {
	Kinds map[string][]string `json:"kinds"`
	Calls int                 `json:"calls"`
}

func TestNodeSDKLifecycleOfEveryKind(t *testing.T) {
	mods := requireNodeSDK(t)
	dir := t.TempDir()
	ca, err := emulator.LoadOrCreateCA(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(emulator.Options{
		Credentials: map[string]string{secretID: secretKey}, Timing: timing(), TLS: ca,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})

	_, here, _, _ := runtime.Caller(0)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(filepath.Dir(here), "lifecycle.js"))
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+mods, "NODE_EXTRA_CA_CERTS="+filepath.Join(dir, "ca.pem"),
		"TC_SECRET_ID="+secretID, "TC_SECRET_KEY="+secretKey, "TC_REGION="+region,
		"TC_PROXY=http://"+srv.Endpoint, "http_proxy=", "https_proxy=", "HTTPS_PROXY=", "HTTP_PROXY=",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("the Node.js SDK lifecycle failed (%v):\n%s%s", err, stderr.String(), stdout.String())
	}
	t.Logf("lifecycle through the Node.js SDK: %s", time.Since(start).Round(time.Millisecond))

	var rep report
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("the lifecycle's report: %v\n%s", err, stdout.String())
	}
	for _, kind := range []string{"vpc", "subnet", "securitygroup", "cluster", "nodepool"} {
		steps := rep.Kinds[kind]
		if !slices.Contains(steps, "create") || !slices.Contains(steps, "delete") || len(steps) < 3 {
			t.Errorf("kind %s: steps %v, want create, reads and modifications, delete", kind, steps)
		}
	}
	// Zero errors: not one call the SDK made was refused.
	if errs := srv.Errors(); len(errs) != 0 {
		t.Errorf("the emulator refused calls of the lifecycle: %v", errs)
	}
	var total int64
	for _, n := range srv.Calls() {
		total += n
	}
	if total != int64(rep.Calls) {
		t.Errorf("the SDK made %d calls, the emulator served %d", rep.Calls, total)
	}
	t.Logf("%d calls, every kind: %v", rep.Calls, rep.Kinds)
}
