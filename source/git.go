package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Defaults applied by New.
const (
	DefaultBranch    = "main"
	DefaultInterval  = time.Minute
	DefaultTimeout   = 60 * time.Second
	DefaultKeepTrees = 4
)

// Options configures a Git source.
type Options struct {
	// URL of the remote: https://…, ssh://… or git@host:org/repo. It must not
	// carry a password; credentials go in Auth.
	URL string
	// Branch to track (a short name such as "main"); DefaultBranch if empty.
	Branch string
	// Path inside the repository where the specs live; "" means the root.
	Path string
	// CacheDir holds the object store and work trees. Several sources may
	// share one CacheDir: each (URL, branch, path) gets its own subdirectory,
	// which only one Git value should use at a time.
	// Defaults to $XDG_CACHE_HOME/tkeops/git.
	CacheDir string
	Auth     Auth
	Logger   *slog.Logger

	// Interval is how often the caller should Poll; DefaultInterval if zero.
	// Git itself never sleeps: the caller runs the loop.
	Interval time.Duration
	// Timeout bounds each network operation (list, fetch); DefaultTimeout if zero.
	Timeout time.Duration
	// KeepTrees is how many checked-out work trees to keep on disk;
	// DefaultKeepTrees if zero. Older trees are removed by later Checkouts.
	KeepTrees int
}

// Stats counts network operations, for metrics and for tests that prove a
// poll did not fetch.
type Stats struct {
	Lists   int64 // reference listings (ls-remote)
	Fetches int64 // pack fetches
	Errors  int64 // failed network operations
}

// Git is a git source: one remote, one tracked branch, a local object store.
// Its methods are safe for concurrent use; network operations are serialised.
type Git struct {
	opts   Options
	log    *slog.Logger
	dir    string // this remote's directory under CacheDir
	branch plumbing.ReferenceName
	track  plumbing.ReferenceName // local ref that records the last fetched head
	auth   transport.AuthMethod

	mu   sync.Mutex // guards repo and the work tree directory
	repo *git.Repository

	lastGood atomic.Pointer[string]
	lists    atomic.Int64
	fetches  atomic.Int64
	errs     atomic.Int64
}

const remoteName = "origin"

// New validates opts and opens (or initialises) the local object store. It
// does no network I/O; the first Poll fetches.
func New(opts Options) (*Git, error) {
	if opts.URL == "" {
		return nil, errors.New("git source: URL is required")
	}
	ep, err := transport.NewEndpoint(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("git source: parse URL: %w", err)
	}
	if ep.Password != "" {
		return nil, errors.New("git source: the URL contains a password; put the token in Auth.Token instead")
	}
	if opts.Branch == "" {
		opts.Branch = DefaultBranch
	}
	branch := plumbing.NewBranchReferenceName(opts.Branch)
	if err := branch.Validate(); err != nil {
		return nil, fmt.Errorf("git source: branch %q: %w", opts.Branch, err)
	}
	if opts.Path != "" {
		opts.Path = filepath.Clean(filepath.FromSlash(opts.Path))
		if !filepath.IsLocal(opts.Path) && opts.Path != "." {
			return nil, fmt.Errorf("git source: path %q must be relative and stay inside the repository", opts.Path)
		}
	}
	if opts.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("git source: no CacheDir given and no user cache directory: %w", err)
		}
		opts.CacheDir = filepath.Join(base, "tkeops", "git")
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.KeepTrees <= 0 {
		opts.KeepTrees = DefaultKeepTrees
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	g := &Git{
		opts:   opts,
		log:    log.With("git_url", redactURL(ep), "branch", opts.Branch),
		dir:    filepath.Join(opts.CacheDir, cacheName(ep, opts.URL+"\x00"+opts.Branch+"\x00"+opts.Path)),
		branch: branch,
		track:  plumbing.NewRemoteReferenceName(remoteName, opts.Branch),
	}
	if err := os.MkdirAll(g.dir, 0o700); err != nil {
		return nil, fmt.Errorf("git source: create cache dir: %w", err)
	}
	if g.auth, err = opts.Auth.transportAuth(ep, g.dir); err != nil {
		return nil, fmt.Errorf("git source: auth: %w", err)
	}
	if g.repo, err = openStore(filepath.Join(g.dir, "repo.git"), opts.URL); err != nil {
		return nil, fmt.Errorf("git source: open cache %s: %w", g.dir, err)
	}
	// After a restart, the last fetched head is the last good commit: the
	// service can serve it before the remote answers.
	if ref, err := g.repo.Reference(g.track, true); err == nil && g.hasCommit(ref.Hash()) {
		rev := ref.Hash().String()
		g.lastGood.Store(&rev)
	}
	return g, nil
}

