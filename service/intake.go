package service

import (
	"context"
	"strconv"
	"strings"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/runstore"
)

// Results of Receive, the label values of tkeops_webhook_deliveries_total
// together with the server's own (bad_signature, too_large, bad_request).
const (
	ReceiptAccepted = "accepted"
	ReceiptIgnored  = "ignored"
	ReceiptReplayed = "replayed"
	ReceiptError    = "error"
)

// Receive takes a verified webhook delivery on any replica: it checks that the
// delivery is about the configured repository and something the service acts
// on, and records it in the shared store, where the leader picks it up (at
// once when this replica leads; through the store's watch otherwise). A payload
// already recorded within the replay window, by any replica or before a
// restart, is a replay. err is set only when the store could not record it:
// answer 5xx so the forge may deliver it again.
func (s *Service) Receive(ctx context.Context, ev forge.Event) (result, detail string, err error) {
	if ev.Kind == forge.EventPing {
		return ReceiptAccepted, "pong", nil
	}
	if why := s.foreign(ev); why != "" {
		return ReceiptIgnored, why, nil
	}
	what, why := s.relevant(ev)
	if why != "" {
		return ReceiptIgnored, why, nil
	}
	key := ev.Digest
	if key == "" {
		key = ev.Forge + "-" + ev.DeliveryID
	}
	fresh, err := s.opts.Store.RecordDelivery(ctx, runstore.Delivery{Key: key, Event: ev, By: s.opts.Identity})
	if err != nil {
		return ReceiptError, "could not record the delivery; deliver it again", err
	}
	if !fresh {
		return ReceiptReplayed, "this payload was already received (delivery " + ev.DeliveryID + ")", nil
	}
	return ReceiptAccepted, what, nil
}

// foreign says why a delivery about another repository is ignored, or "". One
// webhook secret is often shared by an organisation's repositories: a valid
// signature does not make the repository ours.
func (s *Service) foreign(ev forge.Event) string {
	want := strings.Trim(s.opts.Repo, "/")
	if want == "" {
		return ""
	}
	if ev.ProjectID != 0 && want == strconv.FormatInt(ev.ProjectID, 10) {
		return ""
	}
	if strings.EqualFold(ev.Repo, want) {
		return ""
	}
	return "delivery for repository " + strconv.Quote(ev.Repo) + ", not " + strconv.Quote(want) + " which this instance tracks"
}

// relevant says what the service will do with an event, or why it ignores it.
func (s *Service) relevant(ev forge.Event) (what, ignored string) {
	switch ev.Kind {
	case forge.EventPush:
		if ev.Ref != s.branchRef() {
			return "", "push to " + ev.Ref + ", not the tracked branch " + s.opts.Branch
		}
		if ev.Deleted {
			return "", "push deleted " + ev.Ref
		}
		return "sync queued", ""
	case forge.EventPullRequest:
		if ev.Ref != "" && ev.Ref != s.branchRef() {
			return "", "pull request into " + ev.Ref + ", not the tracked branch " + s.opts.Branch
		}
		if ev.Change <= 0 {
			return "", "pull request event without a number"
		}
		if labelApproval(ev) {
			return "approval by label queued", ""
		}
		switch ev.Action {
		case forge.ActionOpened, forge.ActionReopened, forge.ActionSynchronize, "edited", "ready_for_review", "update":
			return "plan queued", ""
		case forge.ActionMerged:
			return "merged: sync queued", ""
		case forge.ActionClosed:
			return "closed: forgotten", ""
		}
		return "", "pull request action " + ev.Action + " needs no plan"
	case forge.EventComment:
		if ev.Action != "created" {
			return "", "comment " + ev.Action + ": only new comments carry commands"
		}
		if len(parseCommands(ev.Comment.Body)) == 0 {
			return "", "comment without a tkeops command"
		}
		return "command queued", ""
	}
	return "", "event kind " + string(ev.Kind) + " is not used"
}

// drainDeliveries hands the recorded deliveries to the loop, oldest first, and
// marks each done once its trigger is queued. A leader that dies after that
// loses nothing: the next one polls the branch and the open pull requests.
func (s *Service) drainDeliveries(ctx context.Context) {
	pending, err := s.opts.Store.PendingDeliveries(ctx)
	if err != nil {
		s.log.Warn("run store: pending deliveries", "error", err)
		return
	}
	for _, d := range pending {
		s.route(d.Event)
		if err := s.opts.Store.DoneDelivery(ctx, d.Key); err != nil {
			s.log.Warn("run store: mark delivery done", "delivery", d.Event.DeliveryID, "error", err)
		}
	}
}

// route turns a recorded event into triggers.
func (s *Service) route(ev forge.Event) {
	origin := "webhook"
	if ev.Forge != "" {
		origin = "webhook:" + ev.Forge
	}
	switch ev.Kind {
	case forge.EventPush:
		s.enqueue(trigger{kind: kindSync, origin: origin})
	case forge.EventPullRequest:
		if labelApproval(ev) {
			// The label's sender is the approver, checked like a comment's author.
			s.enqueue(trigger{kind: kindCommand, change: ev.Change, origin: origin + " label",
				comment: forge.Comment{Author: ev.Sender, Body: CommandApprove}})
			if ev.Action != "update" {
				return
			}
		}
		switch ev.Action {
		case forge.ActionClosed, forge.ActionMerged:
			s.mu.Lock()
			delete(s.planned, ev.Change)
			delete(s.changes, ev.Change)
			s.mu.Unlock()
			if ev.Merged || ev.Action == forge.ActionMerged {
				// The push to the branch triggers the same sync; it coalesces. An
				// apply that did not succeed runs again: the forge may have linked
				// the merge commit to this pull request (and its approvals) only now.
				s.mu.Lock()
				if !s.last.ok {
					s.last = attempt{}
				}
				s.mu.Unlock()
				s.enqueue(trigger{kind: kindSync, origin: origin})
			}
		default:
			info := forge.Change{Number: ev.Change, State: forge.ChangeOpen, HeadSHA: ev.Revision, HeadRef: ev.HeadRef,
				BaseRef: ev.Ref, PullRef: ev.PullRef, Fork: ev.Fork, Author: ev.Sender}
			s.mu.Lock()
			s.changes[ev.Change] = info
			s.mu.Unlock()
			s.enqueue(trigger{kind: kindPlan, change: ev.Change, rev: ev.Revision, ref: ev.PullRef, info: &info, origin: origin})
		}
	case forge.EventComment:
		s.enqueue(trigger{kind: kindCommand, change: ev.Change, comment: ev.Comment, origin: origin})
	}
}

// HandleEvent routes an event without recording it: for a single process that
// is its own leader and has nothing to share (tests, the demo).
func (s *Service) HandleEvent(ev forge.Event) (accepted bool, reason string) {
	if ev.Kind == forge.EventPing {
		return true, "pong"
	}
	what, why := s.relevant(ev)
	if why != "" {
		return false, why
	}
	s.route(ev)
	return true, what
}
