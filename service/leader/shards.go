package leader

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	coordinationclient "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// MembersLabel marks the membership Leases of one set of replicas; its value is
// Options.Name.
const MembersLabel = "tkeops.io/members-of"

// MemberLease is the name of the membership Lease of a replica.
func MemberLease(name, identity string) string { return name + "-member-" + dnsLabel(identity) }

// ShardLease is the name of the Lease of a shard.
func ShardLease(name, shard string) string { return name + "-shard-" + shard }

// RunShards splits shards between the replicas that run it with the same Name:
// each shard has its own Lease (ShardLease), won and renewed by client-go's
// leader election, and lead(ctx, shard) runs while this replica holds it, as
// Run does for a single lease (a lost or released lease cancels ctx, and the
// lease is released only after lead returned).
//
// Every replica also renews a membership Lease of its own (MemberLease,
// labelled MembersLabel), deleted on a clean stop. A replica takes a free or
// expired shard lease only while it holds fewer than ceil(shards / live
// members); one holding more than that for a whole lease duration (a replica
// joined) releases one, which a replica below its share then takes. A replica
// that dies stops renewing: after the lease duration its shard leases are free
// and its membership no longer counts, so the survivors' share grows and they
// take its shards. Every replica watches every shard's lease (one GET per
// shard each retry period), so a takeover needs no more than the lease duration
// and a couple of retry periods: a member is counted out slightly before its
// shard leases expire.
func RunShards(ctx context.Context, opts Options, shards []string, lead func(ctx context.Context, shard string)) error {
	if opts.Config == nil || opts.Namespace == "" || opts.Name == "" || opts.Identity == "" {
		return errors.New("leader election: Config, Namespace, Name and Identity are required")
	}
	if len(shards) == 0 {
		return errors.New("leader election: no shards")
	}
	opts = opts.withDefaults()
	rc := rest.CopyConfig(opts.Config)
	// Each retry period: a GET (and at times a PUT) per shard, and the
	// membership's GET, PUT and LIST. client-go's default limit (5 per second)
	// would delay the attempts past the lease duration.
	perSecond := float32(2*(len(shards)+3)) / float32(opts.RetryPeriod.Seconds())
	rc.QPS = max(rc.QPS, perSecond)
	rc.Burst = max(rc.Burst, int(2*perSecond))
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("leader election: client: %w", err)
	}
	g := &gate{shards: len(shards), held: map[string]bool{}, members: 1}
	leases := cs.CoordinationV1().Leases(opts.Namespace)
	m := &membership{opts: opts, leases: leases, gate: g, seen: map[string]observed{}}

	var wg sync.WaitGroup
	wg.Go(func() { m.run(ctx) })
	cancels := make([]context.CancelFunc, len(shards))
	done := make([]chan struct{}, len(shards))
	start := func(i int) {
		shard := shards[i]
		sctx, cancel := context.WithCancel(ctx)
		cancels[i], done[i] = cancel, make(chan struct{})
		d := done[i]
		lock := &gatedLock{
			LeaseLock: resourcelock.LeaseLock{
				LeaseMeta:  metav1ObjectMeta(opts.Namespace, ShardLease(opts.Name, shard)),
				Client:     cs.CoordinationV1(),
				LockConfig: resourcelock.ResourceLockConfig{Identity: opts.Identity},
			},
			shard: shard, gate: g,
		}
		go func() {
			defer close(d)
			sopts := opts
			sopts.Logger = opts.Logger.With("shard", shard)
			_ = campaign(sctx, sopts, ShardLease(opts.Name, shard), lock,
				func(lctx context.Context) { lead(lctx, shard) }, func() { g.drop(shard) })
		}()
	}
	for i := range shards {
		start(i)
	}
	// Balance: a replica above its share for a whole lease duration gives one
	// shard back (the last it holds in the configured order).
	tick := time.NewTicker(opts.RetryPeriod)
	defer tick.Stop()
	var over time.Time
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
		held, share := g.state()
		if ctx.Err() != nil || len(held) <= share {
			over = time.Time{}
			continue
		}
		if over.IsZero() {
			over = time.Now()
			continue
		}
		if time.Since(over) < opts.LeaseDuration {
			continue
		}
		over = time.Time{}
		i := slices.IndexFunc(shards, func(s string) bool { return s == held[len(held)-1] })
		opts.Logger.Info("above my share of the shards; releasing one", "shard", shards[i], "held", len(held), "share", share)
		g.release(shards[i])
		cancels[i]()
		<-done[i]
		start(i)
	}
	for i := range shards {
		cancels[i]()
		<-done[i]
	}
	wg.Wait()
	return nil
}

// gate admits a replica's acquisitions of shard leases while it holds fewer
// than its share.
type gate struct {
	mu      sync.Mutex
	shards  int
	members int             // live members, this replica included
	ready   bool            // membership was read after this replica joined
	held    map[string]bool // shards acquired (or being acquired) and not lost
	// released are shards given back by the balancer, not to be taken again
	// by this replica before the share changes.
	released map[string]bool
}

func (g *gate) share() int { return (g.shards + g.members - 1) / g.members }

// admit reserves shard for an acquisition, or says no.
func (g *gate) admit(shard string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held[shard] {
		return true
	}
	if !g.ready || g.released[shard] || len(g.held) >= g.share() {
		return false
	}
	g.held[shard] = true
	return true
}

func (g *gate) drop(shard string) {
	g.mu.Lock()
	delete(g.held, shard)
	g.mu.Unlock()
}

func (g *gate) release(shard string) {
	g.mu.Lock()
	if g.released == nil {
		g.released = map[string]bool{}
	}
	g.released[shard] = true
	g.mu.Unlock()
}