// openStore opens the bare object store at dir, creating it when missing,
// and points its remote at url.
func openStore(dir, url string) (*git.Repository, error) {
	repo, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.PlainInit(dir, true)
	}
	if err != nil {
		return nil, err
	}
	want := &config.RemoteConfig{Name: remoteName, URLs: []string{url}}
	if r, err := repo.Remote(remoteName); err == nil {
		if urls := r.Config().URLs; len(urls) == 1 && urls[0] == url {
			return repo, nil
		}
		if err := repo.DeleteRemote(remoteName); err != nil {
			return nil, err
		}
	}
	if _, err := repo.CreateRemote(want); err != nil {
		return nil, err
	}
	return repo, nil
}

// Interval is how often the caller should Poll.
func (g *Git) Interval() time.Duration { return g.opts.Interval }

// Branch is the tracked branch's short name.
func (g *Git) Branch() string { return g.opts.Branch }

// LastGood is the last commit of the tracked branch that was fetched
// successfully, or "" before the first successful Poll.
func (g *Git) LastGood() string {
	if p := g.lastGood.Load(); p != nil {
		return *p
	}
	return ""
}

// Stats reports the network operations done so far.
func (g *Git) Stats() Stats {
	return Stats{Lists: g.lists.Load(), Fetches: g.fetches.Load(), Errors: g.errs.Load()}
}

// Poll lists the remote's references and fetches only when the tracked branch
// points at a commit that is not in the local store. It returns the branch's
// head and whether it differs from the previous LastGood. A poll on an
// unchanged branch transfers no pack. A force-push is followed like any other
// move. On error rev is LastGood (possibly "") and changed is false; the error
// is *UnreachableError (back off), *AuthError, *RefNotFoundError, or the
// caller's context error.
func (g *Git) Poll(ctx context.Context) (rev string, changed bool, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()

	prev := g.LastGood()
	head, err := g.lsRemote(ctx, g.branch)
	if err != nil {
		return prev, false, err
	}
	if !g.hasCommit(head) {
		if err := g.fetch(ctx, config.RefSpec("+"+g.branch.String()+":"+g.track.String())); err != nil {
			return prev, false, err
		}
		// The branch may have moved again between the listing and the
		// fetch; the fetched ref is the newer truth.
		ref, err := g.repo.Reference(g.track, true)
		if err != nil {
			return prev, false, fmt.Errorf("git poll: read %s after fetch: %w", g.track, err)
		}
		head = ref.Hash()
	} else if err := g.repo.Storer.SetReference(plumbing.NewHashReference(g.track, head)); err != nil {
		// The commit is already here (a force-push back to an older
		// commit, or an unchanged head): only the local ref moves.
		return prev, false, fmt.Errorf("git poll: update %s: %w", g.track, err)
	}
	if !g.hasCommit(head) {
		return prev, false, fmt.Errorf("git poll: fetch of %s did not bring commit %s", g.branch, head)
	}
	rev = head.String()
	g.lastGood.Store(&rev)
	if rev != prev {
		g.log.Info("git branch moved", "from", shortRev(prev), "to", shortRev(rev))
	}
	return rev, rev != prev, nil
}

