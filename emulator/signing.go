package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	tc3Algorithm     = "TC3-HMAC-SHA256"
	maxClockSkew     = 5 * time.Minute
	unsignedPayload  = "UNSIGNED-PAYLOAD"
	contentSHAHeader = "X-TC-Content-SHA256"
)

// signedRequest is what a verified TC3 Authorization header tells about the caller.
type signedRequest struct {
	SecretID string
	Service  string
	// UIN is the account of the key that signed.
	UIN string
}

// tc3Authorization is the parsed Authorization header.
type tc3Authorization struct {
	secretID, date, service string
	signedHeaders           []string
	signature               string
}

func parseTC3Authorization(h string) (tc3Authorization, bool) {
	var a tc3Authorization
	rest, ok := strings.CutPrefix(h, tc3Algorithm+" ")
	if !ok {
		return a, false
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, false
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 4 || f[3] != "tc3_request" || f[0] == "" || f[2] == "" {
				return a, false
			}
			a.secretID, a.date, a.service = f[0], f[1], f[2]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.secretID == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, false
	}
	return a, true
}

// verifyTC3 checks a request signed with TC3-HMAC-SHA256 the way the API gateway does:
// the canonical URI is always "/", the signed headers are rebuilt from the names the
// client lists (lowercased, trimmed), and the timestamp must be within five minutes.
func verifyTC3(r *http.Request, body []byte, keys *credentials, now time.Time) (signedRequest, *APIError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return signedRequest{}, apiErr(codeInvalidAuthorization, "The Authorization header is missing.")
	}
	a, ok := parseTC3Authorization(auth)
	if !ok {
		return signedRequest{}, apiErr(codeInvalidAuthorization, "The Authorization header is malformed; expected TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=..., Signature=....")
	}
	tsHeader := r.Header.Get("X-TC-Timestamp")
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return signedRequest{}, apiErr(codeMissingParameter, "The request is missing a valid X-TC-Timestamp header.")
	}
	signedAt := time.Unix(ts, 0)
	if d := now.Sub(signedAt); d > maxClockSkew || d < -maxClockSkew {
		return signedRequest{}, apiErr(codeSignatureExpire, "Signature expired. Timestamp and server time cannot differ by more than five minutes (request %d, server %d).", ts, now.Unix())
	}
	key, ok := keys.lookup(a.secretID)
	if !ok {
		return signedRequest{}, apiErr(codeSecretIDNotFound, "The SecretId is not found, please ensure that your SecretId is correct.")
	}
	secretKey := key.secretKey
	if a.date != signedAt.UTC().Format("2006-01-02") {
		return signedRequest{}, apiErr(codeSignatureFailure, "The provided credentials could not be validated: the credential scope date does not match X-TC-Timestamp.")
	}

	var canonHeaders strings.Builder
	for _, name := range a.signedHeaders {
		name = strings.ToLower(strings.TrimSpace(name))
		var v string
		if name == "host" {
			v = r.Host
		} else {
			v = r.Header.Get(name)
		}
		canonHeaders.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	payloadHash := sha256Hex(body)
	if r.Header.Get(contentSHAHeader) == unsignedPayload {
		payloadHash = sha256Hex([]byte(unsignedPayload))
	}
	query := ""
	if r.Method == http.MethodGet {
		query = r.URL.RawQuery
	}
	canonical := r.Method + "\n/\n" + query + "\n" + canonHeaders.String() + "\n" +
		strings.Join(a.signedHeaders, ";") + "\n" + payloadHash
	scope := a.date + "/" + a.service + "/tc3_request"
	stringToSign := tc3Algorithm + "\n" + tsHeader + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
	want := tc3Signature(secretKey, a.date, a.service, stringToSign)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.signature))) {
		return signedRequest{}, apiErr(codeSignatureFailure, "The provided credentials could not be validated. Please check your signature is correct.")
	}
	if aerr := key.checkToken(r.Header.Get("X-TC-Token"), now); aerr != nil {
		return signedRequest{}, aerr
	}
	return signedRequest{SecretID: a.secretID, Service: a.service, UIN: key.uin}, nil
}

func tc3Signature(secretKey, date, service, stringToSign string) string {
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, stringToSign))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
