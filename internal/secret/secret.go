package secret

import (
	"fmt"
	"io"
	"log/slog"
)

// Value is a credential (a token or a private key). It prints, logs and marshals
// as "[redacted]" so that it cannot leak through fmt, slog, JSON or YAML; convert
// with string(v) only where the value must reach its one destination.
type Value string

// Redacted is what a Value prints instead of itself; code that scrubs text it does
// not control (an SDK's error message) uses the same marker.
const Redacted = "[redacted]"

const redacted = Redacted

// String implements fmt.Stringer.
func (Value) String() string { return redacted }

// Format implements fmt.Formatter, so every verb (%x, %d, %q …) prints the
// marker, never the value.
func (Value) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// GoString implements fmt.GoStringer, so %#v is covered too.
func (Value) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (Value) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler.
func (Value) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (YAML and friends).
func (Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
