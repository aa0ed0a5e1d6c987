package service

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
)

// Commands people write in a pull request comment, one per line.
const (
	// CommandPlan plans the pull request again.
	CommandPlan = "/tkeops plan"
	// CommandApprove approves the destructive steps of the pull request's
	// plan at its current head; it needs write access to the repository.
	CommandApprove = "/tkeops approve"
	// ApproveLabel, added to a pull request by someone with write access,
	// approves like CommandApprove.
	ApproveLabel = "tkeops/approve"
)

// labelApproval reports whether a pull request event is the approval label
// being added: GitHub's "labeled" names it; Gitea's "label_updated" and
// GitLab's "update" carry the labels after the change.
func labelApproval(ev forge.Event) bool {
	switch ev.Action {
	case "labeled":
		return ev.Label == ApproveLabel
	case "label_updated", "update":
		return slices.Contains(ev.Labels, ApproveLabel)
	}
	return false
}

// parseCommands returns the commands of a comment, in order. tkeops' own plan
// comment (which quotes them) has none.
func parseCommands(body string) []string {
	if strings.Contains(body, forge.PlanMarker) {
		return nil
	}
	var out []string
	for _, line := range strings.Split(body, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "/tkeops" {
			continue
		}
		switch cmd := f[0] + " " + f[1]; cmd {
		case CommandPlan, CommandApprove:
			out = append(out, cmd)
		}
	}
	return out
}

// StepKey names a step for approvals: "Kind/name action".
func StepKey(st plan.Step) string { return st.Addr.String() + " " + string(st.Action) }

// destructive lists the steps of p that delete or replace something and would
// run (a step a guard blocked is refused anyway, approved or not).
func destructive(p *plan.Plan) []string {
	var out []string
	for _, st := range p.Steps {
		if st.Action.IsDestructive() && st.Blocked == "" {
			k := StepKey(st)
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// approvedAll is the step of an approval given before the head was planned:
// every destructive step of that head.
const approvedAll = "*"

// approvals returns who approved the steps want at head of change, and the
// steps no approval covers.
func (s *Service) approvals(ctx context.Context, change int, head string, want []string) (by []string, missing []string, err error) {
	list, err := s.opts.Store.Approvals(ctx, change)
	if err != nil {
		return nil, nil, err
	}
	covered := map[string]bool{}
	for _, a := range list {
		if a.Head != head {
			continue
		}
		if !slices.Contains(by, a.By) {
			by = append(by, a.By)
		}
		for _, st := range a.Steps {
			covered[st] = true
		}
	}
	for _, st := range want {
		if !covered[st] && !covered[approvedAll] {
			missing = append(missing, st)
		}
	}
	return by, missing, nil
}

// mergedApprovals gathers the approvals of the pull requests merged as any of
// revs, for an apply of the branch: the approved steps and their approvers.
func (s *Service) mergedApprovals(ctx context.Context, revs []string) (steps map[string]bool, by []string, changes []int, err error) {
	steps = map[string]bool{}
	if s.opts.Forge == nil {
		return steps, nil, nil, nil
	}
	for _, rev := range revs {
		fctx, cancel := context.WithTimeout(ctx, statusTimeout)
		merged, err := s.opts.Forge.MergedAs(fctx, rev)
		cancel()
		if err != nil {
			return nil, nil, nil, err
		}
		for _, ch := range merged {
			changes = append(changes, ch.Number)
			list, err := s.opts.Store.Approvals(ctx, ch.Number)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, a := range list {
				if a.Head != ch.HeadSHA {
					continue
				}
				if !slices.Contains(by, a.By) {
					by = append(by, a.By)
				}
				for _, st := range a.Steps {
					steps[st] = true
				}
			}
		}
	}
	return steps, by, changes, nil
}

// runCommand carries out the commands of one comment.
func (s *Service) runCommand(ctx context.Context, t trigger) {
	for _, cmd := range parseCommands(t.comment.Body) {
		switch cmd {
		case CommandPlan:
			s.enqueue(trigger{kind: kindPlan, change: t.change, force: true, origin: "comment by " + t.comment.Author})
		case CommandApprove:
			s.approve(ctx, t)
		}
	}
}

// approve records an approval of the pull request's destructive steps at its
// current head, when the author may write to the repository (asked of the
// forge, never assumed), then plans again (open) or retries the branch's apply
// (merged, when the destroy waited for this approval).
func (s *Service) approve(ctx context.Context, t trigger) {
	log := s.log.With("change", t.change, "by", t.comment.Author)
	if s.opts.Forge == nil {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	ok, err := s.opts.Forge.CanWrite(fctx, t.comment.Author)
	if err != nil {
		log.Warn("forge: check write access for an approval", "error", err)
		s.note(t.change, fmt.Sprintf("`%s` from @%s could not be checked (%v); comment again", CommandApprove, t.comment.Author, err))
		s.enqueue(trigger{kind: kindPlan, change: t.change, force: true, origin: "approval check failed"})
		return
	}
	if !ok {
		log.Warn("approval refused: no write access")
		s.note(t.change, fmt.Sprintf("`%s` from @%s was ignored: approving needs write access to the repository", CommandApprove, t.comment.Author))
		s.enqueue(trigger{kind: kindPlan, change: t.change, force: true, origin: "approval refused"})
		return
	}
	ch, err := s.opts.Forge.Change(fctx, t.change)
	if err != nil {
		log.Warn("forge: read the pull request for an approval", "error", err)
		return
	}
	steps := s.plannedDestructive(ctx, t.change, ch.HeadSHA)
	a := runstore.Approval{Change: t.change, Head: ch.HeadSHA, By: t.comment.Author, Steps: steps, At: time.Now().UTC(), CommentID: t.comment.ID}
	if err := s.opts.Store.PutApproval(ctx, a); err != nil {
		log.Error("run store: record approval", "error", err)
		return
	}
	log.Info("destructive steps approved", "head", short(ch.HeadSHA), "steps", steps)
	if ch.State == forge.ChangeMerged {
		s.mu.Lock()
		s.last = attempt{} // the branch's apply waited for this: run it again
		s.mu.Unlock()
		s.enqueue(trigger{kind: kindSync, origin: "approval by " + t.comment.Author})
		return
	}
	s.enqueue(trigger{kind: kindPlan, change: t.change, force: true, origin: "approval by " + t.comment.Author})
}

// plannedDestructive is the destructive steps of the newest plan of change at
// head, or "every one" when it was not planned there yet.
func (s *Service) plannedDestructive(ctx context.Context, change int, head string) []string {
	runs, err := s.opts.Store.List(ctx, runstore.Filter{Kind: runstore.KindPlan, Change: change, Limit: 20})
	if err != nil {
		return []string{approvedAll}
	}
	for _, r := range runs {
		if r.Revision != head || !r.State.Done() {
			continue
		}
		b, err := s.opts.Store.Artifact(ctx, r.ID, runstore.ArtifactPlanJSON)
		if err != nil {
			break
		}
		p, err := plan.Decode(bytes.NewReader(b))
		if err != nil {
			break
		}
		return destructive(p)
	}
	return []string{approvedAll}
}

func (s *Service) note(change int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes[change] = append(s.notes[change], text)
}

func (s *Service) takeNotes(change int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.notes[change]
	delete(s.notes, change)
	return n
}
