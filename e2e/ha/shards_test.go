package ha

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/fleet"
)

const shardVPC = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: %s-net
spec:
  region: ap-guangzhou
  cidrBlock: 10.%d.0.0/20
`

// The rig's election timing (harness.StartServeRig).
const (
	rigLeaseDuration = 3 * time.Second
	rigRetryPeriod   = 250 * time.Millisecond
)

// TestThreeReplicasShareShards: three replicas of tkeops serve and three
// shards (environment directories, each with its own owner): the shard Leases
// in a real kube-apiserver spread one per replica and each shard's commits get
// their own final status in Gitea. The replica holding prod is killed
// (SIGKILL) while it applies a slow commit and another commit follows; within
// the lease duration (and a few retry periods) another replica holds prod's
// Lease, and it gives both commits their final status. No cloud resource is
// created twice (the emulator's write counts). The killed replica, back, gets
// a shard again. A pull request touching two shards gets a plan status from
// each shard and one comment with a section per shard.
func TestThreeReplicasShareShards(t *testing.T) {
	bin := harness.Binary(t)
	shards := []string{"dev", "staging", "prod"}
	files, err := harness.FleetFiles(fleet.Options{Stacks: 1}, "specs/prod")
	if err != nil {
		t.Fatal(err)
	}
	files["specs/dev/vpc.yaml"] = fmt.Sprintf(shardVPC, "dev", 200)
	files["specs/staging/vpc.yaml"] = fmt.Sprintf(shardVPC, "staging", 201)
	rig := harness.StartServeRig(t, bin, harness.ServeRigOptions{PollInterval: "2s", Replicas: 3, Shards: shards, Files: files,
		Timing: emulator.Timing{ClusterCreate: 2 * time.Second, NodePoolCreate: 6 * time.Second, NodeJoin: 2 * time.Second}})
	for _, sh := range shards {
		if st := rig.WaitFinal(t, rig.First, "tkeops/apply/"+sh, 3*time.Minute); st.State != "success" {
			t.Fatalf("first apply of shard %s: %+v", sh, st)
		}
	}
	holders := waitSpread(t, rig, shards, 30*time.Second)
	t.Logf("shard leases: %v", holders)

	// A pull request touching two shards: a plan status from each shard, and
	// ONE comment with a section per shard.
	rig.Work.Branch(t, "two-shards")
	rig.Work.Reset(t, rig.First)
	head := rig.Work.Commit(t, "a VPC more in dev and in staging", map[string]string{
		"specs/dev/more.yaml": fmt.Sprintf(shardVPC, "dev-more", 210), "specs/staging/more.yaml": fmt.Sprintf(shardVPC, "staging-more", 211)})
	rig.Work.Push(t)
	pr := rig.Gitea.CreatePull(t, rig.Repo, "two-shards", "main", "two shards")
	for _, sh := range shards {
		st := rig.WaitFinal(t, head, "tkeops/plan/"+sh, 2*time.Minute)
		want := "1 to create, 0 to update, 0 to destroy"
		if sh == "prod" {
			want = "0 to create, 0 to update, 0 to destroy"
		}
		if st.State != "success" || !strings.HasPrefix(st.Description, want) {
			t.Errorf("PR #%d: %s's plan status %s %q, want success %q", pr, sh, st.State, st.Description, want)
		}
	}
	comment := waitComment(t, rig, pr, func(body string) bool {
		return !strings.Contains(body, "Planning…") && strings.Count(body, "**1 to create, 0 to update, 0 to destroy") == 2
	})
	for _, sh := range shards {
		if !strings.Contains(comment, "#### Shard `"+sh+"`") {
			t.Errorf("PR #%d: the plan comment has no section for %s:\n%s", pr, sh, comment)
		}
	}
	t.Logf("PR #%d's plan comment (%d characters):\n%s", pr, len(comment), comment[:min(len(comment), 2500)])
	for _, name := range []string{"dev-more-net", "staging-more-net"} {
		if !strings.Contains(comment, name) {
			t.Errorf("PR #%d: the plan comment does not show %s:\n%s", pr, name, comment)
		}
	}

	// Kill prod's holder while it applies a slow commit; push another meanwhile.
	before := rig.Cloud.Calls()
	rig.Work.Branch(t, "main-work")
	rig.Work.Reset(t, rig.First)
	slow := rig.Work.Commit(t, "a node pool in prod (slow)", map[string]string{"specs/prod/s0000/extra.yaml": fmt.Sprintf(nodePool, "s0000-extra", 1)})
	pushMain(t, rig)
	rig.WaitStatus(t, slow, "tkeops/apply/prod", 2*time.Minute, func(s harness.Status) bool { return s.State == "pending" })
	victim := rig.Replica(rig.ShardHolders(t, "prod")["prod"])
	if victim == nil {
		t.Fatalf("no replica holds prod: %v", rig.ShardHolders(t, shards...))
	}
	time.Sleep(1500 * time.Millisecond) // into the node pool's creation
	t.Logf("killing %s, prod's holder, during the apply of %s", victim.Name, slow[:12])
	killed := time.Now()
	rig.Kill(t, victim)
	next := rig.Work.Commit(t, "another node pool in prod", map[string]string{"specs/prod/s0000/more.yaml": fmt.Sprintf(nodePool, "s0000-more", 0)})
	pushMain(t, rig)

	var heir string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if h := rig.ShardHolders(t, "prod")["prod"]; h != "" && h != victim.Name {
			heir = h
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prod's lease still not taken 30s after its holder died: %v", rig.ShardHolders(t, shards...))
		}
	}
	took := time.Since(killed)
	t.Logf("prod's lease taken by %s %v after the kill (lease duration %v, retry period %v)", heir, took.Round(10*time.Millisecond), rigLeaseDuration, rigRetryPeriod)
	// The lease expires the lease duration after the last renewal this replica
	// saw; the attempts come every retry period (jittered up to 2.2 times).
	// Two seconds of slack for a loaded machine; a protocol that waited for a
	// second expiry would take twice the lease duration.
	if limit := rigLeaseDuration + 2*time.Second; took > limit {
		t.Errorf("prod's lease taken %v after the kill, more than the lease duration and 2 s (%v)", took, limit)
		for _, line := range strings.Split(rig.Replica(heir).Process.Output(), "\n") {
			if strings.Contains(line, `"component":"leader"`) || strings.Contains(line, "client-go") {
				t.Log(line)
			}
		}
	}

	for _, rev := range []string{slow, next} {
		if st := rig.WaitFinal(t, rev, "tkeops/apply/prod", 3*time.Minute); st.State != "success" {
			t.Errorf("commit %s: prod's apply status %s %q", rev[:12], st.State, st.Description)
		}
		if by := finalStatusBy(t, rig, rev, "tkeops/apply/prod"); by != rig.Replica(heir).URL {
			t.Errorf("commit %s: prod's final status posted by %s, want the heir %s", rev[:12], by, heir)
		}
	}
	for _, sh := range []string{"dev", "staging"} {
		if st := rig.WaitFinal(t, next, "tkeops/apply/"+sh, 2*time.Minute); st.State != "success" {
			t.Errorf("commit %s: %s's apply status %s %q", next[:12], sh, st.State, st.Description)
		}
	}
	after := rig.Cloud.Calls()
	if n := after["tke.CreateClusterNodePool"] - before["tke.CreateClusterNodePool"]; n != 2 {
		t.Errorf("CreateClusterNodePool called %d times for 2 new node pools (calls %v)", n, after)
	}
	for _, action := range []string{"vpc.CreateVpc", "vpc.CreateSubnet", "vpc.CreateSecurityGroup", "tke.CreateCluster"} {
		if after[action] != before[action] {
			t.Errorf("%s called again after the takeover: %d → %d", action, before[action], after[action])
		}
	}
	if n := after["vpc.CreateVpc"]; n != 3 {
		t.Errorf("CreateVpc called %d times in all for 3 VPCs", n)
	}
	// Each shard has its own owner: no shard's apply took another's resources
	// for ones removed from git.
	for _, action := range []string{"vpc.DeleteVpc", "vpc.DeleteSubnet", "tke.DeleteCluster", "tke.DeleteClusterNodePool"} {
		if after[action] != 0 {
			t.Errorf("%s called %d times; nothing was removed from git", action, after[action])
		}
	}

	// Back, the killed replica gets a shard again from the one holding two.
	rig.Restart(t, victim)
	t.Logf("after the restart: %v", waitSpread(t, rig, shards, 30*time.Second))
}

// waitComment waits until the pull request's one comment (the plan's) satisfies
// ok, failing when there is ever more than one, and returns its body.
func waitComment(t *testing.T, rig *harness.ServeRig, pr int, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		cs := rig.Gitea.Comments(t, rig.Repo, pr)
		if len(cs) > 1 {
			t.Fatalf("PR #%d has %d comments; want one", pr, len(cs))
		}
		if len(cs) == 1 && strings.Contains(cs[0].Body, forge.PlanMarker) && ok(cs[0].Body) {
			return cs[0].Body
		}
		if time.Now().After(deadline) {
			t.Fatalf("PR #%d: no combined plan comment within a minute: %+v", pr, cs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitSpread waits until each shard's lease has a holder and no replica holds
// two, and returns the holders.
func waitSpread(t *testing.T, rig *harness.ServeRig, shards []string, budget time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(budget)
	for {
		h := rig.ShardHolders(t, shards...)
		by := map[string]bool{}
		for _, id := range h {
			by[id] = true
		}
		if len(h) == len(shards) && len(by) == len(shards) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("shard leases not one per replica within %v: %v", budget, h)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// finalStatusBy is the replica (its URL) whose final status on rev is newest:
// its run page's URL starts with the replica's external URL.
func finalStatusBy(t *testing.T, rig *harness.ServeRig, rev, context string) string {
	t.Helper()
	for _, s := range rig.Gitea.Statuses(t, rig.Repo, rev) {
		if s.Context == context && s.State != "pending" {
			by, _, _ := strings.Cut(s.TargetURL, "/runs/")
			return by
		}
	}
	return ""
}
