// Package reconcile plans and applies spec sets against the cloud.
//
// The data path reads like the files: observe.go reads live state through a
// providers.Client (one batched Observe per kind and region, in dependency order),
// planner.go diffs it against the desired resources and orders the changes into a
// plan.Plan (a DAG of steps: VPC → subnets and security groups → cluster → node
// pools → endpoints, deletes in reverse), guard.go refuses what must not happen
// (destroys not allowed for the run, Orphan policies, deletion protection, unowned
// resources), stale.go decides whether a saved plan still matches live state,
// graph.go walks the DAG with bounded parallelism, and executor.go runs each step,
// waiting for asynchronous operations by polling Observe with backoff.
//
// The engine is stateless: every run starts from what the cloud says (resources carry
// ownership tags, and the provider's Create looks up by tag first), so a run killed
// at any point and started again converges without duplicates or orphans.
//
// Progress goes out through Hook; the CLI, metrics and the service are hooks.
package reconcile
