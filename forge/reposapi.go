package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// isNotFound reports whether err is the forge answering 404.
func isNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}

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
	// web is the repository's web page (https://github.com/owner/name).
	web string
	// changePage is the path of a pull request's web page under web
	// ("pull" on GitHub, "pulls" on Gitea).
	changePage string
	// mergedAsOne: the forge answers commits/{sha}/pull with the one pull
	// request merged as that commit (Gitea), not commits/{sha}/pulls with
	// every pull request containing it (GitHub).
	mergedAsOne bool
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
	if found && (reposStatus{State: string(latest.State), TargetURL: latest.TargetURL, Description: latest.Description, Context: latest.Context}) == want {
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
func (c *reposClient) latestStatus(ctx context.Context, rev, context string) (Status, bool, error) {
	var found *Status
	err := c.eachStatus(ctx, rev, func(st Status) bool {
		if st.Context == context {
			found = &st
			return false
		}
		return true
	})
	if err != nil || found == nil {
		return Status{}, false, err
	}
	return *found, true, nil
}

// eachStatus calls fn with the latest status of each context on rev, page by
// page, until fn returns false.
func (c *reposClient) eachStatus(ctx context.Context, rev string, fn func(Status) bool) error {
	for page := 1; page <= maxPages; page++ {
		var combined struct {
			Statuses []reposStatusRead `json:"statuses"`
		}
		if _, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/commits/"+url.PathEscape(rev)+"/status", c.page(page), nil, &combined); err != nil {
			return err
		}
		for _, st := range combined.Statuses {
			state := st.State
			if c.stateReadAsStatus {
				state = st.Status
			}
			if !fn(Status{Revision: rev, Context: st.Context, Description: st.Description, TargetURL: st.TargetURL, State: State(state)}) {
				return nil
			}
		}
		if len(combined.Statuses) < c.pageSize {
			break
		}
	}
	return nil
}

// Statuses implements Client.
func (c *reposClient) Statuses(ctx context.Context, rev string) ([]Status, error) {
	var out []Status
	err := c.eachStatus(ctx, rev, func(st Status) bool {
		out = append(out, st)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read statuses of %s: %w", rev, err)
	}
	return out, nil
}

type reposComment struct {
	ID        int64     `json:"id"`
	Body      string    `json:"body"`
	User      reposUser `json:"user"`
	CreatedAt time.Time `json:"created_at"`
}

type reposUser struct {
	Login string `json:"login"`
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
	var found *reposComment
	err := c.eachComment(ctx, issue, func(rc reposComment) bool {
		if strings.Contains(rc.Body, marker) {
			found = &rc
			return false
		}
		return true
	})
	return found, err
}

// eachComment calls fn with the comments of an issue, oldest first, until fn
// returns false.
func (c *reposClient) eachComment(ctx context.Context, issue string, fn func(reposComment) bool) error {
	for page := 1; page <= maxPages; page++ {
		var comments []reposComment
		var q url.Values
		if c.commentsPaged {
			q = c.page(page)
		}
		if _, err := c.api.do(ctx, http.MethodGet, issue+"/comments", q, nil, &comments); err != nil {
			return err
		}
		for _, rc := range comments {
			if !fn(rc) {
				return nil
			}
		}
		if !c.commentsPaged || len(comments) < c.pageSize {
			break
		}
	}
	return nil
}

// reposPull is a pull request as GitHub and Gitea answer it.
type reposPull struct {
	Number   int        `json:"number"`
	Title    string     `json:"title"`
	State    string     `json:"state"`
	Merged   bool       `json:"merged"`
	MergedAt *time.Time `json:"merged_at"`
	Head     reposEnd   `json:"head"`
	Base     reposEnd   `json:"base"`
	User     reposUser  `json:"user"`
	Labels   []struct {
		Name string `json:"name"`
	} `json:"labels"`
	MergeCommitSHA string `json:"merge_commit_sha"`
}

// reposEnd is one end of a pull request: a branch of a repository.
type reposEnd struct {
	Ref  string `json:"ref"`
	SHA  string `json:"sha"`
	Repo *struct {
		FullName string `json:"full_name"`
	} `json:"repo"`
}

func (e reposEnd) repoName() string {
	if e.Repo == nil {
		return ""
	}
	return e.Repo.FullName
}

func (p reposPull) change() Change {
	ch := Change{Number: p.Number, Title: p.Title, State: ChangeOpen, HeadSHA: p.Head.SHA, HeadRef: branchRef(p.Head.Ref),
		BaseRef: branchRef(p.Base.Ref), PullRef: fmt.Sprintf("refs/pull/%d/head", p.Number), Author: p.User.Login,
		Fork: isFork(p.Head.repoName(), p.Base.repoName())}
	switch {
	case p.Merged || p.MergedAt != nil:
		ch.State, ch.MergeCommit = ChangeMerged, p.MergeCommitSHA
	case p.State == "closed":
		ch.State = ChangeClosed
	}
	for _, l := range p.Labels {
		ch.Labels = append(ch.Labels, l.Name)
	}
	return ch
}

// isFork reports whether a head repository differs from the base one. A head
// whose repository was deleted ("") is a fork: it is not in the base.
func isFork(head, base string) bool { return !strings.EqualFold(head, base) }

// OpenChanges implements Client.
func (c *reposClient) OpenChanges(ctx context.Context) ([]Change, error) {
	var out []Change
	for page := 1; page <= maxPages; page++ {
		var pulls []reposPull
		q := c.page(page)
		q.Set("state", "open")
		if _, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/pulls", q, nil, &pulls); err != nil {
			return nil, fmt.Errorf("list open pull requests: %w", err)
		}
		for _, p := range pulls {
			out = append(out, p.change())
		}
		if len(pulls) < c.pageSize {
			break
		}
	}
	return out, nil
}

