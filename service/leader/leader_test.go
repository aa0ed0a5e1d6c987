package leader_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
	"github.com/tkeops/tkeops/service/leader"
)

var kube kubetest.Shared

func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }

// candidate runs one replica's election; leading is 1 while its lead func runs.
type candidate struct {
	id      string
	leading atomic.Int32
	led     atomic.Int32 // times it became leader
	cancel  context.CancelFunc
	done    chan error
	// linger is how long lead keeps working after its context is cancelled (the
	// service's grace period for a running apply).
	linger time.Duration
}

func start(t *testing.T, opts leader.Options, id string, linger time.Duration, overlap *atomic.Int32) *candidate {
	t.Helper()
	c := &candidate{id: id, done: make(chan error, 1), linger: linger}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	opts.Identity = id
	go func() {
		c.done <- leader.Run(ctx, opts, func(lctx context.Context) {
			if overlap.Add(1) > 1 {
				t.Errorf("%s leads while another replica leads", id)
			}
			c.leading.Store(1)
			c.led.Add(1)
			<-lctx.Done()
			time.Sleep(c.linger)
			c.leading.Store(0)
			overlap.Add(-1)
		})
	}()
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestOneLeaderAndHandOverOnlyAfterTheLeaderStopped(t *testing.T) {
	srv := kube.Server(t)
	opts := leader.Options{
		Config: srv.Config, Namespace: "default", Name: "tkeops-test",
		LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond,
	}
	var overlap atomic.Int32
	a := start(t, opts, "replica-a", 1500*time.Millisecond, &overlap)
	waitFor(t, "replica-a to lead", func() bool { return a.leading.Load() == 1 })
	b := start(t, opts, "replica-b", 0, &overlap)
	time.Sleep(2 * opts.LeaseDuration) // b campaigns for two lease durations and must not win
	if b.led.Load() != 0 {
		t.Fatal("replica-b became leader while replica-a held the lease")
	}

	cs, err := kubernetes.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	lease, err := cs.CoordinationV1().Leases("default").Get(context.Background(), "tkeops-test", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != "replica-a" {
		t.Fatalf("lease holder %v, want replica-a", lease.Spec.HolderIdentity)
	}

	// Shut replica-a down: its lead func lingers 1.5s (a running apply finishing);
	// replica-b must not lead before it returned.
	stoppedAt := time.Now()
	a.cancel()
	if err := <-a.done; err != nil {
		t.Fatalf("replica-a Run: %v", err)
	}
	if waited := time.Since(stoppedAt); waited < a.linger {
		t.Fatalf("Run returned after %v, before its lead func finished (%v)", waited, a.linger)
	}
	waitFor(t, "replica-b to take over", func() bool { return b.leading.Load() == 1 })
	// Released on cancel: b takes over well before the 3s lease would have expired
	// on its own after a's last renewal.
	if took := time.Since(stoppedAt); took > a.linger+opts.LeaseDuration+time.Second {
		t.Errorf("hand-over took %v", took)
	}
	b.cancel()
	if err := <-b.done; err != nil {
		t.Fatal(err)
	}
}
