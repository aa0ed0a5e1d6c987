package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Defaults of the election timing (client-go's usual values).
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// Options configure Run.
type Options struct {
	// Config reaches the Kubernetes API (RESTConfig builds it).
	Config *rest.Config
	// Namespace and Name of the Lease.
	Namespace, Name string
	// Identity of this replica, unique among them (the pod name).
	Identity string
	// Timing; zero fields take the defaults.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	Logger                                    *slog.Logger
}

// RESTConfig loads a kubeconfig file, or the in-cluster config when path is empty.
func RESTConfig(path string) (*rest.Config, error) {
	if path == "" {
		c, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("leader election: in-cluster config (pass --kubeconfig outside a cluster): %w", err)
		}
		return c, nil
	}
	c, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("leader election: kubeconfig %s: %w", path, err)
	}
	return c, nil
}

// Run campaigns for the lease until ctx is cancelled. Each time this replica
// becomes leader it calls lead with a context that is cancelled when leadership is
// lost or ctx is cancelled; Run waits for lead to return before releasing the lease
// or campaigning again.
func Run(ctx context.Context, opts Options, lead func(ctx context.Context)) error {
	if opts.Config == nil || opts.Namespace == "" || opts.Name == "" || opts.Identity == "" {
		return errors.New("leader election: Config, Namespace, Name and Identity are required")
	}
	opts = opts.withDefaults()
	cs, err := kubernetes.NewForConfig(rest.CopyConfig(opts.Config))
	if err != nil {
		return fmt.Errorf("leader election: client: %w", err)
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1ObjectMeta(opts.Namespace, opts.Name),
		Client:     cs.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: opts.Identity},
	}
	return campaign(ctx, opts, opts.Name, lock, lead, nil)
}

// withDefaults fills the zero timing fields and the logger.
func (opts Options) withDefaults() Options {
	if opts.LeaseDuration <= 0 {
		opts.LeaseDuration = DefaultLeaseDuration
	}
	if opts.RenewDeadline <= 0 {
		opts.RenewDeadline = DefaultRenewDeadline
	}
	if opts.RetryPeriod <= 0 {
		opts.RetryPeriod = DefaultRetryPeriod
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts
}

// campaign campaigns for the lease behind lock (named name) until ctx is
// cancelled, calling lead while holding it; see Run. stopped, when set, is
// called each time the elector stopped and lead has returned.
func campaign(ctx context.Context, opts Options, name string, lock resourcelock.Interface, lead func(ctx context.Context), stopped func()) error {
	log := opts.Logger
	for ctx.Err() == nil {
		// The elector's context outlives ctx until lead has returned, so the lease
		// is released only after the running work stopped.
		elCtx, elCancel := context.WithCancel(context.WithoutCancel(ctx))
		var mu sync.Mutex
		var leading chan struct{} // closed when lead returns; nil before leading
		waitLead := func() {
			mu.Lock()
			d := leading
			mu.Unlock()
			if d != nil {
				<-d
			}
		}
		stop := context.AfterFunc(ctx, func() {
			waitLead()
			elCancel()
		})
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   opts.LeaseDuration,
			RenewDeadline:   opts.RenewDeadline,
			RetryPeriod:     opts.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(lctx context.Context) {
					d := make(chan struct{})
					mu.Lock()
					leading = d
					mu.Unlock()
					defer close(d)
					if ctx.Err() != nil {
						return
					}
					runCtx, cancel := context.WithCancel(lctx)
					defer cancel()
					defer context.AfterFunc(ctx, cancel)()
					log.Info("became leader", "lease", opts.Namespace+"/"+name, "identity", opts.Identity)
					lead(runCtx)
				},
				OnStoppedLeading: func() {
					log.Info("not leading", "lease", opts.Namespace+"/"+name, "identity", opts.Identity)
				},
				OnNewLeader: func(id string) {
					if id != opts.Identity {
						log.Info("leader is another replica", "leader", id)
					}
				},
			},
		})
		if err != nil {
			stop()
			elCancel()
			return fmt.Errorf("leader election: %w", err)
		}
		le.Run(elCtx) // returns when leadership is lost or elCtx is cancelled
		// Leadership lost while still running: wait for lead to stop, then campaign again.
		waitLead()
		stop()
		elCancel()
		if stopped != nil {
			stopped()
		}
	}
	return nil
}