// FetchRef fetches ref (a full name such as refs/pull/7/head or
// refs/merge-requests/7/head) and returns the commit it points at. Nothing is
// transferred when that commit is already local.
func (g *Git) FetchRef(ctx context.Context, ref string) (rev string, err error) {
	name := plumbing.ReferenceName(ref)
	if !strings.HasPrefix(ref, "refs/") {
		return "", fmt.Errorf("git fetch: %q is not a full ref name (want refs/…)", ref)
	}
	if err := name.Validate(); err != nil {
		return "", fmt.Errorf("git fetch %s: %w", ref, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()

	head, err := g.lsRemote(ctx, name)
	if err != nil {
		return "", err
	}
	if g.hasCommit(head) {
		return head.String(), nil
	}
	local := plumbing.ReferenceName("refs/tkeops/fetched/" + strings.TrimPrefix(ref, "refs/"))
	if err := g.fetch(ctx, config.RefSpec("+"+ref+":"+local.String())); err != nil {
		return "", err
	}
	got, err := g.repo.Reference(local, true)
	if err != nil {
		return "", fmt.Errorf("git fetch %s: read fetched ref: %w", ref, err)
	}
	return got.Hash().String(), nil
}

// lsRemote lists the remote's references and returns the hash of name.
func (g *Git) lsRemote(ctx context.Context, name plumbing.ReferenceName) (plumbing.Hash, error) {
	remote, err := g.repo.Remote(remoteName)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git ls-remote: %w", err)
	}
	opCtx, cancel := context.WithTimeout(ctx, g.opts.Timeout)
	defer cancel()
	g.lists.Add(1)
	refs, err := remote.ListContext(opCtx, &git.ListOptions{Auth: g.auth})
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return plumbing.ZeroHash, &RefNotFoundError{Ref: name.String()}
	}
	if err != nil {
		return plumbing.ZeroHash, g.classify(ctx, "ls-remote", name, err)
	}
	for _, r := range refs {
		if r.Name() == name && r.Type() == plumbing.HashReference {
			return r.Hash(), nil
		}
	}
	return plumbing.ZeroHash, &RefNotFoundError{Ref: name.String()}
}

// fetch fetches one refspec, without tags.
func (g *Git) fetch(ctx context.Context, spec config.RefSpec) error {
	opCtx, cancel := context.WithTimeout(ctx, g.opts.Timeout)
	defer cancel()
	g.fetches.Add(1)
	err := g.repo.FetchContext(opCtx, &git.FetchOptions{
		RemoteName: remoteName,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       g.auth,
		Tags:       git.NoTags,
		Force:      true,
	})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return g.classify(ctx, "fetch", plumbing.ReferenceName(spec.Src()), err)
}

// classify turns a transport error into one of the package's typed errors.
// Only what the remote said about credentials or the repository is a
// configuration error; everything else (network, TLS, timeouts, server
// failures) is treated as the remote being unreachable, so the caller backs
// off instead of giving up.
func (g *Git) classify(ctx context.Context, op string, ref plumbing.ReferenceName, err error) error {
	g.errs.Add(1)
	if ctx.Err() != nil {
		return fmt.Errorf("git %s: %w", op, ctx.Err())
	}
	var keyErr *knownhosts.KeyError
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired),
		errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod),
		errors.As(err, &keyErr),
		// x/crypto/ssh reports these only as text: the server refused our
		// key, or known_hosts pins a key type the server does not have.
		strings.Contains(err.Error(), "ssh: unable to authenticate"),
		strings.Contains(err.Error(), "no common algorithm for host key"):
		return &AuthError{Err: fmt.Errorf("%s: %w", op, err)}
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return &RefNotFoundError{Ref: ref.String(), Err: err}
	case errors.Is(err, git.NoMatchingRefSpecError{}):
		// Deleted between the listing and the fetch.
		return &RefNotFoundError{Ref: ref.String()}
	case errors.Is(err, git.ErrExactSHA1NotSupported):
		return fmt.Errorf("git %s: %w", op, err)
	}
	g.log.Warn("git remote unreachable", "op", op, "err", err)
	return &UnreachableError{Err: fmt.Errorf("%s: %w", op, err)}
}

func (g *Git) hasCommit(h plumbing.Hash) bool {
	if h.IsZero() {
		return false
	}
	_, err := g.repo.CommitObject(h)
	return err == nil
}

// cacheName is a readable, collision-free directory name for a source.
func cacheName(ep *transport.Endpoint, key string) string {
	sum := sha256.Sum256([]byte(key))
	base := strings.TrimSuffix(filepath.Base(ep.Path), ".git")
	clean := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, base)
	if clean == "" || clean == "." || clean == ".." {
		clean = "repo"
	}
	return clean + "-" + hex.EncodeToString(sum[:6])
}

// redactURL renders the endpoint without any user info.
func redactURL(ep *transport.Endpoint) string {
	c := *ep
	c.User, c.Password = "", ""
	return c.String()
}

func shortRev(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
