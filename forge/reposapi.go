package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// reposClient is the commit status and issue comment API that GitHub and Gitea
// (and Forgejo) share under /repos/{owner}/{name}: statuses/{sha} to post,
// commits/{sha}/status for the latest status per context, issues/{n}/comments
// and issues/comments/{id} for comments. One implementation serves both; what
// differs (root, auth headers, paging, the field a status is read back in) is
// set by newGitHub and newGitea.
type reposClient struct {
	api         api
	owner, name string
	maxComment  int
	// pageParam and pageSize are the page size query parameter and the largest
	// page the forge serves: GitHub "per_page" up to 100, Gitea "limit" up to 50.
	pageParam string
	pageSize  int
	// commentsPaged is false where listing an issue's comments returns them all
	// and takes no paging (Gitea).
	commentsPaged bool
	// stateReadAsStatus: the forge answers a status with its state under
	// "status", not the "state" it was posted with (Gitea).
	stateReadAsStatus bool
}

func (c *reposClient) repoPath() string {
	return "/repos/" + url.PathEscape(c.owner) + "/" + url.PathEscape(c.name)
}

func (c *reposClient) page(n int) url.Values {
	return url.Values{c.pageParam: {strconv.Itoa(c.pageSize)}, "page": {strconv.Itoa(n)}}
}

// reposStatus is the create shape of a commit status.
type reposStatus struct {
	State       string `json:"state"`
	TargetURL   string `json:"target_url,omitempty"`
	Description string `json:"description,omitempty"`
	Context     string `json:"context"`
}

// reposStatusRead is a status as the combined status lists it.
type reposStatusRead struct {
	State       string `json:"state"`
	Status      string `json:"status"`
	TargetURL   string `json:"target_url"`
	Description string `json:"description"`
	Context     string `json:"context"`
}

// SetStatus implements Client.
func (c *reposClient) SetStatus(ctx context.Context, s Status) error {
	if err := validateStatus(s); err != nil {
		return err
	}
	want := reposStatus{State: string(s.State), TargetURL: s.TargetURL, Description: shorten(s.Description, MaxDescription), Context: s.Context}
	latest, found, err := c.latestStatus(ctx, s.Revision, s.Context)
	if err != nil {
		return fmt.Errorf("read statuses of %s: %w", s.Revision, err)
	}
	state := latest.State
	if c.stateReadAsStatus {
		state = latest.Status
	}
	if found && (reposStatus{State: state, TargetURL: latest.TargetURL, Description: latest.Description, Context: latest.Context}) == want {
		c.api.log.Debug("commit status unchanged; not posting", "context", s.Context, "state", s.State, "rev", s.Revision)
		return nil
	}
	_, err = c.api.do(ctx, http.MethodPost, c.repoPath()+"/statuses/"+url.PathEscape(s.Revision), nil, want, nil)
	if err != nil {
		return fmt.Errorf("set status %s=%s on %s: %w", s.Context, s.State, s.Revision, err)
	}
	return nil
}

// latestStatus reads the combined status, which lists the latest status per
// context, page by page until the context shows up.
func (c *reposClient) latestStatus(ctx context.Context, rev, context string) (reposStatusRead, bool, error) {
	for page := 1; page <= maxPages; page++ {
		var combined struct {
			Statuses []reposStatusRead `json:"statuses"`
		}
		if _, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/commits/"+url.PathEscape(rev)+"/status", c.page(page), nil, &combined); err != nil {
			return reposStatusRead{}, false, err
		}
		for _, st := range combined.Statuses {
			if st.Context == context {
				return st, true, nil
			}
		}
		if len(combined.Statuses) < c.pageSize {
			break
		}
	}
	return reposStatusRead{}, false, nil
}

type reposComment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

// UpsertComment implements Client.
func (c *reposClient) UpsertComment(ctx context.Context, change int, marker, body string) error {
	body, err := commentBody(marker, body, c.maxComment)
	if err != nil {
		return err
	}
	if change <= 0 {
		return fmt.Errorf("comment on pull request %d: not a pull request number", change)
	}
	issue := c.repoPath() + "/issues/" + strconv.Itoa(change)
	existing, err := c.findComment(ctx, issue, marker)
	if err != nil {
		return fmt.Errorf("find comment on pull request %d: %w", change, err)
	}
	switch {
	case existing == nil:
		_, err = c.api.do(ctx, http.MethodPost, issue+"/comments", nil, map[string]string{"body": body}, nil)
	case existing.Body == body:
		return nil
	default:
		_, err = c.api.do(ctx, http.MethodPatch, c.repoPath()+"/issues/comments/"+strconv.FormatInt(existing.ID, 10), nil, map[string]string{"body": body}, nil)
	}
	if err != nil {
		return fmt.Errorf("write comment on pull request %d: %w", change, err)
	}
	return nil
}

// findComment finds the comment carrying marker on an issue; nil when none does.
func (c *reposClient) findComment(ctx context.Context, issue, marker string) (*reposComment, error) {
	for page := 1; page <= maxPages; page++ {
		var comments []reposComment
		var q url.Values
		if c.commentsPaged {
			q = c.page(page)
		}
		if _, err := c.api.do(ctx, http.MethodGet, issue+"/comments", q, nil, &comments); err != nil {
			return nil, err
		}
		for i := range comments {
			if strings.Contains(comments[i].Body, marker) {
				return &comments[i], nil
			}
		}
		if !c.commentsPaged || len(comments) < c.pageSize {
			break
		}
	}
	return nil, nil
}

// decodeReposEvent decodes the push and pull_request deliveries GitHub and Gitea
// share (Gitea's payloads have GitHub's shape, without "deleted" on a push or
// "before" on a pull request, which then stay false and empty); other events are
// EventUnknown. ev carries what the headers said.
func decodeReposEvent(ev Event, payload []byte) (Event, error) {
	switch ev.RawEvent {
	case "push":
		var p struct {
			Ref, Before, After string
			Deleted            bool
			Repository         struct {
				FullName string `json:"full_name"`
			}
		}
		if err := decode(payload, &p); err != nil {
			return Event{}, &PayloadError{Forge: ev.Forge, Err: err}
		}
		ev.Kind, ev.Ref, ev.Before, ev.Revision, ev.Repo = EventPush, p.Ref, p.Before, p.After, p.Repository.FullName
		ev.Deleted = p.Deleted || isZeroSHA(p.After)
		return ev, nil
	case "pull_request":
		var p struct {
			Action      string
			Number      int
			Before      string
			PullRequest struct {
				Merged bool
				Head   struct{ Ref, SHA string }
				Base   struct{ Ref string }
			} `json:"pull_request"`
			Repository struct {
				FullName string `json:"full_name"`
			}
		}
		if err := decode(payload, &p); err != nil {
			return Event{}, &PayloadError{Forge: ev.Forge, Err: err}
		}
		ev.Kind, ev.Change, ev.Repo = EventPullRequest, p.Number, p.Repository.FullName
		ev.Ref, ev.HeadRef = branchRef(p.PullRequest.Base.Ref), branchRef(p.PullRequest.Head.Ref)
		ev.Revision, ev.Before = p.PullRequest.Head.SHA, p.Before
		ev.PullRef = fmt.Sprintf("refs/pull/%d/head", p.Number)
		ev.Action, ev.Merged = prAction(p.Action, p.PullRequest.Merged)
		return ev, nil
	default:
		ev.Kind = EventUnknown
		return ev, nil
	}
}
