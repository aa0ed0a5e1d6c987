package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestValueNeverPrints(t *testing.T) {
	const plain = "ghp_do-not-print-me"
	v := Value(plain)
	var out []string
	for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q", "%x", "%X", "%d", "%10s"} {
		out = append(out, fmt.Sprintf(verb, v), fmt.Sprintf(verb, struct{ Token Value }{v}))
	}
	j, err := json.Marshal(map[string]Value{"token": v})
	if err != nil {
		t.Fatal(err)
	}
	txt, err := v.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "token", v)
	out = append(out, string(j), string(txt), logged.String(), v.String(), v.GoString())
	for _, s := range out {
		if strings.Contains(s, plain) || !strings.Contains(s, "[redacted]") {
			t.Errorf("%q: want [redacted] and not the value", s)
		}
	}
	if string(v) != plain {
		t.Errorf("string(v) = %q, want the value", string(v))
	}
}
