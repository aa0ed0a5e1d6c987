package providers

import (
	"context"
	"time"
)

// Instance is one machine of a node pool, as the cloud lists it.
type Instance struct {
	ID      string    // ins-…
	LanIP   string    // the node name for clusters that name nodes by IP
	State   string    // the cloud's instance state (running, initializing, …)
	Created time.Time // zero when the cloud did not say
}

// InstanceRemover is implemented by clients that can list a node pool's instances
// and remove chosen ones, so a scale-in removes the instances tkeops drained rather
// than the ones the auto scaling group would pick. pool is an observed node pool.
type InstanceRemover interface {
	// PoolInstances lists the pool's instances. It changes nothing.
	PoolInstances(ctx context.Context, pool Observation) ([]Instance, error)
	// RemoveInstances removes exactly ids from the pool (and its cluster), lowering
	// the group's desired count by as many; keep retains the machines. Instances
	// already gone are not an error; one the cloud refuses is.
	RemoveInstances(ctx context.Context, pool Observation, ids []string, keep bool) error
}
