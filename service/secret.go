package service

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret is a credential (cloud key, forge token, webhook secret). Every way of
// printing it — fmt verbs, slog, JSON — prints "[redacted]"; only Reveal returns the
// value, and only code that sends it to its one destination calls Reveal.
type Secret struct{ v string }

// NewSecret wraps a value.
func NewSecret(v string) Secret { return Secret{v: v} }

const redacted = "[redacted]"

// Reveal returns the value.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no value is set.
func (s Secret) IsZero() bool { return s.v == "" }

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer, so %#v does not print the value either.
func (s Secret) GoString() string { return `service.Secret("` + s.String() + `")` }

// Format implements fmt.Formatter, so no verb (%d, %x, %+v …) reaches the value
// through reflection.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText implements encoding.TextMarshaler (YAML and flag printers use it).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
