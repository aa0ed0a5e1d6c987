package emulator

import "fmt"

// APIError is a business error answered with HTTP 200 and the API 3.0 error envelope
// {"Response":{"Error":{"Code","Message"},"RequestId"}}.
type APIError struct {
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func apiErr(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Codes used across products. Per-action codes follow the digest (§4, Appendix F).
const (
	codeInvalidAuthorization = "AuthFailure.InvalidAuthorization"
	codeSecretIDNotFound     = "AuthFailure.SecretIdNotFound"
	codeSignatureFailure     = "AuthFailure.SignatureFailure"
	codeSignatureExpire      = "AuthFailure.SignatureExpire"
	codeRequestLimitExceeded = "RequestLimitExceeded"
	codeInvalidAction        = "InvalidAction"
	codeNoSuchVersion        = "NoSuchVersion"
	codeMissingParameter     = "MissingParameter"
	codeUnknownParameter     = "UnknownParameter"
	codeInvalidParameter     = "InvalidParameter"
	codeInvalidParamValue    = "InvalidParameterValue"
	codeUnsupportedRegion    = "UnsupportedRegion"
	codeInternalError        = "InternalError"
	codeResourceNotFound     = "ResourceNotFound"
	codeResourceInUse        = "ResourceInUse"
	codeLimitExceeded        = "LimitExceeded"
	codeUnsupportedProtocol  = "UnsupportedProtocol"
)

func missing(name string) *APIError {
	return apiErr(codeMissingParameter, "The request is missing a required parameter `%s`.", name)
}
