package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager is the name under which tkeops owns the fields it writes.
const FieldManager = "tkeops"

// Cluster is client-go access to one Kubernetes cluster.
type Cluster struct {
	client  kubernetes.Interface
	dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	log     *slog.Logger
	host    string
}

// Option configures a Cluster.
type Option func(*Cluster)

// WithLogger sets the logger; by default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Cluster) {
		if l != nil {
			c.log = l
		}
	}
}

// Connect builds a Cluster from kubeconfig bytes (its current context).
func Connect(kubeconfig []byte, opts ...Option) (*Cluster, error) {
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	return NewForConfig(cfg, opts...)
}

// NewForConfig builds a Cluster from a rest.Config.
func NewForConfig(cfg *rest.Config, opts ...Option) (*Cluster, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.UserAgent == "" {
		cfg.UserAgent = "tkeops"
	}
	if cfg.QPS == 0 {
		// client-go's default of 5/s makes discovery and a baseline of a few
		// dozen objects crawl; this is still gentle on an API server.
		cfg.QPS, cfg.Burst = 50, 100
	}
	if cfg.Timeout == 0 {
		// One bound per request; long operations (drain) loop over short calls.
		cfg.Timeout = 30 * time.Second
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client for %s: %w", cfg.Host, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client for %s: %w", cfg.Host, err)
	}
	c := &Cluster{
		client:  cs,
		dynamic: dyn,
		mapper:  restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cs.Discovery())),
		log:     slog.New(slog.DiscardHandler),
		host:    cfg.Host,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Host is the API server address the Cluster talks to.
func (c *Cluster) Host() string { return c.host }

// Client exposes the typed clientset, for callers (and tests) that need an
// object kind this package has no helper for.
func (c *Cluster) Client() kubernetes.Interface { return c.client }

// KubeconfigSource fetches a cluster's kubeconfig from the cloud. The
// Tencent Cloud provider implements it with DescribeClusterKubeconfig
// (IsExtranet = extranet).
type KubeconfigSource interface {
	Kubeconfig(ctx context.Context, clusterID string, extranet bool) (string, error)
}

// KubeconfigFunc adapts a function to KubeconfigSource.
type KubeconfigFunc func(ctx context.Context, clusterID string, extranet bool) (string, error)

// Kubeconfig calls f.
func (f KubeconfigFunc) Kubeconfig(ctx context.Context, clusterID string, extranet bool) (string, error) {
	return f(ctx, clusterID, extranet)
}

// Access says how to reach one cluster's API server. A user-given kubeconfig
// wins over the cloud; otherwise the endpoint the cluster spec enables is
// used: the internal (VPC) one when enabled, else the public one.
type Access struct {
	ClusterID string
	// Kubeconfig or KubeconfigPath: given by the user; the cloud is not asked.
	Kubeconfig     []byte
	KubeconfigPath string
	// The API server endpoints the cluster spec enables (seeds §1.5).
	IntranetEndpoint bool
	ExtranetEndpoint bool
	// PreferExtranet picks the public endpoint when both are enabled, for a
	// tkeops that runs outside the cluster's VPC.
	PreferExtranet bool
}

// ErrNoEndpoint means the spec enables no API server endpoint tkeops can use
// and no kubeconfig was given.
var ErrNoEndpoint = errors.New("no API server endpoint enabled")

// Open connects to the cluster Access describes, fetching the kubeconfig
// from src when the user gave none.
func Open(ctx context.Context, src KubeconfigSource, a Access, opts ...Option) (*Cluster, error) {
	switch {
	case len(a.Kubeconfig) > 0:
		c, err := Connect(a.Kubeconfig, opts...)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: given kubeconfig: %w", a.ClusterID, err)
		}
		return c, nil
	case a.KubeconfigPath != "":
		b, err := os.ReadFile(a.KubeconfigPath)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: read kubeconfig: %w", a.ClusterID, err)
		}
		c, err := Connect(b, opts...)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: kubeconfig %s: %w", a.ClusterID, a.KubeconfigPath, err)
		}
		return c, nil
	}
	var extranet bool
	switch {
	case a.IntranetEndpoint && a.ExtranetEndpoint:
		extranet = a.PreferExtranet
	case a.ExtranetEndpoint:
		extranet = true
	case a.IntranetEndpoint:
		extranet = false
	default:
		return nil, fmt.Errorf("cluster %s: %w: enable the intranet or extranet API server endpoint in the cluster spec, or give a kubeconfig", a.ClusterID, ErrNoEndpoint)
	}
	if src == nil {
		return nil, fmt.Errorf("cluster %s: no kubeconfig given and no cloud source to fetch one", a.ClusterID)
	}
	kc, err := src.Kubeconfig(ctx, a.ClusterID, extranet)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: fetch kubeconfig (extranet=%v): %w", a.ClusterID, extranet, err)
	}
	c, err := Connect([]byte(kc), opts...)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: kubeconfig from the cloud: %w", a.ClusterID, err)
	}
	return c, nil
}
