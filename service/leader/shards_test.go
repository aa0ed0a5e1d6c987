package leader_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tkeops/tkeops/service/leader"
)

// shardReplica is one replica of RunShards; cut makes its API calls fail, as
// if the process had died (nothing is renewed, released or deleted).
type shardReplica struct {
	id     string
	cut    atomic.Bool
	cancel context.CancelFunc
	done   chan error
	err    error
	once   sync.Once
}

// stop stops the replica and returns what RunShards returned.
func (r *shardReplica) stop() error {
	r.once.Do(func() {
		r.cancel()
		r.err = <-r.done
	})
	return r.err
}

// leading records which replica leads each shard and fails the test when two
// lead one shard at once.
type leading struct {
	t  *testing.T
	mu sync.Mutex
	by map[string]string // shard → replica running its lead func
}

func (l *leading) lead(id string) func(ctx context.Context, shard string) {
	return func(ctx context.Context, shard string) {
		l.mu.Lock()
		if other, ok := l.by[shard]; ok {
			l.t.Errorf("%s leads shard %s while %s does", id, shard, other)
		}
		l.by[shard] = id
		l.mu.Unlock()
		<-ctx.Done()
		l.mu.Lock()
		delete(l.by, shard)
		l.mu.Unlock()
	}
}

func (l *leading) snapshot() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.by)
}

type cutTransport struct {
	rt  http.RoundTripper
	cut *atomic.Bool
}

func (c cutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.cut.Load() {
		return nil, errors.New("replica is dead")
	}
	return c.rt.RoundTrip(r)
}

// TestShardsSpreadMoveOnDeathAndRebalance: three replicas split three shards
// one each (read from the Leases in a real kube-apiserver); a replica that
// stops answering loses its shard to another within the lease duration and a
// few retry periods, never with two leading a shard at once; a replica that
// joins gets a shard back from the one holding two.
func TestShardsSpreadMoveOnDeathAndRebalance(t *testing.T) {
	srv := kube.Server(t)
	shards := []string{"dev", "staging", "prod"}
	opts := leader.Options{Namespace: "default", Name: "tkeops-shards",
		LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond}
	l := &leading{t: t, by: map[string]string{}}
	start := func(id string) *shardReplica {
		r := &shardReplica{id: id, done: make(chan error, 1)}
		cfg := rest.CopyConfig(srv.Config)
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return cutTransport{rt: rt, cut: &r.cut} })
		o := opts
		o.Config, o.Identity = cfg, id
		ctx, cancel := context.WithCancel(context.Background())
		r.cancel = cancel
		go func() { r.done <- leader.RunShards(ctx, o, shards, l.lead(id)) }()
		t.Cleanup(func() { _ = r.stop() })
		return r
	}
	cs, err := kubernetes.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	// holders reads the shard leases' holders from the API server.
	holders := func() map[string]string {
		out := map[string]string{}
		for _, s := range shards {
			lease, err := cs.CoordinationV1().Leases("default").Get(context.Background(), leader.ShardLease(opts.Name, s), metav1.GetOptions{})
			if err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "" {
				out[s] = *lease.Spec.HolderIdentity
			}
		}
		return out
	}
	perReplica := func(h map[string]string) map[string]int {
		n := map[string]int{}
		for _, id := range h {
			n[id]++
		}
		return n
	}
	spread := func(ids ...string) func() bool {
		return func() bool {
			h := holders()
			n := perReplica(h)
			if len(h) != len(shards) || len(n) != len(ids) {
				return false
			}
			for _, id := range ids {
				if n[id] != 1 {
					return false
				}
			}
			return maps.Equal(h, l.snapshot())
		}
	}

	a, b, c := start("replica-a"), start("replica-b"), start("replica-c")
	waitFor(t, "one shard per replica", spread(a.id, b.id, c.id))
	t.Logf("spread: %v", holders())

	// replica-b dies: its shard goes to a survivor within the lease duration and
	// a few retry periods after the death is visible.
	var lost string
	for s, id := range holders() {
		if id == b.id {
			lost = s
		}
	}
	died := time.Now()
	b.cut.Store(true)
	waitFor(t, "replica-b's shard taken over", func() bool {
		h := holders()
		return h[lost] != "" && h[lost] != b.id && l.snapshot()[lost] == h[lost]
	})
	took := time.Since(died)
	t.Logf("shard %s taken over by %s after %v", lost, holders()[lost], took.Round(time.Millisecond))
	if limit := opts.LeaseDuration + 6*opts.RetryPeriod + time.Second; took > limit {
		t.Errorf("takeover took %v, more than %v", took, limit)
	}
	n := perReplica(holders())
	if n[a.id]+n[c.id] != 3 || n[a.id] == 0 || n[c.id] == 0 {
		t.Errorf("after the death: %v", holders())
	}
	_ = b.stop()

	// replica-d joins: the one holding two gives one back, and d takes it.
	d := start("replica-d")
	waitFor(t, "one shard per replica again", spread(a.id, c.id, d.id))

	// A clean stop hands over at once (the lease is released, the membership deleted).
	stopped := time.Now()
	var freed string
	for s, id := range holders() {
		if id == d.id {
			freed = s
		}
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replica-d's shard taken after its clean stop", func() bool {
		h := holders()
		return h[freed] != "" && h[freed] != d.id
	})
	if took := time.Since(stopped); took > opts.LeaseDuration {
		t.Errorf("hand-over after a clean stop took %v", took)
	}
	members, err := cs.CoordinationV1().Leases("default").List(context.Background(), metav1.ListOptions{LabelSelector: leader.MembersLabel + "=" + opts.Name})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range members.Items {
		names = append(names, m.Name)
	}
	slices.Sort(names)
	// b died without deleting its membership; d stopped cleanly and deleted its own.
	want := []string{leader.MemberLease(opts.Name, a.id), leader.MemberLease(opts.Name, b.id), leader.MemberLease(opts.Name, c.id)}
	if !slices.Equal(names, want) {
		t.Errorf("membership leases %v, want %v", names, want)
	}
}
