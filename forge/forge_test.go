package forge

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretRedacted(t *testing.T) {
	o := Options{Repo: "acme/specs", Token: "ghp_topsecret"}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("forge", "opts", o, "token", o.Token)
	j, err := json.Marshal(o) //nolint:staticcheck // SA1026: the func sits behind a nil *http.Client, so the encoding succeeds (checked)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s %x %q", o, o, o, o.Token, o.Token, o.Token), string(j), logs.String()} {
		if strings.Contains(out, "topsecret") {
			t.Fatalf("token leaked: %s", out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Fatalf("no redaction marker in %s", out)
		}
	}
}

func TestContextsWithDefaults(t *testing.T) {
	got := Contexts{Apply: "ops/apply"}.WithDefaults()
	want := Contexts{Plan: "tkeops/plan", Apply: "ops/apply", Drift: "tkeops/drift"}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
