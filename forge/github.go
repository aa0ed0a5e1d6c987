package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GitHub: REST API v3 (statuses, combined status, issue comments) and
// webhooks signed with X-Hub-Signature-256.

// githubMaxComment is GitHub's limit on an issue comment body.
const githubMaxComment = 65536

type githubClient struct {
	api         api
	owner, name string
}

func newGitHub(opts Options) (*githubClient, error) {
	owner, name, ok := strings.Cut(opts.Repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("forge github: repo %q must be owner/name", opts.Repo)
	}
	root := opts.BaseURL
	if root == "" {
		root = "https://api.github.com"
	}
	token := string(opts.Token)
	return &githubClient{
		owner: owner,
		name:  name,
		api: api{
			forge:  GitHub,
			root:   root,
			client: opts.HTTPClient,
			log:    opts.Logger,
			auth: func(h http.Header) {
				h.Set("Authorization", "Bearer "+token)
				h.Set("Accept", "application/vnd.github+json")
				h.Set("X-GitHub-Api-Version", "2022-11-28")
			},
		},
	}, nil
}

func (c *githubClient) repoPath() string {
	return "/repos/" + url.PathEscape(c.owner) + "/" + url.PathEscape(c.name)
}

type githubStatus struct {
	State       string `json:"state"`
	TargetURL   string `json:"target_url,omitempty"`
	Description string `json:"description,omitempty"`
	Context     string `json:"context"`
}

// SetStatus implements Client.
func (c *githubClient) SetStatus(ctx context.Context, s Status) error {
	if err := validateStatus(s); err != nil {
		return err
	}
	want := githubStatus{State: string(s.State), TargetURL: s.TargetURL, Description: shorten(s.Description, MaxDescription), Context: s.Context}
	latest, found, err := c.latestStatus(ctx, s.Revision, s.Context)
	if err != nil {
		return fmt.Errorf("read statuses of %s: %w", s.Revision, err)
	}
	if found && latest == want {
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
func (c *githubClient) latestStatus(ctx context.Context, rev, context string) (githubStatus, bool, error) {
	const perPage = 100
	for page := 1; page <= maxPages; page++ {
		var combined struct {
			Statuses []githubStatus `json:"statuses"`
		}
		q := url.Values{"per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		if _, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/commits/"+url.PathEscape(rev)+"/status", q, nil, &combined); err != nil {
			return githubStatus{}, false, err
		}
		for _, st := range combined.Statuses {
			if st.Context == context {
				return st, true, nil
			}
		}
		if len(combined.Statuses) < perPage {
			break
		}
	}
	return githubStatus{}, false, nil
}

type githubComment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

// UpsertComment implements Client.
func (c *githubClient) UpsertComment(ctx context.Context, change int, marker, body string) error {
	body, err := commentBody(marker, body, githubMaxComment)
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

func (c *githubClient) findComment(ctx context.Context, issue, marker string) (*githubComment, error) {
	const perPage = 100
	for page := 1; page <= maxPages; page++ {
		var comments []githubComment
		q := url.Values{"per_page": {strconv.Itoa(perPage)}, "page": {strconv.Itoa(page)}}
		if _, err := c.api.do(ctx, http.MethodGet, issue+"/comments", q, nil, &comments); err != nil {
			return nil, err
		}
		for i := range comments {
			if strings.Contains(comments[i].Body, marker) {
				return &comments[i], nil
			}
		}
		if len(comments) < perPage {
			break
		}
	}
	return nil, nil
}

// parseGitHub verifies X-Hub-Signature-256 over the raw body and decodes
// push, pull_request and ping events.
func parseGitHub(h http.Header, contentType string, body, secret []byte) (Event, error) {
	sig, ok := strings.CutPrefix(h.Get("X-Hub-Signature-256"), "sha256=")
	if !ok || !validHMAC(secret, body, sig) {
		return Event{}, fmt.Errorf("github webhook: %w", ErrBadSignature)
	}
	ev := Event{Forge: GitHub, DeliveryID: h.Get("X-GitHub-Delivery"), RawEvent: h.Get("X-GitHub-Event")}
	payload, err := jsonPayload(contentType, body)
	if err != nil {
		return Event{}, &PayloadError{Forge: GitHub, Err: err}
	}
	switch ev.RawEvent {
	case "ping":
		ev.Kind = EventPing
		return ev, nil
	case "push":
		var p struct {
			Ref, Before, After string
			Deleted            bool
			Repository         struct {
				FullName string `json:"full_name"`
			}
		}
		if err := decode(payload, &p); err != nil {
			return Event{}, &PayloadError{Forge: GitHub, Err: err}
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
			return Event{}, &PayloadError{Forge: GitHub, Err: err}
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
