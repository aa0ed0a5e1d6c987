package tencentcloud

import "github.com/tkeops/tkeops/internal/secret"

// Secret is a credential that never prints (fmt, slog, JSON and text all yield
// "[redacted]"). Convert with string(s) only where the value must reach the signer.
// It is the type the forge clients and the git source use too.
type Secret = secret.Value
