package productionlayout_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
)

// TestEnvironmentsApplyToEmulator applies every environment to the Tencent
// Cloud API emulator through the real engine and provider (the unmodified SDK
// over HTTP), then plans again: the second plan must be empty, or the layout
// describes something tkeops cannot converge.
func TestEnvironmentsApplyToEmulator(t *testing.T) {
	const id, key = "AKIDlayout", "layout-secret"
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{id: key}, Timing: emulator.InstantTiming()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			set := load(t, env)
			owner := "layout-" + set.Resources[0].GetAddr().Name
			conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: id, SecretKey: tencentcloud.Secret(key),
				Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: owner})
			if err != nil {
				t.Fatal(err)
			}
			e := reconcile.New(conn, reconcile.Options{Owner: owner, Parallelism: 8})
			for round := 0; ; round++ {
				_, res, err := e.ApplySet(ctx, set, nil)
				if err != nil {
					t.Fatalf("apply (round %d): %v", round+1, err)
				}
				if !res.Replan {
					break
				}
				if round == 3 {
					t.Fatal("still replanning after 4 rounds")
				}
			}
			p, err := e.Plan(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Empty() {
				var b strings.Builder
				_ = render.Text(&b, p, render.Options{})
				t.Errorf("second plan of %s is not empty:\n%s", env, b.String())
			}
		})
	}
}
