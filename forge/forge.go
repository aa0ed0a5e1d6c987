package forge

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tkeops/tkeops/internal/secret"
)

// State is a commit status state, in GitHub's and Gitea's words. GitLab has
// no "failure" or "error"; both become "failed" there.
type State string

// The states a Status can carry.
const (
	StatePending State = "pending"
	StateSuccess State = "success"
	StateFailure State = "failure"
	StateError   State = "error"
)

// Valid reports whether s is one of the four states.
func (s State) Valid() bool {
	switch s {
	case StatePending, StateSuccess, StateFailure, StateError:
		return true
	}
	return false
}

// Default status contexts. A Status names its context explicitly; these are
// what the service uses unless configured otherwise (see Contexts).
const (
	DefaultPlanContext  = "tkeops/plan"
	DefaultApplyContext = "tkeops/apply"
	DefaultDriftContext = "tkeops/drift"
)

// Contexts are the status contexts the service posts under, one per kind of run.
type Contexts struct {
	Plan  string `json:"plan"`
	Apply string `json:"apply"`
	Drift string `json:"drift"`
}

// WithDefaults fills empty contexts with the defaults.
func (c Contexts) WithDefaults() Contexts {
	if c.Plan == "" {
		c.Plan = DefaultPlanContext
	}
	if c.Apply == "" {
		c.Apply = DefaultApplyContext
	}
	if c.Drift == "" {
		c.Drift = DefaultDriftContext
	}
	return c
}

// PlanMarker is the hidden marker that identifies tkeops' plan comment on a
// pull request, so a later push edits it instead of adding another.
const PlanMarker = "<!-- tkeops:plan -->"

// Status is one commit status.
type Status struct {
	Revision    string // full commit SHA
	Context     string // e.g. DefaultPlanContext; GitLab calls it "name"
	Description string // shortened to MaxDescription runes
	TargetURL   string // optional link to the run
	State       State
}

// MaxDescription is the longest description GitHub accepts (GitLab and Gitea
// accept more); longer ones are shortened with an ellipsis.
const MaxDescription = 140

// Final reports whether the state ends a run (not pending).
func (s State) Final() bool { return s != StatePending && s != "" }

// Client works with one repository on a forge: it reports results back
// (statuses, the plan comment) and reads what the service needs to decide
// (open pull requests, latest statuses, comments, who may write).
type Client interface {
	// SetStatus posts s unless the latest status with the same context on
	// that commit already has the same state, description and target URL;
	// calling it again with the same Status is a no-op.
	SetStatus(ctx context.Context, s Status) error
	// Statuses returns the latest status of each context on rev.
	Statuses(ctx context.Context, rev string) ([]Status, error)
	// UpsertComment keeps exactly one comment carrying marker on pull
	// (merge) request change: it creates it, or edits it in place when the
	// body differs, or does nothing when it is unchanged. The marker is
	// prepended to body when body does not already contain it.
	UpsertComment(ctx context.Context, change int, marker, body string) error
	// OpenChanges lists the open pull requests of the repository.
	OpenChanges(ctx context.Context) ([]Change, error)
	// Change returns one pull request, open or not.
	Change(ctx context.Context, number int) (Change, error)
	// MergedAs returns the pull requests whose merge produced commit rev
	// (a merge, squash or rebase commit); none for a direct push.
	MergedAs(ctx context.Context, rev string) ([]Change, error)
	// CanWrite reports whether user may push to the repository (GitHub and
	// Gitea: write, maintain or admin; GitLab: Developer or above).
	CanWrite(ctx context.Context, user string) (bool, error)
	// CommitURL and ChangeURL link people to the forge's pages; "" when the
	// forge has no web pages (log).
	CommitURL(rev string) string
	ChangeURL(number int) string
}

// Change is a pull request (GitLab: merge request).
type Change struct {
	Number int
	Title  string
	// State is "open", "closed" or "merged".
	State string
	// HeadSHA is the head commit; HeadRef the source branch as a full ref.
	HeadSHA string
	HeadRef string
	// BaseRef is the target branch as a full ref (refs/heads/main).
	BaseRef string
	// PullRef is the ref on the base repository that holds the head
	// (refs/pull/N/head, refs/merge-requests/N/head).
	PullRef string
	// Fork is true when the head lives in another repository.
	Fork   bool
	Author string
	Labels []string
	// MergeCommit is the commit the merge produced, once merged.
	MergeCommit string
}

// Comment is one comment on a pull request.
type Comment struct {
	ID        int64
	Author    string
	Body      string
	CreatedAt time.Time
}

// Change states.
const (
	ChangeOpen   = "open"
	ChangeClosed = "closed"
	ChangeMerged = "merged"
)

// Options configures a Client.
type Options struct {
	// BaseURL is the API root for GitHub (default https://api.github.com;
	// GitHub Enterprise: https://HOST/api/v3) and the instance root for
	// GitLab (default https://gitlab.com) and Gitea (required); /api/v4 and
	// /api/v1 are appended for those.
	BaseURL string
	// Repo is "owner/name" (GitHub, Gitea) or the GitLab project's path
	// ("group/sub/project") or numeric ID.
	Repo       string
	Token      secret.Value
	HTTPClient *http.Client // default: a client with a 30 s timeout
	Logger     *slog.Logger
}

// APIError is a non-2xx answer from a forge API. It never contains the token.
type APIError struct {
	Forge      string
	Method     string
	Path       string // request path, without host or query
	StatusCode int
	Message    string        // the forge's error message, shortened
	RetryAfter time.Duration // from Retry-After or rate-limit headers; 0 if none
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s API %s %s: HTTP %d", e.Forge, e.Method, e.Path, e.StatusCode)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		msg += " (check the forge token)"
	case http.StatusForbidden, http.StatusNotFound:
		msg += " (check the repository name and that the token may write statuses and comments)"
	}
	return msg
}

// Temporary reports whether retrying later may succeed: rate limits and
// server errors.
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500 || e.RetryAfter > 0
}
