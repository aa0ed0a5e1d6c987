package forge

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// EventKind says what a webhook delivery was about.
type EventKind string

// The kinds of event ParseWebhook reports. Anything else is EventUnknown: the
// server acknowledges it (2xx) and does nothing.
const (
	EventPush        EventKind = "push"
	EventPullRequest EventKind = "pull_request"
	EventPing        EventKind = "ping"
	// EventComment is a new comment on a pull request (GitHub and Gitea
	// issue_comment on a pull request, GitLab Note Hook on a merge request).
	EventComment EventKind = "comment"
	EventUnknown EventKind = "unknown"
)

// Pull-request actions, normalised across forges. Actions not listed are
// passed through as the forge spelled them.
const (
	ActionOpened      = "opened"
	ActionReopened    = "reopened"
	ActionSynchronize = "synchronize" // new commits on the head branch
	ActionClosed      = "closed"      // closed without merging
	ActionMerged      = "merged"      // closed by merging; Event.Merged is true
)

// Event is a verified webhook delivery.
type Event struct {
	Kind EventKind
	// Ref is the full ref the event is about: the pushed ref for a push
	// (refs/heads/main, refs/tags/v1), the base (target) branch for a pull
	// request.
	Ref string
	// Revision is the pushed head for a push and the pull request's head
	// commit for a pull request.
	Revision string
	// Before is the ref's previous commit (push), or the head before new
	// commits arrived (pull request synchronize, when the forge sends it).
	Before string
	// Change is the pull request number (GitLab: the merge request IID).
	Change int
	// Action is the pull-request action (Action* constants).
	Action string
	Merged bool
	// HeadRef is the pull request's source branch as a full ref. It may live
	// in a fork; fetch PullRef to get its commits.
	HeadRef string
	// PullRef is the ref on the base repository that holds the pull
	// request's head: refs/pull/N/head (GitHub, Gitea) or
	// refs/merge-requests/N/head (GitLab).
	PullRef string
	// Deleted is true for a push that deleted Ref.
	Deleted bool
	// Repo is the repository's full name (GitLab: path with namespace).
	Repo string
	// ProjectID is GitLab's numeric project ID (0 elsewhere).
	ProjectID int64
	// Fork is true for a pull request whose head lives in another
	// repository.
	Fork bool
	// Sender is the login of the user whose action sent the event.
	Sender string
	// Comment is the new comment of an EventComment; Change is its pull
	// request.
	Comment Comment
	// Labels are a pull request's labels after the event; Label is the one
	// a "labeled" action added (GitHub).
	Labels []string
	Label  string
	// Digest is the hex SHA-256 of the verified payload. Delivery IDs are
	// not covered by the signature, so replay protection keys on this.
	Digest string
	// DeliveryID identifies the delivery (X-GitHub-Delivery,
	// X-Gitea-Delivery, X-Gitlab-Event-UUID) so replays can be refused.
	DeliveryID string
	// Forge is the kind the delivery was parsed as.
	Forge string
	// RawEvent is the forge's own event name from the headers, for logs.
	RawEvent string
}

// ErrBadSignature: the delivery's signature or token is missing or wrong, or
// no secret is configured. The server answers 401 and reads nothing more.
var ErrBadSignature = errors.New("webhook signature missing or invalid")

// ErrTooLarge: the body exceeds the size limit. The server answers 413.
var ErrTooLarge = errors.New("webhook body too large")

// PayloadError: the signature was valid but the payload could not be decoded.
// The server answers 400.
type PayloadError struct {
	Forge string
	Err   error
}

func (e *PayloadError) Error() string {
	return e.Forge + " webhook: malformed payload: " + e.Err.Error()
}
func (e *PayloadError) Unwrap() error { return e.Err }

// DefaultMaxWebhookBytes is the body limit ParseWebhook applies when maxBytes
// is not positive. GitHub caps its own payloads at 25 MB; push events for
// spec repositories are far smaller.
const DefaultMaxWebhookBytes = 4 << 20

// webhookParser verifies and decodes one forge's deliveries. It gets the raw
// body and must check the signature before looking at anything else.
type webhookParser func(h http.Header, contentType string, body, secret []byte) (Event, error)

