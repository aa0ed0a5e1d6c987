package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GitLab: API v4 (commit statuses, merge request notes) and webhooks
// authenticated by the shared X-Gitlab-Token.

// gitlabMaxComment keeps notes far below GitLab's 1,000,000-character limit.
const gitlabMaxComment = 262144

type gitlabClient struct {
	api     api
	project string // escaped project ID or path
}

func newGitLab(opts Options) (*gitlabClient, error) {
	if strings.Trim(opts.Repo, "/") == "" {
		return nil, errors.New("forge gitlab: repo must be a project path (group/project) or numeric ID")
	}
	root := opts.BaseURL
	if root == "" {
		root = "https://gitlab.com"
	}
	token := string(opts.Token)
	return &gitlabClient{
		// The path's slashes are escaped: GitLab takes "group/sub/project"
		// as one :id segment, "group%2Fsub%2Fproject".
		project: url.PathEscape(strings.Trim(opts.Repo, "/")),
		api: api{
			forge:  GitLab,
			root:   strings.TrimSuffix(root, "/api/v4") + "/api/v4",
			client: opts.HTTPClient,
			log:    opts.Logger,
			auth:   func(h http.Header) { h.Set("PRIVATE-TOKEN", token) },
		},
	}, nil
}

// gitlabState maps a State to GitLab's commit status states
// (pending, running, success, failed, canceled).
func gitlabState(s State) string {
	switch s {
	case StateSuccess:
		return "success"
	case StateFailure, StateError:
		return "failed"
	default:
		return "pending"
	}
}

type gitlabStatus struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	Name        string `json:"name"`
	Description string `json:"description"`
	TargetURL   string `json:"target_url"`
}

