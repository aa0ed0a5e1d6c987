package forge

import (
	"fmt"
	"net/http"
	"strings"
)

// Gitea and Forgejo: API v1 (statuses, combined status, issue comments) and
// webhooks signed with X-Gitea-Signature (Forgejo: X-Forgejo-Signature).

// giteaMaxComment keeps comments well inside what Gitea stores and renders.
const giteaMaxComment = 65536

var giteaDriver = driver{newClient: newGitea, parse: parseGitea}

func newGitea(opts Options) (Client, error) {
	owner, name, ok := strings.Cut(opts.Repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("forge gitea: repo %q must be owner/name", opts.Repo)
	}
	if opts.BaseURL == "" {
		return nil, fmt.Errorf("forge gitea: BaseURL is required (the instance's root URL)")
	}
	token := string(opts.Token)
	return &reposClient{
		owner:       owner,
		name:        name,
		web:         strings.TrimSuffix(opts.BaseURL, "/api/v1") + "/" + owner + "/" + name,
		changePage:  "pulls",
		mergedAsOne: true,
		maxComment:  giteaMaxComment,
		pageParam:   "limit",
		pageSize:    50, // Gitea's default maximum page size
		// Listing an issue's comments returns every one and takes no paging.
		commentsPaged: false,
		// Gitea answers a status with its state in "status".
		stateReadAsStatus: true,
		api: api{
			forge:  Gitea,
			root:   strings.TrimSuffix(opts.BaseURL, "/api/v1") + "/api/v1",
			client: opts.HTTPClient,
			log:    opts.Logger,
			auth:   func(h http.Header) { h.Set("Authorization", "token "+token) },
		},
	}, nil
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
	return decodeReposEvent(ev, payload)
}
