package forge

import (
	"fmt"
	"net/http"
	"strings"
)

// GitHub: REST API v3 (statuses, combined status, issue comments) and
// webhooks signed with X-Hub-Signature-256.

// githubMaxComment is GitHub's limit on an issue comment body.
const githubMaxComment = 65536

var githubDriver = driver{newClient: newGitHub, parse: parseGitHub}

func newGitHub(opts Options) (Client, error) {
	owner, name, ok := strings.Cut(opts.Repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("forge github: repo %q must be owner/name", opts.Repo)
	}
	root := opts.BaseURL
	if root == "" {
		root = "https://api.github.com"
	}
	// Web pages: github.com for the public API, the host for Enterprise
	// (https://HOST/api/v3).
	web := strings.TrimSuffix(root, "/api/v3")
	if web == "https://api.github.com" {
		web = "https://github.com"
	}
	token := string(opts.Token)
	return &reposClient{
		owner:         owner,
		name:          name,
		web:           web + "/" + owner + "/" + name,
		changePage:    "pull",
		maxComment:    githubMaxComment,
		pageParam:     "per_page",
		pageSize:      100,
		commentsPaged: true,
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
	if ev.RawEvent == "ping" {
		ev.Kind = EventPing
		return ev, nil
	}
	return decodeReposEvent(ev, payload)
}
