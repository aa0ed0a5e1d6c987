package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeDemo runs the program behind `make demo-serve`: commits to a local
// repository become applied changes and statuses, and an invalid commit becomes
// a failure status without a cloud call (the demo itself checks the call count).
func TestServeDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := Demo(ctx, &out, &errOut, filepath.Join("..", "..", "examples", "staging"), 90*time.Second)
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{
		"success  on", "applied: 0 created, 1 updated, 0 destroyed",
		"failure  on", "specs/broken.yaml:8:3", "no cloud call was made",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}
