package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/spec"
)

// Ownership tag keys. Every resource tkeops creates carries them, and observation finds
// resources by them, so there is no state file: the cloud is the state.
const (
	// TagOwner holds the tkeops instance name (one per spec repo / environment).
	TagOwner = "tkeops.io/owner"
	// TagName holds the resource address "<Kind>/<name>".
	TagName = "tkeops.io/name"
	// TagDeletionPolicy holds the spec's deletion policy, so it is known after the
	// document has left git.
	TagDeletionPolicy = "tkeops.io/deletion-policy"
)

// Observation is what a provider saw of one resource.
type Observation struct {
	// Addr is the spec address the resource belongs to: from the wanted resource, or
	// from the ownership tag for owned resources no longer in the spec.
	Addr spec.Addr
	// Exists is false when nothing was found.
	Exists bool
	// ID is the cloud ID (vpc-…, subnet-…, sg-…, cls-…, np-…).
	ID string
	// Owned is true when the resource carries this instance's ownership tag.
	// tkeops never deletes what it does not own.
	Owned bool
	// Settling is true while an async operation is in flight (cluster Creating, pool
	// updating, …). The executor waits for it to clear; the planner does not diff it.
	Settling bool
	// Status is the provider's raw lifecycle state, for people ("Creating", "normal").
	Status string
	// Live is the live state in spec shape, references holding IDs, so diff compares
	// like with like. Nil when !Exists.
	Live spec.Resource
	// DeletionPolicy read from the ownership tags.
	DeletionPolicy spec.DeletionPolicy
	// DeletionProtection is true when the cloud refuses to delete the resource until
	// the protection is turned off (clusters, node pools).
	DeletionProtection bool
	// DuplicateOf is the ID of the resource this one duplicates: it carries the same
	// ownership tags and was created later (an interrupted create, two runs at once).
	DuplicateOf string
	// Namesakes are the IDs of live resources of the kind that carry the wanted
	// resource's name but not this instance's ownership tags (tags stripped, or made
	// by hand). Set only on a wanted resource that does not exist: creating it would
	// make a second resource of the same name.
	Namesakes []string
	// Created is when the cloud created the resource; zero when it did not say.
	Created time.Time
	// ParentID is the cloud ID of the resource this one lives in (a node pool's
	// cluster); "" for top-level resources.
	ParentID string
	// Nodes counts a cluster's or a node pool's nodes; nil for other kinds.
	Nodes *NodeCount
	// Endpoints are a cluster's API server endpoints, as far as they were read; nil
	// for other kinds (a pointer: a plan holds an observation of every resource).
	Endpoints *Endpoints
	// Implicit is true for a resource the cloud made itself with its parent (a VPC's
	// default route table): it is nobody's until tkeops adopts it (Addr named then),
	// and it comes and goes with its parent, never by a create or delete of its own.
	Implicit bool
}

// NodeCount is how many nodes a cluster or node pool has.
type NodeCount struct {
	// Total nodes, whatever their state.
	Total int
	// Ready nodes (state normal); -1 when the cloud did not say.
	Ready int
	// Desired is the node pool's desired count (its auto scaling group's); 0 for clusters.
	Desired int
}

// Endpoints are the API server endpoints of a cluster.
type Endpoints struct {
	Private, Public Endpoint
}

// Endpoint is one API server endpoint.
type Endpoint struct {
	// Status as the cloud reports it (Created, Creating, Deleting, NotFound, …);
	// "" when it was not read.
	Status string
	// Address is the endpoint's address when it is open.
	Address string
}

// Client reads and changes resources of one region.
//
// The contract, which the reconciler relies on:
//   - Observe never changes anything, in the cloud or in the wanted resources it is
//     given (they may share their parts with the caller's spec set).
//   - No call waits for an async operation to finish; the caller polls Observe.
//   - Every call is safe to repeat: Create first looks the resource up by its
//     ownership tags and returns it when it exists; Delete of a missing resource
//     returns nil.
//   - Errors wrap the API error code (see tencentcloud.APIError) so callers can decide
//     with errors.As, never by matching strings.
type Client interface {
	// Observe returns one observation for each wanted resource (Exists false when
	// missing), followed by one for every resource of the kind owned by this instance
	// that is not wanted (these are the delete candidates). Wanted resources must have
	// their references resolved to IDs. It uses batched list calls, not one call per
	// resource.
	Observe(ctx context.Context, kind spec.Kind, want []spec.Resource) ([]Observation, error)
	// Create creates r (references resolved) with ownership tags and returns what it
	// started; the observation may be Settling.
	Create(ctx context.Context, r spec.Resource) (Observation, error)
	// Update makes the given changes to the live resource described by o. The planner
	// groups changes so that one Update carries the changes of one API action.
	Update(ctx context.Context, r spec.Resource, o Observation, changes []diff.Change) (Observation, error)
	// Delete deletes the resource. opts carries the choices the plan made.
	Delete(ctx context.Context, o Observation, opts DeleteOptions) error
}

