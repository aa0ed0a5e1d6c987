package ha

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
)

const nodePool = `apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata:
  name: %s
spec:
  clusterRef: {name: s0000}
  subnetRefs: [{name: s0000-a}]
  instanceTypes: [SA5.LARGE8]
  scaling: {min: 0, max: 3, desired: %d}
  securityGroupRefs: [{name: s0000}]
`

const prVPC = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: pr-%d
spec:
  region: ap-guangzhou
  cidrBlock: 10.%d.0.0/20
`

// TestTwoReplicasLoseNothing: two replicas of tkeops serve under leader election
// (a real kube-apiserver), Gitea's webhooks delivered to each in turn. Every
// one of the pull requests ends with a plan status and exactly one comment,
// whichever replica got its webhook. Then the leader is killed (SIGKILL) while
// it applies a commit, another commit is pushed meanwhile, and both end with a
// final status from the replica that takes over; no cloud resource is created
// twice (the emulator's write counts).
func TestTwoReplicasLoseNothing(t *testing.T) {
	prs := harness.EnvInt(t, "TKEOPS_HA_PRS", 20)
	bin := harness.Binary(t)
	rig := harness.StartServeRig(t, bin, harness.ServeRigOptions{Stacks: 1, PollInterval: "2s", Replicas: 2,
		Timing: emulator.Timing{ClusterCreate: 2 * time.Second, NodePoolCreate: 6 * time.Second, NodeJoin: 2 * time.Second}})
	if st := rig.WaitFinal(t, rig.First, forge.DefaultApplyContext, 3*time.Minute); st.State != "success" {
		t.Fatalf("first apply: %+v", st)
	}

	// Pull requests, each its own branch off the first commit.
	heads := map[int]string{}
	for i := 1; i <= prs; i++ {
		branch := fmt.Sprintf("pr-%d", i)
		rig.Work.Branch(t, branch)
		rig.Work.Reset(t, rig.First)
		head := rig.Work.Commit(t, branch, map[string]string{fmt.Sprintf("specs/pr-%d.yaml", i): fmt.Sprintf(prVPC, i, 100+i)})
		rig.Work.Push(t)
		n := rig.Gitea.CreatePull(t, rig.Repo, branch, "main", branch)
		heads[n] = head
	}
	deadline := time.Now().Add(5 * time.Minute)
	for n, head := range heads {
		st := rig.WaitFinal(t, head, forge.DefaultPlanContext, time.Until(deadline))
		if st.State != "success" || !strings.HasPrefix(st.Description, "1 to create, 0 to update, 0 to destroy") {
			t.Errorf("PR #%d: plan status %s %q", n, st.State, st.Description)
		}
	}
	for n := range heads {
		marked := 0
		cs := rig.Gitea.Comments(t, rig.Repo, n)
		for _, c := range cs {
			if strings.Contains(c.Body, forge.PlanMarker) {
				marked++
			}
		}
		if marked != 1 || len(cs) != 1 {
			t.Errorf("PR #%d has %d comments, %d of them plans; want exactly one", n, len(cs), marked)
		}
	}
	perReplica := map[string]int{}
	for _, e := range rig.Deliveries.Entries() {
		f := strings.Fields(e)
		if f[1] == "pull_request" {
			perReplica[f[0]]++
		}
	}
	t.Logf("pull request deliveries per replica: %v", perReplica)
	if len(perReplica) != 2 {
		t.Fatalf("the deliveries did not reach both replicas: %v", perReplica)
	}

	// Kill the leader while it applies a slow commit; push another meanwhile.
	before := rig.Cloud.Calls()
	rig.Work.Branch(t, "main-work")
	rig.Work.Reset(t, rig.First)
	slow := rig.Work.Commit(t, "a node pool (slow)", map[string]string{"specs/s0000/extra.yaml": fmt.Sprintf(nodePool, "s0000-extra", 1)})
	pushMain(t, rig)
	leader := waitPending(t, rig, slow, 2*time.Minute)
	time.Sleep(1500 * time.Millisecond) // into the node pool's creation
	t.Logf("killing the leader %s during the apply of %s", leader.Name, slow[:12])
	rig.Kill(t, leader)
	next := rig.Work.Commit(t, "another node pool", map[string]string{"specs/s0000/more.yaml": fmt.Sprintf(nodePool, "s0000-more", 0)})
	pushMain(t, rig)

	for _, rev := range []string{slow, next} {
		st := rig.WaitFinal(t, rev, forge.DefaultApplyContext, 4*time.Minute)
		if st.State != "success" {
			t.Errorf("commit %s: apply status %s %q", rev[:12], st.State, st.Description)
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
	if rig.Leader() == nil {
		t.Error("no replica leads after the takeover")
	}
	rig.Restart(t, leader) // back as a standby; nothing more to do
}

// pushMain pushes the work tree's branch to main.
func pushMain(t *testing.T, rig *harness.ServeRig) {
	t.Helper()
	rig.Work.PushTo(t, "main")
}

// waitPending waits until rev has a pending apply status and returns the leader.
func waitPending(t *testing.T, rig *harness.ServeRig, rev string, budget time.Duration) *harness.Replica {
	t.Helper()
	deadline := time.Now().Add(budget)
	for time.Now().Before(deadline) {
		if state, _ := rig.ApplyState(t, rev); state == "pending" {
			if l := rig.Leader(); l != nil {
				return l
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no pending apply status on %s within %s", rev, budget)
	return nil
}