// SetStatus implements Client.
func (c *gitlabClient) SetStatus(ctx context.Context, s Status) error {
	if err := validateStatus(s); err != nil {
		return err
	}
	state, desc := gitlabState(s.State), shorten(s.Description, MaxDescription)
	latest, found, err := c.latestStatus(ctx, s.Revision, s.Context)
	if err != nil {
		return fmt.Errorf("read statuses of %s: %w", s.Revision, err)
	}
	if found && latest.Status == state && latest.Description == desc && latest.TargetURL == s.TargetURL {
		c.api.log.Debug("commit status unchanged; not posting", "context", s.Context, "state", s.State, "rev", s.Revision)
		return nil
	}
	req := map[string]string{"state": state, "name": s.Context, "description": desc}
	if s.TargetURL != "" {
		req["target_url"] = s.TargetURL
	}
	_, err = c.api.do(ctx, http.MethodPost, "/projects/"+c.project+"/statuses/"+url.PathEscape(s.Revision), nil, req, nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && strings.Contains(apiErr.Message, "Cannot transition status") {
		// GitLab refuses a transition to the state a status already has
		// (another writer got there first): the wanted state is in place.
		return nil
	}
	if err != nil {
		return fmt.Errorf("set status %s=%s on %s: %w", s.Context, s.State, s.Revision, err)
	}
	return nil
}

// latestStatus lists the commit's statuses filtered by name. Without all=true
// GitLab returns only the latest status per name; the highest ID wins in case
// several pipelines' statuses are listed.
func (c *gitlabClient) latestStatus(ctx context.Context, rev, name string) (gitlabStatus, bool, error) {
	const perPage = 100
	var best gitlabStatus
	found := false
	for page := 1; page <= maxPages; page++ {
		var statuses []gitlabStatus
		q := url.Values{"name": {name}, "per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		hdr, err := c.api.do(ctx, http.MethodGet, "/projects/"+c.project+"/repository/commits/"+url.PathEscape(rev)+"/statuses", q, nil, &statuses)
		if err != nil {
			return gitlabStatus{}, false, err
		}
		for _, st := range statuses {
			if st.Name == name && (!found || st.ID > best.ID) {
				best, found = st, true
			}
		}
		if !hasNextPage(hdr, len(statuses), perPage) {
			break
		}
	}
	return best, found, nil
}

type gitlabNote struct {
	ID     int64  `json:"id"`
	Body   string `json:"body"`
	System bool   `json:"system"`
}

// UpsertComment implements Client, on merge request notes.
func (c *gitlabClient) UpsertComment(ctx context.Context, change int, marker, body string) error {
	body, err := commentBody(marker, body, gitlabMaxComment)
	if err != nil {
		return err
	}
	if change <= 0 {
		return fmt.Errorf("comment on merge request !%d: not a merge request IID", change)
	}
	notes := "/projects/" + c.project + "/merge_requests/" + strconv.Itoa(change) + "/notes"
	existing, err := c.findNote(ctx, notes, marker)
	if err != nil {
		return fmt.Errorf("find comment on merge request !%d: %w", change, err)
	}
	switch {
	case existing == nil:
		_, err = c.api.do(ctx, http.MethodPost, notes, nil, map[string]string{"body": body}, nil)
	case existing.Body == body:
		return nil
	default:
		_, err = c.api.do(ctx, http.MethodPut, notes+"/"+strconv.FormatInt(existing.ID, 10), nil, map[string]string{"body": body}, nil)
	}
	if err != nil {
		return fmt.Errorf("write comment on merge request !%d: %w", change, err)
	}
	return nil
}

func (c *gitlabClient) findNote(ctx context.Context, notes, marker string) (*gitlabNote, error) {
	const perPage = 100
	for page := 1; page <= maxPages; page++ {
		var list []gitlabNote
		q := url.Values{"per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}, "sort": {"asc"}, "order_by": {"created_at"}}
		hdr, err := c.api.do(ctx, http.MethodGet, notes, q, nil, &list)
		if err != nil {
			return nil, err
		}
		for i := range list {
			if !list[i].System && strings.Contains(list[i].Body, marker) {
				return &list[i], nil
			}
		}
		if !hasNextPage(hdr, len(list), perPage) {
			break
		}
	}
	return nil, nil
}

// hasNextPage follows GitLab's X-Next-Page header, falling back to "a full
// page means there may be more" when the header is absent (GitLab omits it
// for large collections).
func hasNextPage(h http.Header, got, perPage int) bool {
	if _, ok := h["X-Next-Page"]; ok {
		return h.Get("X-Next-Page") != ""
	}
	return got >= perPage
}

// parseGitLab checks X-Gitlab-Token (GitLab does not sign bodies) and
// decodes push, tag push and merge request events.
func parseGitLab(h http.Header, contentType string, body, secret []byte) (Event, error) {
	if !validToken(secret, h.Get("X-Gitlab-Token")) {
		return Event{}, fmt.Errorf("gitlab webhook: %w", ErrBadSignature)
	}
	ev := Event{Forge: GitLab, DeliveryID: h.Get("X-Gitlab-Event-UUID"), RawEvent: h.Get("X-Gitlab-Event")}
	switch ev.RawEvent {
	case "Push Hook", "Tag Push Hook":
		var p struct {
			Ref, Before, After string
			Project            struct {
				PathWithNamespace string `json:"path_with_namespace"`
			}
		}
		if err := decode(body, &p); err != nil {
			return Event{}, &PayloadError{Forge: GitLab, Err: err}
		}
		ev.Kind, ev.Ref, ev.Before, ev.Revision, ev.Repo = EventPush, p.Ref, p.Before, p.After, p.Project.PathWithNamespace
		ev.Deleted = isZeroSHA(p.After)
		return ev, nil
	case "Merge Request Hook":
		var p struct {
			Project struct {
				PathWithNamespace string `json:"path_with_namespace"`
			}
			ObjectAttributes struct {
				IID          int    `json:"iid"`
				Action       string `json:"action"`
				State        string `json:"state"`
				SourceBranch string `json:"source_branch"`
				TargetBranch string `json:"target_branch"`
				OldRev       string `json:"oldrev"`
				LastCommit   struct {
					ID string `json:"id"`
				} `json:"last_commit"`
			} `json:"object_attributes"`
		}
		if err := decode(body, &p); err != nil {
			return Event{}, &PayloadError{Forge: GitLab, Err: err}
		}
		a := p.ObjectAttributes
		ev.Kind, ev.Change, ev.Repo = EventPullRequest, a.IID, p.Project.PathWithNamespace
		ev.Ref, ev.HeadRef = branchRef(a.TargetBranch), branchRef(a.SourceBranch)
		ev.Revision, ev.Before = a.LastCommit.ID, a.OldRev
		ev.PullRef = fmt.Sprintf("refs/merge-requests/%d/head", a.IID)
		switch a.Action {
		case "open":
			ev.Action = ActionOpened
		case "reopen":
			ev.Action = ActionReopened
		case "close":
			ev.Action = ActionClosed
		case "merge":
			ev.Action, ev.Merged = ActionMerged, true
		case "update":
			// "update" covers title edits too; only an oldrev means
			// new commits.
			ev.Action = "update"
			if a.OldRev != "" {
				ev.Action = ActionSynchronize
			}
		default:
			ev.Action = a.Action
		}
		return ev, nil
	default:
		ev.Kind = EventUnknown
		return ev, nil
	}
}
