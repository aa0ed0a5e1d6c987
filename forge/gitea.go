package forge

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Gitea and Forgejo: API v1 (statuses, combined status, issue comments) and
// webhooks signed with X-Gitea-Signature (Forgejo: X-Forgejo-Signature).

// giteaMaxComment keeps comments well inside what Gitea stores and renders.
const giteaMaxComment = 65536

type giteaClient struct {
	api         api
	owner, name string
}

func newGitea(opts Options) (*giteaClient, error) {
	owner, name, ok := strings.Cut(opts.Repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("forge gitea: repo %q must be owner/name", opts.Repo)
	}
	if opts.BaseURL == "" {
		return nil, fmt.Errorf("forge gitea: BaseURL is required (the instance's root URL)")
	}
	token := string(opts.Token)
	return &giteaClient{
		owner: owner,
		name:  name,
		api: api{
			forge:  Gitea,
			root:   strings.TrimSuffix(opts.BaseURL, "/api/v1") + "/api/v1",
			client: opts.HTTPClient,
			log:    opts.Logger,
			auth:   func(h http.Header) { h.Set("Authorization", "token "+token) },
		},
	}, nil
}

func (c *giteaClient) repoPath() string {
	return "/repos/" + url.PathEscape(c.owner) + "/" + url.PathEscape(c.name)
}

// giteaStatus is the create shape; Gitea answers with the state in "status".
type giteaStatus struct {
	State       string `json:"state"`
	TargetURL   string `json:"target_url"`
	Description string `json:"description"`
	Context     string `json:"context"`
}

type giteaStatusRead struct {
	Status      string `json:"status"`
	TargetURL   string `json:"target_url"`
	Description string `json:"description"`
	Context     string `json:"context"`
}

// SetStatus implements Client.
func (c *giteaClient) SetStatus(ctx context.Context, s Status) error {
	if err := validateStatus(s); err != nil {
		return err
	}
	want := giteaStatus{State: string(s.State), TargetURL: s.TargetURL, Description: shorten(s.Description, MaxDescription), Context: s.Context}
	latest, found, err := c.latestStatus(ctx, s.Revision, s.Context)
	if err != nil {
		return fmt.Errorf("read statuses of %s: %w", s.Revision, err)
	}
	if found && latest == (giteaStatusRead{Status: want.State, TargetURL: want.TargetURL, Description: want.Description, Context: want.Context}) {
		c.api.log.Debug("commit status unchanged; not posting", "context", s.Context, "state", s.State, "rev", s.Revision)
		return nil
	}
	_, err = c.api.do(ctx, http.MethodPost, c.repoPath()+"/statuses/"+url.PathEscape(s.Revision), nil, want, nil)
	if err != nil {
		return fmt.Errorf("set status %s=%s on %s: %w", s.Context, s.State, s.Revision, err)
	}
	return nil
}

// latestStatus reads the combined status (the latest status per context),
// page by page until the context shows up.
func (c *giteaClient) latestStatus(ctx context.Context, rev, context string) (giteaStatusRead, bool, error) {
	const limit = 50 // Gitea's default maximum page size
	for page := 1; page <= maxPages; page++ {
		var combined struct {
			Statuses []giteaStatusRead `json:"statuses"`
		}
		q := url.Values{"limit": {strconv.Itoa(limit)}, "page": {strconv.Itoa(page)}}
		if _, err := c.api.do(ctx, http.MethodGet, c.repoPath()+"/commits/"+url.PathEscape(rev)+"/status", q, nil, &combined); err != nil {
			return giteaStatusRead{}, false, err
		}
		for _, st := range combined.Statuses {
			if st.Context == context {
				return st, true, nil
			}
		}
		if len(combined.Statuses) < limit {
			break
		}
	}
	return giteaStatusRead{}, false, nil
}

type giteaComment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

// UpsertComment implements Client.
func (c *giteaClient) UpsertComment(ctx context.Context, change int, marker, body string) error {
	body, err := commentBody(marker, body, giteaMaxComment)
	if err != nil {
		return err
	}
	if change <= 0 {
		return fmt.Errorf("comment on pull request %d: not a pull request number", change)
	}
	issue := c.repoPath() + "/issues/" + strconv.Itoa(change)
	var comments []giteaComment
	// This endpoint returns every comment of the issue; it takes no paging.
	if _, err := c.api.do(ctx, http.MethodGet, issue+"/comments", nil, nil, &comments); err != nil {
		return fmt.Errorf("find comment on pull request %d: %w", change, err)
	}
	var existing *giteaComment
	for i := range comments {
		if strings.Contains(comments[i].Body, marker) {
			existing = &comments[i]
			break
		}
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

// parseGitea verifies X-Gitea-Signature (or Forgejo's X-Forgejo-Signature):
// the hex HMAC-SHA256 of the JSON payload, which for form-encoded deliveries
// is the "payload" field, not the raw body.
func parseGitea(h http.Header, contentType string, body, secret []byte) (Event, error) {
	forge := Gitea
	sig, event, delivery := h.Get("X-Gitea-Signature"), h.Get("X-Gitea-Event"), h.Get("X-Gitea-Delivery")
	if sig == "" && h.Get("X-Forgejo-Signature") != "" {
		forge = Forgejo
		sig, event, delivery = h.Get("X-Forgejo-Signature"), h.Get("X-Forgejo-Event"), h.Get("X-Forgejo-Delivery")
	}
	payload, err := jsonPayload(contentType, body)
	if err != nil {
		// Without the payload there is nothing to verify: treat as unsigned.
		return Event{}, fmt.Errorf("%s webhook: %w", forge, ErrBadSignature)
	}
	if sig == "" || !validHMAC(secret, payload, sig) {
		return Event{}, fmt.Errorf("%s webhook: %w", forge, ErrBadSignature)
	}
	ev := Event{Forge: forge, DeliveryID: delivery, RawEvent: event}
	switch event {
	case "push":
		var p struct {
			Ref, Before, After string
			Repository         struct {
				FullName string `json:"full_name"`
			}
		}
		if err := decode(payload, &p); err != nil {
			return Event{}, &PayloadError{Forge: forge, Err: err}
		}
		ev.Kind, ev.Ref, ev.Before, ev.Revision, ev.Repo = EventPush, p.Ref, p.Before, p.After, p.Repository.FullName
		ev.Deleted = isZeroSHA(p.After)
		return ev, nil
	case "pull_request":
		var p struct {
			Action      string
			Number      int
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
			return Event{}, &PayloadError{Forge: forge, Err: err}
		}
		ev.Kind, ev.Change, ev.Repo = EventPullRequest, p.Number, p.Repository.FullName
		ev.Ref, ev.HeadRef = branchRef(p.PullRequest.Base.Ref), branchRef(p.PullRequest.Head.Ref)
		ev.Revision = p.PullRequest.Head.SHA
		ev.PullRef = fmt.Sprintf("refs/pull/%d/head", p.Number)
		ev.Action, ev.Merged = prAction(p.Action, p.PullRequest.Merged)
		return ev, nil
	default:
		ev.Kind = EventUnknown
		return ev, nil
	}
}
