package reconcile

import (
	"context"
	"fmt"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"sort"
	"strings"
	"sync"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// memCloud is an in-memory cloud for planner and executor unit tests: it keeps live
// resources in spec shape, settles asynchronous operations after a number of
// observations, and checks node pool bounds the way the API does. The end-to-end
// tests use the real emulator and provider instead.
type memCloud struct {
	// Table is the provider's mutability table, which the engine reads through the
	// connector.
	tencentcloud.Table
	mu  sync.Mutex
	res map[spec.Addr]*memRes
	// dups are second copies with the same ownership tags (two runs raced).
	dups   map[spec.Addr]*memRes
	next   int
	calls  []string
	settle int // observations an operation stays in flight
	// dropUpdates accepts updates without making them (a broken provider or API).
	dropUpdates bool
	// failFn, when set, may fail a call before it happens.
	failFn func(op string, a spec.Addr) error
}

type memRes struct {
	id                 string
	live               spec.Resource
	policy             spec.DeletionPolicy
	deletionProtection bool
	settling           int
	owned              bool
}

func newMemCloud() *memCloud {
	return &memCloud{res: map[spec.Addr]*memRes{}, dups: map[spec.Addr]*memRes{}}
}

// Connect implements providers.Connector: one cloud serves every region.
func (m *memCloud) Connect(context.Context, string) (providers.Client, error) { return m, nil }

func (m *memCloud) recordf(format string, args ...any) {
	m.calls = append(m.calls, fmt.Sprintf(format, args...))
}

func (m *memCloud) fail(op string, a spec.Addr) error {
	if m.failFn == nil {
		return nil
	}
	return m.failFn(op, a)
}

// idsOnly clears reference names: live state knows only IDs.
func idsOnly(r spec.Resource) spec.Resource {
	c, err := clone(r)
	if err != nil {
		panic(err)
	}
	for _, f := range c.Refs() {
		f.Ref.Name = ""
	}
	return c
}

func (m *memCloud) obs(a spec.Addr, r *memRes) providers.Observation {
	o := providers.Observation{Addr: a, Exists: true, ID: r.id, Owned: r.owned, Live: idsOnly(r.live), DeletionPolicy: r.policy, DeletionProtection: r.deletionProtection, Status: "normal"}
	if r.settling > 0 {
		o.Settling, o.Status = true, "creating"
		r.settling--
	}
	return o
}

func (m *memCloud) Observe(ctx context.Context, kind spec.Kind, want []spec.Resource) ([]providers.Observation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := m.fail("observe", spec.Addr{Kind: kind}); err != nil {
		return nil, err
	}
	m.recordf("observe %s", kind)
	var out []providers.Observation
	wanted := map[spec.Addr]bool{}
	for _, w := range want {
		a := w.GetAddr()
		wanted[a] = true
		if r, ok := m.res[a]; ok {
			out = append(out, m.obs(a, r))
		} else {
			out = append(out, providers.Observation{Addr: a})
		}
	}
	var extra []spec.Addr
	for a, r := range m.res {
		if a.Kind == kind && !wanted[a] && r.owned {
			extra = append(extra, a)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Name < extra[j].Name })
	for _, a := range extra {
		out = append(out, m.obs(a, m.res[a]))
	}
	for a, d := range m.dups {
		if a.Kind == kind {
			o := m.obs(a, d)
			o.DuplicateOf = m.res[a].id
			out = append(out, o)
		}
	}
	return out, nil
}

func (m *memCloud) Create(ctx context.Context, r spec.Resource) (providers.Observation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := r.GetAddr()
	if err := ctx.Err(); err != nil {
		return providers.Observation{}, err
	}
	if err := m.fail("create", a); err != nil {
		return providers.Observation{}, err
	}
	m.recordf("create %s", a)
	if ex, ok := m.res[a]; ok { // found by tag: idempotent
		return m.obs(a, ex), nil
	}
	m.next++
	id := fmt.Sprintf("%s-%d", strings.ToLower(string(a.Kind)), m.next)
	r, _ = clone(r)
	for _, f := range r.Refs() {
		switch {
		case f.Ref.ID == "" && f.Kind == a.Kind && f.Ref.Name == a.Name:
			f.Ref.ID = id // a rule admitting the group itself
		case f.Ref.ID == "":
			return providers.Observation{}, fmt.Errorf("create %s: %s unresolved", a, f.Path)
		}
	}
	pol := r.GetDeletionPolicy()
	if pol == "" {
		pol = spec.DeletionPolicyDelete
	}
	n := &memRes{id: id, live: idsOnly(r), policy: pol, settling: m.settle, owned: true}
	m.res[a] = n
	return m.obs(a, n), nil
}

func (m *memCloud) Update(ctx context.Context, r spec.Resource, o providers.Observation, changes []diff.Change) (providers.Observation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := r.GetAddr()
	if err := ctx.Err(); err != nil {
		return providers.Observation{}, err
	}
	if err := m.fail("update", a); err != nil {
		return providers.Observation{}, err
	}
	cur, ok := m.res[a]
	if !ok || cur.id != o.ID {
		return providers.Observation{}, fmt.Errorf("update %s: ResourceNotFound", a)
	}
	var paths []string
	setsDesired := false
	for _, ch := range changes {
		paths = append(paths, ch.Path)
		setsDesired = setsDesired || ch.Path == pathScalingDesired
		if ch.Path == "spec.deletionPolicy" {
			cur.policy = spec.DeletionPolicy(fmt.Sprint(ch.After))
		}
	}
	next := idsOnly(r)
	if np, isPool := next.(*spec.NodePool); isPool {
		live := cur.live.(*spec.NodePool)
		sc := np.Spec.Scaling
		if setsDesired {
			// ModifyNodePoolDesiredCapacityAboutAsg moves only the count.
			sc.Min, sc.Max = live.Spec.Scaling.Min, live.Spec.Scaling.Max
		} else {
			sc.Desired = live.Spec.Scaling.Desired
		}
		d := sc.Min
		if sc.Desired != nil {
			d = *sc.Desired
		}
		m.recordf("update %s %s min=%d max=%d desired=%d", a, strings.Join(paths, ","), sc.Min, sc.Max, d)
		if sc.Min > d || d > sc.Max {
			return providers.Observation{}, fmt.Errorf("InvalidParameterValue.Size: desired %d outside [%d, %d]", d, sc.Min, sc.Max)
		}
		np.Spec.Scaling = sc
	} else {
		m.recordf("update %s %s", a, strings.Join(paths, ","))
	}
	if !m.dropUpdates {
		cur.live = next
	}
	cur.settling = m.settle
	return m.obs(a, cur), nil
}

func (m *memCloud) Delete(ctx context.Context, o providers.Observation, _ providers.DeleteOptions) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.fail("delete", o.Addr); err != nil {
		return err
	}
	for a, r := range m.res {
		if r.id != o.ID && refersTo(r.live, o.ID) {
			// Like the cloud: a VPC with subnets, a cluster with pools cannot go.
			return fmt.Errorf("delete %s: ResourceInUse: %s still uses %s", o.Addr, a, o.ID)
		}
	}
	m.recordf("delete %s", o.Addr)
	for a, r := range m.res {
		if r.id == o.ID {
			delete(m.res, a)
		}
	}
	for a, r := range m.dups {
		if r.id == o.ID {
			delete(m.dups, a)
		}
	}
	return nil
}

// mutate changes a live resource behind tkeops' back.
func (m *memCloud) mutate(a spec.Addr, fn func(r spec.Resource)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(m.res[a].live)
}

func (m *memCloud) callsMatching(prefix string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, c := range m.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (m *memCloud) addrs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for a := range m.res {
		out = append(out, a.String())
	}
	sort.Strings(out)
	return out
}