// DeleteOptions are the choices the plan made for a delete.
type DeleteOptions struct {
	// KeepInstances keeps a node pool's CVMs (instanceDeletionPolicy Retain).
	KeepInstances bool
}

// Connector creates clients. Credentials are given at construction, never per call.
type Connector interface {
	Connect(ctx context.Context, region string) (Client, error)
}

// RegionLister is implemented by connectors that can tell every region where this
// instance owns resources, from the ownership tags, so that regions without specs
// (a region removed from git, an empty directory) are observed too.
type RegionLister interface {
	OwnedRegions(ctx context.Context) ([]string, error)
}

// Locker takes the apply lock of this instance's owner. The lock lives where the
// owner's resources live (no state file); a lock left by a killed run expires.
type Locker interface {
	// Lock takes the lock for holder (who is applying, for people: "ci@runner-7",
	// "serve/pod-2") until ttl passes unless renewed. When someone else holds it, it
	// returns a *LockedError naming them.
	Lock(ctx context.Context, holder string, ttl time.Duration) (Lock, error)
}

// Lock is a held apply lock.
type Lock interface {
	// Renew extends the lock by its ttl from now. It fails with ErrLockLost when the
	// lock expired and someone else took it: stop applying.
	Renew(ctx context.Context) error
	// Unlock releases the lock. Releasing a lock already gone is not an error.
	Unlock(ctx context.Context) error
}

// LockedError is returned by Locker.Lock when another run holds the lock.
type LockedError struct {
	Owner   string    // the tkeops instance whose lock it is
	Holder  string    // who holds it
	Since   time.Time // when they took it
	Expires time.Time // when it expires unless renewed
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("the apply lock of %q is held by %s since %s (expires %s unless renewed)",
		e.Owner, e.Holder, e.Since.UTC().Format(time.RFC3339), e.Expires.UTC().Format(time.RFC3339))
}

// LockBreaker is implemented by Lockers that can remove a lock another run holds,
// for the case where that run is known to be dead (a process of this host that no
// longer exists): waiting for its lock to expire would only delay the next apply.
type LockBreaker interface {
	// BreakLock removes the lock value held.Holder took at held.Since, and only that.
	BreakLock(ctx context.Context, held *LockedError) error
}

// ErrLockLost is returned by Lock.Renew when the lock expired and another run took it.
var ErrLockLost = errors.New("the apply lock was lost: it expired and another run took it")

// Preflighter is implemented by clients that can tell, before anything is applied,
// what the API would refuse, so a plan never promises what apply cannot do.
type Preflighter interface {
	// Preflight checks the planned creates and updates of one kind in one region,
	// together (quotas are shared), and returns what the API would refuse, each with
	// the call and the error code it would answer. It changes nothing; it calls the
	// API's own check and quota actions, one batch per kind where it can.
	Preflight(ctx context.Context, kind spec.Kind, planned []Planned) ([]Refusal, error)
}

// Planned is one planned create or update, as Preflight checks it.
type Planned struct {
	// Resource is the desired resource, its references resolved to IDs where they
	// are known (a reference to a resource created by the same plan has no ID yet).
	Resource spec.Resource
	// Observed is its observation; Exists false means a create.
	Observed Observation
	// Changes are an update's changes.
	Changes []diff.Change
	// Deleting are the cloud IDs of resources the plan deletes before this change
	// is made (what it replaces, what left the specs): conflicts with them do not
	// count.
	Deleting []string
}

// Refusal is a change the API would refuse.
type Refusal struct {
	Addr spec.Addr
	// Path is the field the refusal is about; "" for the resource as a whole.
	Path string
	// Action is the call that would refuse ("tke:UpdateClusterVersion").
	Action string
	// Code is the error code it would answer ("InvalidParameter.Param").
	Code string
	// Message says what and what to do.
	Message string
}
