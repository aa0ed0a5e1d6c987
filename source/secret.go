package source

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret is a credential (a token or a private key). It prints, logs and
// marshals as "[redacted]" so that it cannot leak through fmt, slog or JSON.
type Secret string

const redacted = "[redacted]"

// String implements fmt.Stringer.
func (Secret) String() string { return redacted }

// Format implements fmt.Formatter, so every verb (%x, %d, %q …) prints the
// marker, never the value.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// GoString implements fmt.GoStringer, so %#v is covered too.
func (Secret) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (YAML and friends).
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
