// Package reconcile plans and applies spec sets against the cloud.
//
// The data path reads like the files: observe.go reads live state through a
// providers.Client (one batched Observe per kind and region, kinds in dependency
// order, regions at once; references by ID through IDObserver; node drift and the
// instances a scale-in removes through Nodes and providers.InstanceRemover; baseline
// manifests through Baseline), planner.go diffs it against the desired resources and orders the changes
// into a plan.Plan (a DAG of steps: VPC → subnets and security groups → cluster →
// node pools → endpoints; deletes in reverse; a replacement as a delete and a
// create, cascading to what lives inside the replaced resource), guard.go refuses
// what must not happen (destroys not allowed for the run, Orphan policies, deletion
// protection, unowned resources), stale.go decides whether a saved plan still
// matches live state, graph.go walks the DAG with bounded parallelism, and
// executor.go runs each step, waits for asynchronous operations by polling Observe
// with backoff, and checks the cloud shows what the step meant to set.
//
// Use:
//
//	e := reconcile.New(connector, reconcile.Options{Owner: "prod", Hooks: []reconcile.Hook{progress}})
//	p, err := e.Plan(ctx, set)          // changes nothing
//	res, err := e.Apply(ctx, p, set)    // re-observes first: *StaleError if anything moved
//	// or, in one pass with one observation: p, res, err := e.ApplySet(ctx, set, confirm)
//	// res.Replan: operations were in flight when planned; plan and apply again.
//
// The engine is stateless: every run starts from what the cloud says (resources carry
// ownership tags, and the provider's Create looks up by tag first), so a run killed
// at any point and started again converges without duplicates or orphans.
//
// Progress goes out through Hook; the CLI, metrics and the service are hooks.
package reconcile
