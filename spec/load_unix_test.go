//go:build unix

package spec

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNamedPipeIsRefused: a named pipe among the spec files is reported, not read:
// reading it would block until someone writes to it.
func TestNamedPipeIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vpc.yaml"), []byte("apiVersion: tkeops.io/v1alpha1\nkind: VPC\nmetadata: {name: a}\nspec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan Diagnostics, 1)
	go func() {
		_, diags := LoadDir(dir)
		done <- diags
	}()
	select {
	case diags := <-done:
		if len(diags) != 1 || !strings.Contains(diags[0].Error(), "pipe.yaml") || !strings.Contains(diags[0].Error(), "not a regular file (a named pipe)") {
			t.Fatalf("diagnostics: %v", diags)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("loading a directory with a named pipe did not return")
	}
}
