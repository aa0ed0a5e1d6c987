package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/service/config"
)

func TestServeStopsWhenLeaderElectionCannotStart(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{config.EnvSecretID: "AKID1", config.EnvSecretKey: "k"}
	getenv := func(k string) string { return env[k] }
	cfgFile := filepath.Join(dir, "tkeops.yaml")
	if err := os.WriteFile(cfgFile, []byte("git: {url: file://"+dir+"/none}\ndataDir: "+dir+"/data\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := &serveOptions{flags: config.Overrides{Path: cfgFile, Listen: "127.0.0.1:0", LeaderElect: true, Kubeconfig: filepath.Join(dir, "missing-kubeconfig")}}
	done := make(chan error, 1)
	go func() { done <- o.run(context.Background(), IOStreams{Out: io.Discard, ErrOut: io.Discard}, getenv) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "kubeconfig") {
			t.Fatalf("err = %v, want the kubeconfig error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve kept running without a way to elect a leader")
	}
}

// httpGet fetches url and returns the body of a 200 answer.
func httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	return io.ReadAll(resp.Body)
}
