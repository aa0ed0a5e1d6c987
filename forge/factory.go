package forge

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Forge kinds accepted by New and ParseWebhook.
const (
	GitHub  = "github"
	GitLab  = "gitlab"
	Gitea   = "gitea"
	Forgejo = "forgejo" // speaks Gitea's API and webhook format
)

// New returns the Client for kind ("github", "gitlab", "gitea" or "forgejo").
func New(kind string, opts Options) (Client, error) {
	if opts.Repo == "" {
		return nil, fmt.Errorf("forge %s: Repo is required", kind)
	}
	if opts.Token == "" {
		return nil, fmt.Errorf("forge %s: Token is required", kind)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	switch kind {
	case GitHub:
		return newGitHub(opts)
	case GitLab:
		return newGitLab(opts)
	case Gitea, Forgejo:
		return newGitea(opts)
	default:
		return nil, fmt.Errorf("unknown forge %q (want github, gitlab, gitea or forgejo)", kind)
	}
}