// ParseWebhook reads and verifies one delivery from forge kind. The body is
// read up to maxBytes (DefaultMaxWebhookBytes if not positive); beyond it the
// result is ErrTooLarge. A missing or wrong signature, or an empty secret,
// gives ErrBadSignature; signatures are compared in constant time. Events
// other than push, pull request and ping come back as EventUnknown with a nil
// error. ParseWebhook does not close r.Body.
func ParseWebhook(kind string, r *http.Request, secret []byte, maxBytes int64) (Event, error) {
	d, ok := drivers[kind]
	if !ok {
		return Event{}, unknownKind(kind)
	}
	if d.parse == nil {
		return Event{}, fmt.Errorf("forge %s sends no webhooks", kind)
	}
	if len(secret) == 0 {
		// Refuse rather than accept unsigned deliveries: anyone could
		// trigger syncs.
		return Event{}, fmt.Errorf("%s webhook: no secret configured: %w", kind, ErrBadSignature)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxWebhookBytes
	}
	if r.ContentLength > maxBytes {
		return Event{}, fmt.Errorf("%s webhook: %d bytes, limit %d: %w", kind, r.ContentLength, maxBytes, ErrTooLarge)
	}
	if r.Body == nil {
		return Event{}, &PayloadError{Forge: kind, Err: errors.New("empty body")}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), err == nil && int64(len(body)) > maxBytes:
		return Event{}, fmt.Errorf("%s webhook: body over %d bytes: %w", kind, maxBytes, ErrTooLarge)
	case err != nil:
		return Event{}, fmt.Errorf("%s webhook: read body: %w", kind, err)
	}
	ev, err := d.parse(r.Header, r.Header.Get("Content-Type"), body, secret)
	if err != nil {
		return Event{}, err
	}
	ev.Forge = kind
	sum := sha256.Sum256(body)
	ev.Digest = hex.EncodeToString(sum[:])
	return ev, nil
}

// validHMAC reports whether sigHex is the hex HMAC-SHA256 of body under
// secret, comparing in constant time.
func validHMAC(secret, body []byte, sigHex string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sigHex))
	if err != nil || len(got) != sha256.Size || len(secret) == 0 {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// validToken compares a shared-secret token in constant time. Both sides are
// hashed first so that not even the token's length leaks through timing.
func validToken(secret []byte, token string) bool {
	if len(secret) == 0 || token == "" {
		return false
	}
	a, b := sha256.Sum256(secret), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// jsonPayload returns the JSON document of a delivery: the body itself, or
// the "payload" field of a form-encoded body.
func jsonPayload(contentType string, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("form body: %w", err)
	}
	p := form.Get("payload")
	if p == "" {
		return nil, errors.New(`form body has no "payload" field`)
	}
	return []byte(p), nil
}

// decode unmarshals a payload; every event type we read is a JSON object.
func decode(payload []byte, v any) error {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || payload[0] != '{' {
		return errors.New("payload is not a JSON object")
	}
	return json.Unmarshal(payload, v)
}

// branchRef makes a full ref of a branch name ("" stays "").
func branchRef(name string) string {
	if name == "" || strings.HasPrefix(name, "refs/") {
		return name
	}
	return "refs/heads/" + name
}

// prAction normalises GitHub's and Gitea's pull-request actions.
func prAction(action string, merged bool) (string, bool) {
	switch action {
	case "closed":
		if merged {
			return ActionMerged, true
		}
		return ActionClosed, false
	case "synchronized": // Gitea's spelling
		return ActionSynchronize, false
	}
	return action, false
}

func isZeroSHA(s string) bool {
	return s != "" && strings.Trim(s, "0") == ""
}

// WebhookErrorStatus is the HTTP status a receiver should answer for an error
// from ParseWebhook: 401 for a bad signature, 413 for an oversized body, 400
// for a malformed payload or an unknown forge, and 200 for nil (unknown
// events included: acknowledged and ignored).
func WebhookErrorStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrBadSignature):
		return http.StatusUnauthorized
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	default: // *PayloadError, unknown forge
		return http.StatusBadRequest
	}
}
