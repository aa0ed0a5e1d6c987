package tencentcloud

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
)

// APIError is an error answered by the Tencent Cloud API (or raised by the SDK on its
// way there). Use errors.As to reach it through the context the package wraps around it.
type APIError struct {
	// Action is "service:Action", e.g. "tke:CreateCluster".
	Action string
	// Code is the API error code, e.g. "ResourceNotFound" or "ClientError.NetworkError".
	Code string
	// Message is the API's message, with credentials scrubbed.
	Message string
	// RequestID identifies the request for Tencent Cloud support ("" for client-side errors).
	RequestID string

	cause error
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Action, e.Code)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// Unwrap returns the underlying cause of client-side errors (network failures,
// context deadlines), never the SDK error itself, whose text is already in e.
func (e *APIError) Unwrap() error { return e.cause }

// NotFound reports whether the code means the resource does not exist, across the
// inconsistent spellings of TKE and VPC (API digest §4.2).
func (e *APIError) NotFound() bool { return isNotFoundCode(e.Code, e.Message) }

// Throttled reports whether the request was refused for its rate.
func (e *APIError) Throttled() bool { return codeIs(e.Code, "RequestLimitExceeded") }

// Busy reports whether the resource is in a state that refuses the operation for now
// (another operation in flight, dependents still attached). Re-observe and retry later.
func (e *APIError) Busy() bool {
	c := e.Code
	switch {
	case codeIs(c, "ResourceInUse"), codeIs(c, "ResourceUnavailable"), codeIs(c, "ResourceBusy"),
		strings.HasSuffix(c, ".ClusterState"),
		c == "FailedOperation.TaskAlreadyRunning", c == "InternalError.TaskAlreadyRunning",
		c == "UnsupportedOperation.MutexOperationTaskRunning", c == "UnsupportedOperation.VersionMismatch":
		return true
	}
	return false
}

// IsNotFound reports whether err carries an API error meaning "no such resource".
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.NotFound()
}

// codeIs matches a whole code or its prefix before the first ".", as terraform's
// IsExpectError does: codeIs("ResourceInUse.Foo", "ResourceInUse") is true.
func codeIs(code, class string) bool {
	return code == class || strings.HasPrefix(code, class+".")
}

func isNotFoundCode(code, message string) bool {
	switch code {
	case "ResourceNotFound", "ResourceNotFound.ClusterNotFound",
		"InvalidParameter.ClusterNotFound", "InternalError.ClusterNotFound", "FailedOperation.ClusterNotFound",
		"FailedOperation.NodePoolQueryFailed", "FailedOperation.RecordNotFound",
		"ResourceNotFound.AsAsgNotExist",
		"InvalidSecurityGroupID.NotFound", "InvalidVpcId.NotFound",
		"UnsupportedOperation.RecordNotExists":
		return true
	case "InternalError.Param":
		// Deleting a node pool that is gone answers InternalError.Param "Not Found".
		return strings.Contains(strings.ToLower(message), "not found")
	}
	return false
}

// ErrNotOwned is returned (wrapped) by Delete for resources that do not
// carry this instance's owner tag.
var ErrNotOwned = errors.New("resource is not owned by this tkeops instance")

// ErrDeletionProtected is returned (wrapped) by Delete for a cluster whose deletion
// protection is on.
var ErrDeletionProtected = errors.New("deletion protection is on")

// ErrUnsupportedChange is returned (wrapped) by Update for a change the API cannot make.
var ErrUnsupportedChange = errors.New("change not supported in place")

// retryClass says how an error may be retried for a given kind of call.
type retryClass uint8

const (
	retryNever     retryClass = iota
	retryThrottled            // refused before doing anything: safe for every call
	retryTransient            // outcome unknown or server hiccup: safe for reads and idempotent writes
	retryInternal             // bare InternalError: reads only
	retryClock                // AuthFailure.SignatureExpire: once, with a fresh timestamp
)

func classify(code string) retryClass {
	switch {
	case codeIs(code, "RequestLimitExceeded"):
		return retryThrottled
	case code == "ClientError.NetworkError", code == "ClientError.HttpStatusCodeError",
		codeIs(code, "ServiceUnavailable"), codeIs(code, "InternalServerError"):
		return retryTransient
	case code == "InternalError":
		return retryInternal
	case code == "AuthFailure.SignatureExpire":
		return retryClock
	}
	return retryNever
}

// toAPIError converts what the SDK returned into an *APIError, scrubbing the given
// secrets from every text. Context errors stay as they are (wrapped with the action).
func toAPIError(action string, err error, scrub func(string) string) error {
	if err == nil {
		return nil
	}
	var sdkErr *sdkerrors.TencentCloudSDKError
	if errors.As(err, &sdkErr) {
		ae := &APIError{Action: action, Code: sdkErr.Code, Message: scrub(sdkErr.Message), RequestID: sdkErr.RequestId}
		if cause := errors.Unwrap(sdkErr); cause != nil {
			ae.cause = scrubbedError{msg: scrub(cause.Error()), err: cause}
		}
		return ae
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", action, err)
	}
	return &APIError{Action: action, Code: "ClientError", Message: scrub(err.Error()), cause: scrubbedError{msg: scrub(err.Error()), err: err}}
}

// scrubbedError keeps the identity of a cause (for errors.Is) while printing a
// scrubbed message.
type scrubbedError struct {
	msg string
	err error
}

func (e scrubbedError) Error() string { return e.msg }
func (e scrubbedError) Unwrap() error { return e.err }
