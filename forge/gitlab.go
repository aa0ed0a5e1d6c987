package forge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitLab: API v4 (commit statuses, merge request notes) and webhooks
// authenticated by the shared X-Gitlab-Token.

// gitlabMaxComment keeps notes far below GitLab's 1,000,000-character limit.
const gitlabMaxComment = 262144

type gitlabClient struct {
	api     api
	project string // escaped project ID or path
	web     string // the project's web page
}

var gitlabDriver = driver{newClient: newGitLab, parse: parseGitLab}

func newGitLab(opts Options) (Client, error) {
	if strings.Trim(opts.Repo, "/") == "" {
		return nil, errors.New("forge gitlab: repo must be a project path (group/project) or numeric ID")
	}
	root := opts.BaseURL
	if root == "" {
		root = "https://gitlab.com"
	}
	token := string(opts.Token)
	root = strings.TrimSuffix(root, "/api/v4")
	repo := strings.Trim(opts.Repo, "/")
	web := root + "/" + repo
	if _, err := strconv.ParseInt(repo, 10, 64); err == nil {
		web = root + "/projects/" + repo // GitLab redirects a project ID to its page
	}
	return &gitlabClient{
		web: web,
		// The path's slashes are escaped: GitLab takes "group/sub/project"
		// as one :id segment, "group%2Fsub%2Fproject".
		project: url.PathEscape(strings.Trim(opts.Repo, "/")),
		api: api{
			forge:  GitLab,
			root:   root + "/api/v4",
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
	all, err := c.statuses(ctx, s.Revision, s.Context)
	if err != nil {
		return fmt.Errorf("read statuses of %s: %w", s.Revision, err)
	}
	latest, found := all[s.Context]
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

// statuses lists the commit's statuses (only those named name, unless name is
// empty) and keeps the latest per name. Without all=true GitLab returns only
// the latest status per name; the highest ID wins in case several pipelines'
// statuses are listed.
func (c *gitlabClient) statuses(ctx context.Context, rev, name string) (map[string]gitlabStatus, error) {
	const perPage = 100
	latest := map[string]gitlabStatus{}
	for page := 1; page <= maxPages; page++ {
		var statuses []gitlabStatus
		q := url.Values{"per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		if name != "" {
			q.Set("name", name)
		}
		hdr, err := c.api.do(ctx, http.MethodGet, "/projects/"+c.project+"/repository/commits/"+url.PathEscape(rev)+"/statuses", q, nil, &statuses)
		if err != nil {
			return nil, err
		}
		for _, st := range statuses {
			if name != "" && st.Name != name {
				continue
			}
			if best, ok := latest[st.Name]; !ok || st.ID > best.ID {
				latest[st.Name] = st
			}
		}
		if !hasNextPage(hdr, len(statuses), perPage) {
			break
		}
	}
	return latest, nil
}

// Statuses implements Client. GitLab's "failed" reads back as StateFailure,
// "running" and "created" as StatePending.
func (c *gitlabClient) Statuses(ctx context.Context, rev string) ([]Status, error) {
	latest, err := c.statuses(ctx, rev, "")
	if err != nil {
		return nil, fmt.Errorf("read statuses of %s: %w", rev, err)
	}
	out := make([]Status, 0, len(latest))
	for _, st := range latest {
		state := StatePending
		switch st.Status {
		case "success":
			state = StateSuccess
		case "failed":
			state = StateFailure
		case "canceled", "skipped":
			state = StateError
		}
		out = append(out, Status{Revision: rev, Context: st.Name, Description: st.Description, TargetURL: st.TargetURL, State: state})
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Context, b.Context) })
	return out, nil
}

type gitlabNote struct {
	ID        int64      `json:"id"`
	Body      string     `json:"body"`
	System    bool       `json:"system"`
	Author    gitlabUser `json:"author"`
	CreatedAt time.Time  `json:"created_at"`
}

type gitlabUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
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
	var found *gitlabNote
	err := c.eachNote(ctx, notes, func(n gitlabNote) bool {
		if strings.Contains(n.Body, marker) {
			found = &n
			return false
		}
		return true
	})
	return found, err
}

