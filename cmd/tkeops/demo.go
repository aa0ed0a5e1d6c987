package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/plan/render/progress"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// demoOptions are the inputs of the hidden `tkeops demo` command behind `make demo`.
type demoOptions struct {
	examples string
	timing   string
	noColor  bool
}

func newDemoCmd(streams IOStreams) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:    "demo",
		Short:  "Apply examples/ to an in-process emulator and show that a second plan is empty",
		Hidden: true,
		Example: `  make demo
  tkeops demo --timing instant
  tkeops demo --examples ./examples --no-color`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams)
		},
	}
	cmd.Flags().StringVar(&o.examples, "examples", "examples", "directory holding the production and staging spec directories")
	cmd.Flags().StringVar(&o.timing, "timing", "demo", "emulator timing: instant, demo, slow or name=duration,…")
	cmd.Flags().BoolVar(&o.noColor, "no-color", false, "no colours")
	return cmd
}

func (o *demoOptions) run(ctx context.Context, streams IOStreams) error {
	start := time.Now()
	timing, err := emulator.ParseTiming(o.timing)
	if err != nil {
		return err
	}
	const id, key = "AKIDdemo", "demo-secret-key"
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{id: key}, Timing: timing})
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer func() { _ = srv.Close() }()
	color := colorFor(streams.Out, o.noColor)
	fmt.Fprintf(streams.Out, "Emulator of the Tencent Cloud API listening on %s (timing %s).\n\n", srv.Endpoint, o.timing)

	set := &spec.Set{Root: o.examples}
	for _, env := range []string{"production", "staging"} {
		s, _, err := loadSpecs(streams, filepath.Join(o.examples, env), true)
		if err != nil {
			return err
		}
		set.Resources = append(set.Resources, s.Resources...)
	}
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: id, SecretKey: tencentcloud.Secret(key), Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: "tkeops-demo"})
	if err != nil {
		return err
	}
	ropts := render.Options{Color: color}
	printer := progress.New(streams.Out, ropts)
	printer.WaitEvery(2 * time.Second)
	e := reconcile.New(conn, reconcile.Options{Owner: "tkeops-demo", Parallelism: 8, Hooks: []reconcile.Hook{printer}})

	fmt.Fprintf(streams.Out, "== tkeops apply %s/production %s/staging\n\n", o.examples, o.examples)
	if _, err := e.Converge(ctx, set, nil, reconcile.ConvergeOptions{
		Confirm: func(p *plan.Plan) (bool, error) {
			if err := render.Text(streams.Out, p, ropts); err != nil {
				return false, err
			}
			fmt.Fprintln(streams.Out)
			return true, nil
		},
		RoundDone: roundDone(streams, printer),
	}); err != nil {
		return err
	}

	fmt.Fprintf(streams.Out, "\n== tkeops plan (again): nothing should change\n\n")
	p, err := e.Plan(ctx, set)
	if err != nil {
		return err
	}
	if err := render.Text(streams.Out, p, render.Options{Color: color}); err != nil {
		return err
	}
	fmt.Fprintf(streams.Out, "\nDone in %s with %d API calls.\n", time.Since(start).Round(100*time.Millisecond), srv.TotalCalls())
	if !p.Empty() {
		return &ExitError{Code: 1, Err: fmt.Errorf("the second plan is not empty")}
	}
	return nil
}