// setMembers records the live members' count; a new count forgets the
// released shards (the shares changed).
func (g *gate) setMembers(n int) (changed bool, share int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n = max(n, 1)
	changed = n != g.members || !g.ready
	if n != g.members {
		g.released = nil
	}
	g.members, g.ready = n, true
	return changed, g.share()
}

// state returns the held shards (sorted) and the share.
func (g *gate) state() ([]string, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	held := make([]string, 0, len(g.held))
	for s := range g.held {
		held = append(held, s)
	}
	slices.Sort(held)
	return held, g.share()
}

// gatedLock is a shard's LeaseLock whose acquisitions pass the gate; renewals
// and releases pass through.
type gatedLock struct {
	resourcelock.LeaseLock
	shard string
	gate  *gate
	mu    sync.Mutex
	// holder is the holder of the lease as last read.
	holder string
}

func (l *gatedLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := l.LeaseLock.Get(ctx)
	l.mu.Lock()
	l.holder = ""
	if rec != nil {
		l.holder = rec.HolderIdentity
	}
	l.mu.Unlock()
	return rec, raw, err
}

var errAtShare = errors.New("this replica holds its share of the shards")

func (l *gatedLock) Create(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	if !l.gate.admit(l.shard) {
		return errAtShare
	}
	err := l.LeaseLock.Create(ctx, rec)
	if err != nil {
		l.gate.drop(l.shard)
	}
	return err
}

func (l *gatedLock) Update(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	l.mu.Lock()
	acquire := rec.HolderIdentity != "" && l.holder != rec.HolderIdentity
	l.mu.Unlock()
	if !acquire {
		return l.LeaseLock.Update(ctx, rec)
	}
	if !l.gate.admit(l.shard) {
		return errAtShare
	}
	if err := l.LeaseLock.Update(ctx, rec); err != nil {
		l.gate.drop(l.shard)
		return err
	}
	l.mu.Lock()
	l.holder = rec.HolderIdentity
	l.mu.Unlock()
	return nil
}

// membership renews this replica's membership Lease and counts the live ones.
type membership struct {
	opts   Options
	leases coordinationclient.LeaseInterface
	gate   *gate
	// seen: each member lease's renew time and when this replica saw it change,
	// so liveness does not depend on the clocks of other machines.
	seen map[string]observed
}

type observed struct {
	renew string
	at    time.Time
}

func (m *membership) run(ctx context.Context) {
	name := MemberLease(m.opts.Name, m.opts.Identity)
	defer func() {
		// A clean stop leaves at once: the others' shares grow without waiting
		// for the lease to expire.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.opts.RenewDeadline)
		defer cancel()
		if err := m.leases.Delete(dctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			m.opts.Logger.Warn("leader election: delete membership lease", "lease", name, "error", err)
		}
	}()
	tick := time.NewTicker(m.opts.RetryPeriod)
	defer tick.Stop()
	renewed := false
	for {
		if err := m.renew(ctx, name); err != nil {
			if ctx.Err() != nil {
				return
			}
			m.opts.Logger.Warn("leader election: renew membership lease", "lease", name, "error", err)
		} else if n, err := m.count(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			m.opts.Logger.Warn("leader election: list membership leases", "error", err)
		} else if renewed {
			// Counted after a retry period as a member: replicas started at the
			// same time see each other before any takes a shard.
			if changed, share := m.gate.setMembers(n); changed {
				m.opts.Logger.Info("replicas in the shard election", "members", n, "share", share)
			}
		} else {
			renewed = true
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (m *membership) renew(ctx context.Context, name string) error {
	now := metav1.NewMicroTime(time.Now())
	secs := int32(m.opts.LeaseDuration / time.Second)
	lease, err := m.leases.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		id := m.opts.Identity
		_, err = m.leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: m.opts.Namespace, Labels: map[string]string{MembersLabel: m.opts.Name}},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &id, LeaseDurationSeconds: &secs, RenewTime: &now},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	lease.Spec.RenewTime, lease.Spec.LeaseDurationSeconds = &now, &secs
	_, err = m.leases.Update(ctx, lease, metav1.UpdateOptions{})
	return err
}

// count lists the membership leases and returns how many are live: renewed,
// as this replica saw, within their lease duration less two retry periods.
func (m *membership) count(ctx context.Context) (int, error) {
	list, err := m.leases.List(ctx, metav1.ListOptions{LabelSelector: MembersLabel + "=" + m.opts.Name})
	if err != nil {
		return 0, err
	}
	now := time.Now()
	live := 0
	present := map[string]bool{}
	for _, l := range list.Items {
		present[l.Name] = true
		renew := ""
		if l.Spec.RenewTime != nil {
			renew = l.Spec.RenewTime.UTC().Format(time.RFC3339Nano)
		}
		o, ok := m.seen[l.Name]
		if !ok || o.renew != renew {
			o = observed{renew: renew, at: now}
			m.seen[l.Name] = o
		}
		d := m.opts.LeaseDuration
		if l.Spec.LeaseDurationSeconds != nil {
			d = time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
		}
		// A member is counted out two retry periods before its shard leases
		// expire (it renews every retry period, so it still has missed
		// several): the survivors' shares have grown by the time its shards
		// are free, and the first attempt after the expiry takes them.
		dead := max(d-2*m.opts.RetryPeriod, d/2)
		switch age := now.Sub(o.at); {
		case age < dead:
			live++
		case age > 10*d:
			// A replica killed long ago: its lease is no one's business any more.
			_ = m.leases.Delete(ctx, l.Name, metav1.DeleteOptions{})
		}
	}
	for n := range m.seen {
		if !present[n] {
			delete(m.seen, n)
		}
	}
	return live, nil
}

// dnsLabel makes an identity usable in a Lease name: lower case, characters
// other than letters, digits, '-' and '.' become '-'.
func dnsLabel(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}
