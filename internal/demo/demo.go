// Package demo is what `make demo` shows: the examples applied to an in-process
// emulator, then a second plan that is empty, then the staging cluster upgraded two
// minors with its nodes (when kube-apiserver and etcd are built: the nodes are real
// Node objects the upgrade drains and replaces).
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/emulator/kubebackend"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/plan/render/progress"
	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/session"
	"github.com/tkeops/tkeops/spec"
)

// Options of Run.
type Options struct {
	// Examples holds the production and staging spec directories.
	Examples string
	// Timing is the emulator's: instant, demo, slow or name=duration,….
	Timing string
	Color  bool
}

// ErrSecondPlanNotEmpty is Run's answer when the plan after the apply still has
// changes.
var ErrSecondPlanNotEmpty = errors.New("the second plan is not empty")

// Run starts an emulator, applies both example environments to it as one set,
// printing the plan and the progress on out (spec diagnostics on log), then plans
// again and shows that nothing changes; with a kube-apiserver at hand it then
// upgrades the staging cluster and its nodes and plans again.
func Run(ctx context.Context, out, log io.Writer, o Options) error {
	start := time.Now()
	timing, err := emulator.ParseTiming(o.Timing)
	if err != nil {
		return err
	}
	const id, key = "AKIDdemo", "demo-secret-key"
	eopts := emulator.Options{Credentials: map[string]string{id: key}, Timing: timing}
	// The clusters' API servers: one real kube-apiserver serving every cluster's
	// nodes, when it is built (make kube-bins; make test builds it too).
	kubeMissing := kubeapiserver.CheckBinaries(kubeapiserver.DefaultBinDir())
	if kubeMissing == nil {
		kube, err := kubeapiserver.Start(ctx, kubeapiserver.Options{})
		if err != nil {
			return fmt.Errorf("start kube-apiserver: %w", err)
		}
		defer func() { _ = kube.Stop() }()
		backend := kubebackend.New(kubebackend.Options{Kubeconfig: kube.Kubeconfig})
		defer func() { _ = backend.Close() }()
		eopts.Backend = backend
	}
	srv, err := emulator.Start(eopts)
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer func() { _ = srv.Close() }()
	fmt.Fprintf(out, "Emulator of the Tencent Cloud API listening on %s (timing %s).\n\n", srv.Endpoint, o.Timing)

	set := &spec.Set{Root: o.Examples}
	for _, env := range []string{"production", "staging"} {
		s, _, err := session.LoadSpecs(log, filepath.Join(o.Examples, env), true)
		if err != nil {
			return err
		}
		set.Resources = append(set.Resources, s.Resources...)
	}
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: id, SecretKey: tencentcloud.Secret(key), Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: "tkeops-demo"})
	if err != nil {
		return err
	}
	ropts := render.Options{Color: o.Color}
	printer := progress.New(out, ropts)
	printer.WaitEvery(2 * time.Second)
	ropt := reconcile.Options{Owner: "tkeops-demo", Parallelism: 8, Hooks: []reconcile.Hook{printer}}
	if kubeMissing == nil {
		in := kubernetes.NewInCluster(kubernetes.InClusterOptions{Kubeconfig: conn.Kubeconfig})
		ropt.Nodes, ropt.Baseline = in, in
	}
	e := reconcile.New(conn, ropt)
	apply := func(set *spec.Set) error {
		_, err := e.Converge(ctx, set, nil, reconcile.ConvergeOptions{
			Confirm: func(p *plan.Plan) (bool, error) {
				if err := render.Text(out, p, ropts); err != nil {
					return false, err
				}
				fmt.Fprintln(out)
				return true, nil
			},
			RoundDone: printer.RoundDone,
		})
		return err
	}

	fmt.Fprintf(out, "== tkeops apply %s/production %s/staging\n\n", o.Examples, o.Examples)
	if err := apply(set); err != nil {
		return err
	}

	planAgain := func() error {
		fmt.Fprintf(out, "\n== tkeops plan (again): nothing should change\n\n")
		p, err := e.Plan(ctx, set)
		if err != nil {
			return err
		}
		if err := render.Text(out, p, ropts); err != nil {
			return err
		}
		if !p.Empty() {
			return ErrSecondPlanNotEmpty
		}
		return nil
	}
	if err := planAgain(); err != nil {
		return err
	}

	if kubeMissing != nil {
		fmt.Fprintf(out, "\n== The staging upgrade is left out: it needs kube-apiserver and etcd (%v)\n", kubeMissing)
	} else {
		if err := upgradeStaging(ctx, out, e, set, apply); err != nil {
			return err
		}
		if err := planAgain(); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\nDone in %s with %d API calls.\n", time.Since(start).Round(100*time.Millisecond), srv.TotalCalls())
	return nil
}

// stagingTarget is the version the demo upgrades the staging cluster to: two
// minors on from examples/staging (TKE ships even minors), one planned hop with
// its pools' nodes.
const stagingTarget = "1.32.2"

// upgradeStaging raises the staging cluster's version as a commit would and
// applies the plan: the control plane first, then each pool's nodes in batches.
// The nodes of the first apply may still be registering: the plan is made once
// they are (at most nodeWait), as it would be a while after the cluster was created.
func upgradeStaging(ctx context.Context, out io.Writer, e *reconcile.Engine, set *spec.Set, apply func(*spec.Set) error) error {
	r, ok := set.Get(spec.Addr{Kind: spec.KindCluster, Name: "staging"})
	if !ok {
		return errors.New("examples/staging has no cluster named staging")
	}
	cl := r.(*spec.Cluster)
	fmt.Fprintf(out, "\n== staging: version %s → %s (control plane, then the nodes)\n\n", cl.Spec.Version, stagingTarget)
	cl.Spec.Version = stagingTarget
	for end := time.Now().Add(nodeWait); time.Now().Before(end); {
		p, err := e.Plan(ctx, set)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(p.Steps, func(st plan.Step) bool { return strings.Contains(st.ID, "#nodes/") }) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return apply(set)
}

// nodeWait bounds the wait for the staging nodes to register before the upgrade is
// planned.
const nodeWait = 30 * time.Second
