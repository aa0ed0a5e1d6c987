package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	const v = "sk-Hunter2-PLUGH"
	s := NewSecret(v)
	holder := struct {
		Token  Secret
		Tokens []Secret
		Ptr    *Secret
	}{s, []Secret{s}, &s}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		fmt.Fprintf(&out, verb+"\n", s)
		fmt.Fprintf(&out, verb+"\n", holder)
	}
	fmt.Fprintln(&out, s, holder)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "secret", s, "holder", holder)
	slog.New(slog.NewTextHandler(&out, nil)).Info("x", "secret", s, "holder", holder)
	j, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(j)
	if strings.Contains(out.String(), v) || strings.Contains(out.String(), fmt.Sprintf("%x", v)) {
		t.Fatalf("the secret leaked:\n%s", out.String())
	}
	if s.Reveal() != v || NewSecret("").String() != "" || s.IsZero() {
		t.Fatal("Reveal/IsZero")
	}
}
