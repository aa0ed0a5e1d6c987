package workflow

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/gitea"
)

const vpc = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: %s
spec:
  region: ap-guangzhou
  cidrBlock: %s
`

func success(s harness.Status) bool { return s.State == "success" }

func TestPullRequestWorkflow(t *testing.T) {
	bin := harness.Binary(t)
	rig := harness.StartServeRig(t, bin, harness.ServeRigOptions{Stacks: 1, PollInterval: "2s",
		Timing: emulator.Timing{ClusterCreate: time.Second, NodePoolCreate: time.Second, NodeJoin: 500 * time.Millisecond}})
	if st := rig.WaitFinal(t, rig.First, forge.DefaultApplyContext, 3*time.Minute); st.State != "success" {
		t.Fatalf("first apply: %+v", st)
	}
	main := rig.First
	pushMain := func(msg string, files map[string]string) string {
		t.Helper()
		rig.Work.Branch(t, "main-"+strconv.FormatInt(time.Now().UnixNano(), 36))
		rig.Work.Reset(t, main)
		main = rig.Work.Commit(t, msg, files)
		rig.Work.PushTo(t, "main")
		if st := rig.WaitFinal(t, main, forge.DefaultApplyContext, 3*time.Minute); st.State != "success" {
			t.Fatalf("apply of %q: %+v", msg, st)
		}
		return main
	}
	openPR := func(branch string, files map[string]string) (int, string) {
		t.Helper()
		rig.Work.Branch(t, branch)
		rig.Work.Reset(t, main)
		head := rig.Work.Commit(t, branch, files)
		rig.Work.Push(t)
		return rig.Gitea.CreatePull(t, rig.Repo, branch, "main", branch), head
	}

	t.Run("PlanRemadeOnTheMergeWhenMainMoves", func(t *testing.T) {
		// The PR is branched before main gains a VPC: planned on its own head
		// it would delete the VPC main created.
		n, head := openPR("add-vpc", map[string]string{"specs/extra-vpc.yaml": fmt.Sprintf(vpc, "extra", "10.200.0.0/20")})
		st := rig.WaitFinal(t, head, forge.DefaultPlanContext, 2*time.Minute)
		if st.State != "success" || !strings.HasPrefix(st.Description, "1 to create, 0 to update, 0 to destroy") {
			t.Fatalf("first plan: %+v", st)
		}
		moved := pushMain("main gains a VPC", map[string]string{"specs/late.yaml": fmt.Sprintf(vpc, "late", "10.202.0.0/20")})
		// Re-planned on the new merge result: the comment names the new base, and
		// nothing is destroyed.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			cs := rig.Gitea.Comments(t, rig.Repo, n)
			if len(cs) == 1 && strings.Contains(cs[0].Body, "at `"+moved[:12]+"`") {
				if !strings.Contains(cs[0].Body, "1 to create, 0 to update, 0 to destroy") || strings.Contains(cs[0].Body, "VPC/late will be") {
					t.Fatalf("the re-plan on the new base still touches the pool main gained:\n%s", cs[0].Body)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("PR #%d not re-planned on %s; comments: %+v", n, moved[:12], cs)
			}
			time.Sleep(500 * time.Millisecond)
		}
		if st := rig.WaitFinal(t, head, forge.DefaultPlanContext, time.Minute); st.State != "success" || strings.Contains(st.Description, "to destroy") && !strings.Contains(st.Description, "0 to destroy") {
			t.Fatalf("plan status after main moved: %+v", st)
		}
	})

	t.Run("DeliveryOfAnotherRepositoryIsIgnored", func(t *testing.T) {
		before, err := rig.Metrics(t.Context(), `tkeops_webhook_deliveries_total{forge="gitea",result="ignored"}`)
		if err != nil {
			t.Fatal(err)
		}
		other := rig.Gitea.CreateRepo(t, "other")
		rig.Gitea.AddWebhook(t, other, rig.URL+"/hooks/gitea", rig.WebhookSecret)
		w := rig.Gitea.Clone(t, other)
		rev := w.Commit(t, "other's specs", map[string]string{"specs/vpc.yaml": fmt.Sprintf(vpc, "other", "10.201.0.0/20")})
		w.Push(t)
		deadline := time.Now().Add(time.Minute)
		for {
			after, err := rig.Metrics(t.Context(), `tkeops_webhook_deliveries_total{forge="gitea",result="ignored"}`)
			if err != nil {
				t.Fatal(err)
			}
			k := `tkeops_webhook_deliveries_total{forge="gitea",result="ignored"}`
			if after[k] > before[k] {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the other repository's push was not answered as ignored")
			}
			time.Sleep(300 * time.Millisecond)
		}
		time.Sleep(3 * time.Second) // a poll later: still nothing on the other repository
		if st := rig.Gitea.Statuses(t, other, rev); len(st) != 0 {
			t.Fatalf("tkeops posted on another repository's commit: %+v", st)
		}
	})

	t.Run("ReplayAfterRestartIsRefused", func(t *testing.T) {
		body := rig.PushPayload(main)
		sig := harness.Sign([]byte(rig.WebhookSecret), body)
		if code, b := rig.Deliver(t, body, sig, "before-restart"); code != http.StatusAccepted {
			t.Fatalf("first delivery: %d %s", code, b)
		}
		rig.KillServe(t)
		if code, b := rig.Deliver(t, body, sig, "after-restart"); code != http.StatusConflict {
			t.Fatalf("the same payload after a restart (new delivery ID): %d %s, want 409", code, b)
		}
	})

	t.Run("DestroyNeedsApprovalFromAWriter", func(t *testing.T) {
		n, head := openPR("drop-vpc", map[string]string{"specs/late.yaml": ""})
		st := rig.WaitFinal(t, head, forge.DefaultPlanContext, 2*time.Minute)
		if st.State != "failure" || !strings.Contains(st.Description, "need approval") {
			t.Fatalf("a destroy without approval: %+v", st)
		}
		comment := func(token, body string) {
			path := "/api/v1/repos/" + rig.Repo.FullName() + "/issues/" + strconv.Itoa(n) + "/comments"
			if token == "" {
				rig.Gitea.API(t, http.MethodPost, path, map[string]string{"body": body}, nil)
			} else {
				rig.Gitea.APIAs(t, token, http.MethodPost, path, map[string]string{"body": body}, nil)
			}
		}
		// Someone who may read but not write: ignored, and the plan comment says so.
		outsider := rig.Gitea.CreateUser(t, "outsider")
		rig.Gitea.API(t, http.MethodPut, "/api/v1/repos/"+rig.Repo.FullName()+"/collaborators/outsider", map[string]string{"permission": "read"}, nil)
		comment(outsider, "/tkeops approve")
		waitComment(t, rig, n, "@outsider was ignored")
		if st := rig.WaitFinal(t, head, forge.DefaultPlanContext, time.Minute); st.State != "failure" {
			t.Fatalf("after an outsider's approval: %+v", st)
		}
		// The repository's owner approves.
		comment("", "/tkeops approve")
		st = rig.WaitStatus(t, head, forge.DefaultPlanContext, 2*time.Minute, success)
		if !strings.Contains(st.Description, "approved by @"+gitea.AdminUser) {
			t.Fatalf("after the owner's approval: %+v", st)
		}
		var merged struct {
			MergeCommitSHA string `json:"merge_commit_sha"`
		}
		rig.Gitea.API(t, http.MethodPost, "/api/v1/repos/"+rig.Repo.FullName()+"/pulls/"+strconv.Itoa(n)+"/merge",
			map[string]any{"Do": "merge"}, nil)
		rig.Gitea.API(t, http.MethodGet, "/api/v1/repos/"+rig.Repo.FullName()+"/pulls/"+strconv.Itoa(n), nil, &merged)
		st = rig.WaitFinal(t, merged.MergeCommitSHA, forge.DefaultApplyContext, 3*time.Minute)
		if st.State != "success" || !strings.Contains(st.Description, "1 destroyed") {
			t.Fatalf("the merged, approved destroy: %+v", st)
		}
		if calls := rig.Cloud.Calls(); calls["vpc.DeleteVpc"] != 1 {
			t.Fatalf("DeleteVpc called %d times", calls["vpc.DeleteVpc"])
		}
	})
}

func waitComment(t *testing.T, rig *harness.ServeRig, n int, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		for _, c := range rig.Gitea.Comments(t, rig.Repo, n) {
			if strings.Contains(c.Body, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no comment on #%d says %q: %+v", n, want, rig.Gitea.Comments(t, rig.Repo, n))
		}
		time.Sleep(300 * time.Millisecond)
	}
}
