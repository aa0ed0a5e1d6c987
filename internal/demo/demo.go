// Package demo is what `make demo` shows: the examples applied to an in-process
// emulator, then a second plan that is empty.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/plan/render/progress"
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
// again and shows that nothing changes.
func Run(ctx context.Context, out, log io.Writer, o Options) error {
	start := time.Now()
	timing, err := emulator.ParseTiming(o.Timing)
	if err != nil {
		return err
	}
	const id, key = "AKIDdemo", "demo-secret-key"
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{id: key}, Timing: timing})
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
	e := reconcile.New(conn, reconcile.Options{Owner: "tkeops-demo", Parallelism: 8, Hooks: []reconcile.Hook{printer}})

	fmt.Fprintf(out, "== tkeops apply %s/production %s/staging\n\n", o.Examples, o.Examples)
	if _, err := e.Converge(ctx, set, nil, reconcile.ConvergeOptions{
		Confirm: func(p *plan.Plan) (bool, error) {
			if err := render.Text(out, p, ropts); err != nil {
				return false, err
			}
			fmt.Fprintln(out)
			return true, nil
		},
		RoundDone: printer.RoundDone,
	}); err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== tkeops plan (again): nothing should change\n\n")
	p, err := e.Plan(ctx, set)
	if err != nil {
		return err
	}
	if err := render.Text(out, p, ropts); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDone in %s with %d API calls.\n", time.Since(start).Round(100*time.Millisecond), srv.TotalCalls())
	if !p.Empty() {
		return ErrSecondPlanNotEmpty
	}
	return nil
}