// eachNote calls fn with the merge request's notes written by people, oldest
// first, until fn returns false.
func (c *gitlabClient) eachNote(ctx context.Context, notes string, fn func(gitlabNote) bool) error {
	const perPage = 100
	for page := 1; page <= maxPages; page++ {
		var list []gitlabNote
		q := url.Values{"per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}, "sort": {"asc"}, "order_by": {"created_at"}}
		hdr, err := c.api.do(ctx, http.MethodGet, notes, q, nil, &list)
		if err != nil {
			return err
		}
		for _, n := range list {
			if !n.System && !fn(n) {
				return nil
			}
		}
		if !hasNextPage(hdr, len(list), perPage) {
			break
		}
	}
	return nil
}

func (c *gitlabClient) mrPath(iid int) string {
	return "/projects/" + c.project + "/merge_requests/" + strconv.Itoa(iid)
}

// gitlabMR is a merge request as the API answers it.
type gitlabMR struct {
	IID             int        `json:"iid"`
	Title           string     `json:"title"`
	State           string     `json:"state"` // opened, closed, locked, merged
	SHA             string     `json:"sha"`
	SourceBranch    string     `json:"source_branch"`
	TargetBranch    string     `json:"target_branch"`
	SourceProjectID int64      `json:"source_project_id"`
	TargetProjectID int64      `json:"target_project_id"`
	Author          gitlabUser `json:"author"`
	Labels          []string   `json:"labels"`
	MergeCommitSHA  string     `json:"merge_commit_sha"`
	SquashCommitSHA string     `json:"squash_commit_sha"`
}

func (m gitlabMR) change() Change {
	ch := Change{Number: m.IID, Title: m.Title, State: ChangeOpen, HeadSHA: m.SHA, HeadRef: branchRef(m.SourceBranch),
		BaseRef: branchRef(m.TargetBranch), PullRef: fmt.Sprintf("refs/merge-requests/%d/head", m.IID),
		Fork: m.SourceProjectID != m.TargetProjectID, Author: m.Author.Username, Labels: m.Labels}
	switch m.State {
	case "merged":
		ch.State = ChangeMerged
		ch.MergeCommit = m.MergeCommitSHA
		if ch.MergeCommit == "" {
			ch.MergeCommit = m.SquashCommitSHA
		}
		if ch.MergeCommit == "" { // fast-forward merge: the head is the commit
			ch.MergeCommit = m.SHA
		}
	case "closed", "locked":
		ch.State = ChangeClosed
	}
	return ch
}

// OpenChanges implements Client.
func (c *gitlabClient) OpenChanges(ctx context.Context) ([]Change, error) {
	const perPage = 100
	var out []Change
	for page := 1; page <= maxPages; page++ {
		var list []gitlabMR
		q := url.Values{"state": {"opened"}, "per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		hdr, err := c.api.do(ctx, http.MethodGet, "/projects/"+c.project+"/merge_requests", q, nil, &list)
		if err != nil {
			return nil, fmt.Errorf("list open merge requests: %w", err)
		}
		for _, m := range list {
			out = append(out, m.change())
		}
		if !hasNextPage(hdr, len(list), perPage) {
			break
		}
	}
	return out, nil
}

// Change implements Client.
func (c *gitlabClient) Change(ctx context.Context, number int) (Change, error) {
	var m gitlabMR
	if _, err := c.api.do(ctx, http.MethodGet, c.mrPath(number), nil, nil, &m); err != nil {
		return Change{}, fmt.Errorf("read merge request !%d: %w", number, err)
	}
	return m.change(), nil
}

// MergedAs implements Client.
func (c *gitlabClient) MergedAs(ctx context.Context, rev string) ([]Change, error) {
	var list []gitlabMR
	if _, err := c.api.do(ctx, http.MethodGet, "/projects/"+c.project+"/repository/commits/"+url.PathEscape(rev)+"/merge_requests", nil, nil, &list); err != nil {
		return nil, fmt.Errorf("merge requests of commit %s: %w", rev, err)
	}
	var out []Change
	for _, m := range list {
		if ch := m.change(); ch.State == ChangeMerged && ch.MergeCommit == rev {
			out = append(out, ch)
		}
	}
	return out, nil
}

// gitlabDeveloper is the access level from which a member may push.
const gitlabDeveloper = 30

// CanWrite implements Client: the user's access level on the project,
// inherited memberships included.
func (c *gitlabClient) CanWrite(ctx context.Context, user string) (bool, error) {
	if user == "" {
		return false, nil
	}
	var users []gitlabUser
	if _, err := c.api.do(ctx, http.MethodGet, "/users", url.Values{"username": {user}}, nil, &users); err != nil {
		return false, fmt.Errorf("look up user %s: %w", user, err)
	}
	if len(users) == 0 {
		return false, nil
	}
	var member struct {
		AccessLevel int `json:"access_level"`
	}
	_, err := c.api.do(ctx, http.MethodGet, "/projects/"+c.project+"/members/all/"+strconv.FormatInt(users[0].ID, 10), nil, nil, &member)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("access level of %s: %w", user, err)
	}
	return member.AccessLevel >= gitlabDeveloper, nil
}

// CommitURL implements Client.
func (c *gitlabClient) CommitURL(rev string) string {
	return c.web + "/-/commit/" + url.PathEscape(rev)
}

// ChangeURL implements Client.
func (c *gitlabClient) ChangeURL(number int) string {
	return c.web + "/-/merge_requests/" + strconv.Itoa(number)
}

// gitlabTime reads the webhook's timestamps: RFC 3339 or GitLab's older
// "2006-01-02 15:04:05 UTC"; zero when neither.
func gitlabTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
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
	type project struct {
		ID                int64  `json:"id"`
		PathWithNamespace string `json:"path_with_namespace"`
	}
	switch ev.RawEvent {
	case "Push Hook", "Tag Push Hook":
		var p struct {
			Ref, Before, After string
			UserUsername       string `json:"user_username"`
			Project            project
		}
		if err := decode(body, &p); err != nil {
			return Event{}, &PayloadError{Forge: GitLab, Err: err}
		}
		ev.Kind, ev.Ref, ev.Before, ev.Revision, ev.Repo = EventPush, p.Ref, p.Before, p.After, p.Project.PathWithNamespace
		ev.ProjectID, ev.Sender = p.Project.ID, p.UserUsername
		ev.Deleted = isZeroSHA(p.After)
		return ev, nil
	case "Note Hook":
		var p struct {
			User             gitlabUser
			Project          project
			ObjectAttributes struct {
				ID           int64  `json:"id"`
				Note         string `json:"note"`
				NoteableType string `json:"noteable_type"`
				CreatedAt    string `json:"created_at"`
				Action       string `json:"action"`
			} `json:"object_attributes"`
			MergeRequest *struct {
				IID int `json:"iid"`
			} `json:"merge_request"`
		}
		if err := decode(body, &p); err != nil {
			return Event{}, &PayloadError{Forge: GitLab, Err: err}
		}
		a := p.ObjectAttributes
		ev.Repo, ev.ProjectID, ev.Sender, ev.Action = p.Project.PathWithNamespace, p.Project.ID, p.User.Username, "created"
		if a.Action == "update" {
			ev.Action = "edited"
		}
		if a.NoteableType != "MergeRequest" || p.MergeRequest == nil {
			ev.Kind = EventUnknown
			return ev, nil
		}
		ev.Kind, ev.Change = EventComment, p.MergeRequest.IID
		ev.Comment = Comment{ID: a.ID, Author: p.User.Username, Body: a.Note, CreatedAt: gitlabTime(a.CreatedAt)}
		return ev, nil
	case "Merge Request Hook":
		var p struct {
			User    gitlabUser
			Project project
			Labels  []struct {
				Title string `json:"title"`
			} `json:"labels"`
			ObjectAttributes struct {
				IID             int    `json:"iid"`
				Action          string `json:"action"`
				State           string `json:"state"`
				SourceBranch    string `json:"source_branch"`
				TargetBranch    string `json:"target_branch"`
				SourceProjectID int64  `json:"source_project_id"`
				TargetProjectID int64  `json:"target_project_id"`
				OldRev          string `json:"oldrev"`
				LastCommit      struct {
					ID string `json:"id"`
				} `json:"last_commit"`
			} `json:"object_attributes"`
		}
		if err := decode(body, &p); err != nil {
			return Event{}, &PayloadError{Forge: GitLab, Err: err}
		}
		a := p.ObjectAttributes
		ev.Kind, ev.Change, ev.Repo, ev.ProjectID = EventPullRequest, a.IID, p.Project.PathWithNamespace, p.Project.ID
		ev.Sender, ev.Fork = p.User.Username, a.SourceProjectID != a.TargetProjectID
		for _, l := range p.Labels {
			ev.Labels = append(ev.Labels, l.Title)
		}
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
