package source

import (
	"errors"
	"fmt"
)

// UnreachableError means the remote could not be reached or answered with a
// server-side failure: connection refused, DNS, TLS, timeout, HTTP 5xx. The
// caller should back off and keep using LastGood; nothing local changed.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return "git remote unreachable: " + e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// IsUnreachable reports whether err (or an error it wraps) is an
// *UnreachableError: the caller should back off and retry.
func IsUnreachable(err error) bool {
	var u *UnreachableError
	return errors.As(err, &u)
}

// AuthError means the remote refused the credentials. Retrying will not help
// until the configuration changes.
type AuthError struct{ Err error }

func (e *AuthError) Error() string {
	return "git remote refused the credentials (check the token or SSH key and its access to the repository): " + e.Err.Error()
}
func (e *AuthError) Unwrap() error { return e.Err }

// RefNotFoundError means the remote does not advertise the branch or ref
// (or the repository itself does not exist).
type RefNotFoundError struct {
	Ref string
	Err error // the transport's error when the whole repository is missing; nil otherwise
}

func (e *RefNotFoundError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("git ref %s not found: %v", e.Ref, e.Err)
	}
	return fmt.Sprintf("git ref %s not found on the remote", e.Ref)
}
func (e *RefNotFoundError) Unwrap() error { return e.Err }

// RevisionNotFoundError means a commit asked for by Checkout is not in the
// local store and could not be fetched from the remote.
type RevisionNotFoundError struct{ Rev string }

func (e *RevisionNotFoundError) Error() string {
	return fmt.Sprintf("git commit %s not found locally or on the remote", e.Rev)
}
