package forge

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Forge kinds accepted by New and ParseWebhook.
const (
	GitHub  = "github"
	GitLab  = "gitlab"
	Gitea   = "gitea"
	Forgejo = "forgejo" // speaks Gitea's API and webhook format
	// Log is the forge of a repository without one (a plain git remote):
	// statuses and comments are written to the log, and no webhook exists.
	Log = "log"
)

// driver is one forge: how to build its API client and how to read its
// webhooks. Adding a forge is one file defining its driver plus one entry in
// drivers (the shape of Flux notification-controller's provider factory).
type driver struct {
	// newClient builds the client from checked options.
	newClient func(Options) (Client, error)
	// parse verifies and decodes a webhook delivery; nil when the forge
	// sends none.
	parse webhookParser
	// local is true for a forge without an API: no repository or token.
	local bool
}

// drivers is the registry, by kind.
var drivers = map[string]driver{
	GitHub:  githubDriver,
	GitLab:  gitlabDriver,
	Gitea:   giteaDriver,
	Forgejo: giteaDriver,
	Log:     logDriver,
}

// Kinds lists the forge kinds New accepts, sorted.
func Kinds() []string {
	out := make([]string, 0, len(drivers))
	for k := range drivers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// WebhookKinds lists the forge kinds that send webhooks, sorted.
func WebhookKinds() []string {
	var out []string
	for _, k := range Kinds() {
		if drivers[k].parse != nil {
			out = append(out, k)
		}
	}
	return out
}

// Known reports whether kind is a registered forge.
func Known(kind string) bool {
	_, ok := drivers[kind]
	return ok
}

// NeedsRepository reports whether the forge kind talks to an API, and so
// needs Options.Repo and Options.Token.
func NeedsRepository(kind string) bool {
	d, ok := drivers[kind]
	return ok && !d.local
}

func unknownKind(kind string) error {
	return fmt.Errorf("unknown forge %q (want %s)", kind, strings.Join(Kinds(), ", "))
}

// New returns the Client for kind (one of Kinds).
func New(kind string, opts Options) (Client, error) {
	d, ok := drivers[kind]
	if !ok {
		return nil, unknownKind(kind)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if d.local {
		return d.newClient(opts)
	}
	if opts.Repo == "" {
		return nil, fmt.Errorf("forge %s: Repo is required", kind)
	}
	if opts.Token == "" {
		return nil, fmt.Errorf("forge %s: Token is required", kind)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	return d.newClient(opts)
}
