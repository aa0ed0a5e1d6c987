package kubebackend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

// Options configure a Backend.
type Options struct {
	// BinDir holds etcd and kube-apiserver; kubeapiserver.DefaultBinDir()
	// when empty.
	BinDir string
	// Logger receives lifecycle messages; discarded when nil.
	Logger *slog.Logger
	// Kubeconfig, when set, serves every cluster from the one API server it
	// reaches instead of starting one per cluster (tests that share a server;
	// node names must then not collide between clusters).
	Kubeconfig []byte
}

// Backend implements emulator.ClusterBackend with real API servers.
type Backend struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	closed   bool
	clusters map[string]*cluster
}

var _ emulator.ClusterBackend = (*Backend)(nil)

// cluster is one emulated cluster's API server. ready is closed once srv,
// kubeconfig and client are set, or err.
type cluster struct {
	ready      chan struct{}
	srv        *kubeapiserver.Server // nil when attached by the caller
	kubeconfig []byte
	client     kubernetes.Interface
	err        error
}

// New returns a Backend. Nothing starts until a cluster is first used.
func New(opts Options) *Backend {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Backend{opts: opts, log: log, clusters: map[string]*cluster{}}
}

// Attach serves clusterID from an API server the caller runs, reached with
// kubeconfig, instead of starting one. Call it before the cluster is used.
func (b *Backend) Attach(clusterID string, kubeconfig []byte) error {
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		return fmt.Errorf("attach cluster %s: %w", clusterID, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("attach cluster %s: %w", clusterID, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.clusters[clusterID]; ok {
		return fmt.Errorf("attach cluster %s: it already has an API server", clusterID)
	}
	c := &cluster{ready: make(chan struct{}), kubeconfig: kubeconfig, client: cs}
	close(c.ready)
	b.clusters[clusterID] = c
	return nil
}

// cluster returns clusterID's API server, starting it on first use. Callers
// for the same cluster wait for one start.
func (b *Backend) cluster(ctx context.Context, clusterID string) (*cluster, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errors.New("kube backend closed")
	}
	c, ok := b.clusters[clusterID]
	if !ok && len(b.opts.Kubeconfig) > 0 {
		c = &cluster{ready: make(chan struct{}), kubeconfig: b.opts.Kubeconfig}
		b.clusters[clusterID] = c
		cfg, err := clientcmd.RESTConfigFromKubeConfig(b.opts.Kubeconfig)
		if err == nil {
			c.client, err = kubernetes.NewForConfig(cfg)
		}
		if err != nil {
			c.err = fmt.Errorf("shared API server: %w", err)
		}
		close(c.ready)
		ok = true
	}
	if !ok {
		c = &cluster{ready: make(chan struct{})}
		b.clusters[clusterID] = c
		go b.start(clusterID, c) //nolint:gosec // G118: the cluster outlives the call that first asks for it
	}
	b.mu.Unlock()
	select {
	case <-c.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("cluster %s: wait for its API server: %w", clusterID, ctx.Err())
	}
	if c.err != nil {
		return nil, fmt.Errorf("cluster %s: %w", clusterID, c.err)
	}
	return c, nil
}

// start runs outside any request's context: the server outlives the call
// that needed it first.
func (b *Backend) start(clusterID string, c *cluster) {
	defer close(c.ready)
	b.log.Info("starting kube-apiserver for emulated cluster", "cluster", clusterID)
	srv, err := kubeapiserver.Start(context.Background(), kubeapiserver.Options{BinDir: b.opts.BinDir, Logger: b.log})
	if err != nil {
		c.err = fmt.Errorf("start its API server: %w", err)
		return
	}
	cs, err := kubernetes.NewForConfig(rest.CopyConfig(srv.Config))
	if err != nil {
		_ = srv.Stop()
		c.err = err
		return
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		_ = srv.Stop()
		c.err = errors.New("kube backend closed")
		return
	}
	c.srv, c.kubeconfig, c.client = srv, srv.Kubeconfig, cs
	b.log.Info("kube-apiserver ready", "cluster", clusterID, "url", srv.URL)
}

// Kubeconfig returns a kubeconfig for the cluster's API server. Both the
// intranet and the extranet endpoint reach the same loopback server.
func (b *Backend) Kubeconfig(ctx context.Context, clusterID string, extranet bool) (string, error) {
	c, err := b.cluster(ctx, clusterID)
	if err != nil {
		return "", err
	}
	return string(c.kubeconfig), nil
}

// Close stops every API server the Backend started.
func (b *Backend) Close() error {
	b.mu.Lock()
	b.closed = true
	clusters := make([]*cluster, 0, len(b.clusters))
	ids := make([]string, 0, len(b.clusters))
	for id, c := range b.clusters {
		clusters = append(clusters, c)
		ids = append(ids, id)
	}
	b.mu.Unlock()
	var errs []error
	for i, c := range clusters {
		<-c.ready
		if c.srv != nil {
			if err := c.srv.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("cluster %s: %w", ids[i], err))
			}
		}
	}
	return errors.Join(errs...)
}

// Clusters lists the cluster IDs with an API server, sorted.
func (b *Backend) Clusters() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.clusters))
	for id := range b.clusters {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func nodeName(n emulator.NodeInfo) string {
	if n.LanIP != "" {
		return n.LanIP // TKE names nodes by private IP (seeds §2.2)
	}
	return strings.ToLower(n.InstanceID)
}