// Change implements Client.
func (c *reposClient) Change(ctx context.Context, number int) (Change, error) {
	var p reposPull
	if _, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/pulls/"+strconv.Itoa(number), nil, nil, &p); err != nil {
		return Change{}, fmt.Errorf("read pull request %d: %w", number, err)
	}
	return p.change(), nil
}

// MergedAs implements Client.
func (c *reposClient) MergedAs(ctx context.Context, rev string) ([]Change, error) {
	var pulls []reposPull
	if c.mergedAsOne {
		var p reposPull
		_, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/commits/"+url.PathEscape(rev)+"/pull", nil, nil, &p)
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("pull request merged as %s: %w", rev, err)
		}
		pulls = append(pulls, p)
	} else if _, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/commits/"+url.PathEscape(rev)+"/pulls", c.page(1), nil, &pulls); err != nil {
		return nil, fmt.Errorf("pull requests of commit %s: %w", rev, err)
	}
	var out []Change
	for _, p := range pulls {
		if ch := p.change(); ch.State == ChangeMerged && ch.MergeCommit == rev {
			out = append(out, ch)
		}
	}
	return out, nil
}

// CanWrite implements Client.
func (c *reposClient) CanWrite(ctx context.Context, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	var perm struct {
		Permission string `json:"permission"`
	}
	_, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/collaborators/"+url.PathEscape(user)+"/permission", nil, nil, &perm)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("permission of %s: %w", user, err)
	}
	switch perm.Permission {
	case "owner", "admin", "maintain", "write":
		return true, nil
	}
	return false, nil
}

// CommitURL implements Client.
func (c *reposClient) CommitURL(rev string) string { return c.web + "/commit/" + url.PathEscape(rev) }

// ChangeURL implements Client.
func (c *reposClient) ChangeURL(number int) string {
	return c.web + "/" + c.changePage + "/" + strconv.Itoa(number)
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
			Sender reposUser
		}
		if err := decode(payload, &p); err != nil {
			return Event{}, &PayloadError{Forge: ev.Forge, Err: err}
		}
		ev.Kind, ev.Ref, ev.Before, ev.Revision, ev.Repo = EventPush, p.Ref, p.Before, p.After, p.Repository.FullName
		ev.Sender = p.Sender.Login
		ev.Deleted = p.Deleted || isZeroSHA(p.After)
		return ev, nil
	case "pull_request":
		var p struct {
			Action      string
			Number      int
			Before      string
			PullRequest reposPull `json:"pull_request"`
			Repository  struct {
				FullName string `json:"full_name"`
			}
			Sender reposUser
			Label  *struct {
				Name string `json:"name"`
			} `json:"label"`
		}
		if err := decode(payload, &p); err != nil {
			return Event{}, &PayloadError{Forge: ev.Forge, Err: err}
		}
		ch := p.PullRequest.change()
		ev.Kind, ev.Change, ev.Repo, ev.Sender = EventPullRequest, p.Number, p.Repository.FullName, p.Sender.Login
		ev.Ref, ev.HeadRef, ev.Revision, ev.Before = ch.BaseRef, ch.HeadRef, ch.HeadSHA, p.Before
		ev.PullRef, ev.Fork, ev.Labels = fmt.Sprintf("refs/pull/%d/head", p.Number), ch.Fork, ch.Labels
		if p.Label != nil {
			ev.Label = p.Label.Name
		}
		ev.Action, ev.Merged = prAction(p.Action, p.PullRequest.Merged)
		return ev, nil
	case "issue_comment":
		var p struct {
			Action string
			Issue  struct {
				Number      int
				PullRequest *json.RawMessage `json:"pull_request"`
			}
			Comment    reposComment
			IsPull     bool `json:"is_pull"` // Gitea
			Repository struct {
				FullName string `json:"full_name"`
			}
			Sender reposUser
		}
		if err := decode(payload, &p); err != nil {
			return Event{}, &PayloadError{Forge: ev.Forge, Err: err}
		}
		ev.Repo, ev.Sender, ev.Action = p.Repository.FullName, p.Sender.Login, p.Action
		isPull := p.IsPull || (p.Issue.PullRequest != nil && string(*p.Issue.PullRequest) != "null")
		if !isPull {
			ev.Kind = EventUnknown // a comment on an issue, not a pull request
			return ev, nil
		}
		ev.Kind, ev.Change = EventComment, p.Issue.Number
		ev.Comment = Comment{ID: p.Comment.ID, Author: p.Comment.User.Login, Body: p.Comment.Body, CreatedAt: p.Comment.CreatedAt}
		return ev, nil
	default:
		ev.Kind = EventUnknown
		return ev, nil
	}
}
