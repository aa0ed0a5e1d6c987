package source

import "github.com/tkeops/tkeops/internal/secret"

// Secret is a credential (a token or a private key). It prints, logs and
// marshals as "[redacted]" so that it cannot leak through fmt, slog or JSON; it
// is the type the forge clients' tokens have too.
type Secret = secret.Value
