package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/server"
	"github.com/tkeops/tkeops/service"
	"github.com/tkeops/tkeops/service/config"
	"github.com/tkeops/tkeops/service/leader"
)

// shard is one part of the repository (config.Shard) with its own run store and
// loop; the whole repository when the configuration names no shards.
type shard struct {
	cfg   config.Shard
	store runstore.Store
	svc   *service.Service
}

// runIDSeparator joins a shard's name and a run ID of its store in the IDs the
// server shows ("prod.12"); shard names have no dot.
const runIDSeparator = "."

// newShards builds a loop per configured shard.
func (a *App) newShards(secrets config.Secrets, deps Deps, fc forge.Client, notifier func(context.Context, service.Notice)) error {
	for _, sh := range a.cfg.Shards {
		part, err := a.newPart(secrets, deps, fc, notifier, sh)
		if err != nil {
			return fmt.Errorf("shard %s: %w", sh.Name, err)
		}
		a.shards = append(a.shards, part)
	}
	return nil
}

// shardContexts suffixes the status contexts with the shard's name: each
// shard's statuses stand on their own on a commit.
func shardContexts(c forge.Contexts, name string) forge.Contexts {
	c = c.WithDefaults()
	return forge.Contexts{Plan: c.Plan + "/" + name, Apply: c.Apply + "/" + name, Drift: c.Drift + "/" + name}
}

// runShards runs the loop of every shard this replica holds the lease of
// (every shard, without leader election).
func (a *App) runShards(ctx context.Context) error {
	byName := map[string]*shard{}
	names := make([]string, len(a.shards))
	for i, sh := range a.shards {
		byName[sh.cfg.Name], names[i] = sh, sh.cfg.Name
	}
	run := func(ctx context.Context, name string) {
		if err := a.lead(ctx, byName[name].svc); err != nil {
			a.log.Error("gitops loop", "shard", name, "error", err)
		}
	}
	le := a.cfg.LeaderElection
	var wg sync.WaitGroup
	defer wg.Wait()
	if !le.Enabled {
		if a.pulls != nil {
			wg.Go(func() { a.pulls.run(ctx) })
		}
		for _, n := range names {
			wg.Go(func() { run(ctx, n) })
		}
		return nil
	}
	rc, err := leader.RESTConfig(le.Kubeconfig)
	if err != nil {
		return err
	}
	opts := leader.Options{
		Config: rc, Namespace: le.Namespace, Name: le.Name, Identity: le.Identity,
		LeaseDuration: time.Duration(le.LeaseDuration), RenewDeadline: time.Duration(le.RenewDeadline),
		RetryPeriod: time.Duration(le.RetryPeriod), Logger: a.log.With("component", "leader"),
	}
	if a.pulls != nil {
		// One replica writes the combined plan comments: the holder of the
		// "pulls" Lease.
		popts := opts
		popts.Name = le.Name + "-pulls"
		wg.Go(func() {
			if err := leader.Run(ctx, popts, a.pulls.run); err != nil {
				a.log.Error("plan comments", "error", err)
			}
		})
	}
	return leader.RunShards(ctx, opts, names, run)
}

// shardLoops is the server's view of the shards' loops: a webhook delivery is
// recorded in every shard's store (each shard acts on it for its own part),
// and the state sums theirs.
type shardLoops []*shard

func (l shardLoops) Receive(ctx context.Context, ev forge.Event) (result, detail string, err error) {
	results := map[string]int{}
	var details []string
	var errs []error
	for _, sh := range l {
		r, d, err := sh.svc.Receive(ctx, ev)
		results[r]++
		if err != nil {
			errs = append(errs, fmt.Errorf("shard %s: %w", sh.cfg.Name, err))
		}
		if !slices.Contains(details, d) {
			details = append(details, d)
		}
	}
	detail = strings.Join(details, "; ")
	switch {
	case len(errs) > 0:
		// The forge delivers again; the shards that recorded it call it a replay.
		return service.ReceiptError, detail, errors.Join(errs...)
	case results[service.ReceiptAccepted] > 0:
		return service.ReceiptAccepted, detail, nil
	case results[service.ReceiptReplayed] > 0:
		return service.ReceiptReplayed, detail, nil
	}
	return service.ReceiptIgnored, detail, nil
}

func (l shardLoops) State() service.LoopState {
	var st service.LoopState
	for i, sh := range l {
		s := sh.svc.State()
		st.Running = st.Running || s.Running
		st.Queued += s.Queued
		if i == 0 || s.LastPoll.After(st.LastPoll) {
			st.LastPoll, st.Head, st.LastGood = s.LastPoll, s.Head, s.LastGood
		}
		if s.LastPollError != "" {
			st.LastPollError = sh.cfg.Name + ": " + s.LastPollError
		}
		if s.LastApplied != "" {
			st.LastApplied = s.LastApplied
		}
		if st.NextPoll.IsZero() || (!s.NextPoll.IsZero() && s.NextPoll.Before(st.NextPoll)) {
			st.NextPoll = s.NextPoll
		}
		if st.NextDrift.IsZero() || (!s.NextDrift.IsZero() && s.NextDrift.Before(st.NextDrift)) {
			st.NextDrift = s.NextDrift
		}
		st.OpenChanges = max(st.OpenChanges, s.OpenChanges)
	}
	return st
}

var _ server.Loop = shardLoops(nil)

// shardRuns is the run history of every shard as one: IDs are the shard's
// name, a dot and the ID in its store; lists are merged newest first.
type shardRuns []*shard

var _ server.Runs = shardRuns(nil)

func (r shardRuns) split(id string) (*shard, string, error) {
	name, n, ok := strings.Cut(id, runIDSeparator)
	if ok {
		for _, sh := range r {
			if sh.cfg.Name == name {
				return sh, n, nil
			}
		}
	}
	return nil, "", fmt.Errorf("run %q: %w", id, runstore.ErrNotFound)
}

func prefixed(sh *shard, run runstore.Run) runstore.Run {
	run.ID = sh.cfg.Name + runIDSeparator + run.ID
	return run
}

func (r shardRuns) Get(ctx context.Context, id string) (runstore.Run, error) {
	sh, n, err := r.split(id)
	if err != nil {
		return runstore.Run{}, err
	}
	run, err := sh.store.Get(ctx, n)
	if err != nil {
		return run, err
	}
	return prefixed(sh, run), nil
}

func (r shardRuns) Artifact(ctx context.Context, id, name string) ([]byte, error) {
	sh, n, err := r.split(id)
	if err != nil {
		return nil, err
	}
	return sh.store.Artifact(ctx, n, name)
}

func (r shardRuns) List(ctx context.Context, f runstore.Filter) ([]runstore.Run, error) {
	var before time.Time
	if f.Before != "" {
		run, err := r.Get(ctx, f.Before)
		if err != nil {
			return nil, err
		}
		before, f.Before = run.StartedAt, ""
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	limit := f.Limit
	if !before.IsZero() {
		// Each store lists newest first, the cursor's time cuts the merged list:
		// ask for as many as a store keeps by default.
		f.Limit = max(limit, 1000)
	}
	var all []runstore.Run
	for _, sh := range r {
		list, err := sh.store.List(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", sh.cfg.Name, err)
		}
		for _, run := range list {
			if before.IsZero() || run.StartedAt.Before(before) {
				all = append(all, prefixed(sh, run))
			}
		}
	}
	slices.SortStableFunc(all, func(a, b runstore.Run) int { return b.StartedAt.Compare(a.StartedAt) })
	return all[:min(len(all), limit)], nil
}

func (r shardRuns) Latest(ctx context.Context, kind runstore.Kind) (runstore.Run, error) {
	var newest runstore.Run
	found := false
	for _, sh := range r {
		run, err := sh.store.Latest(ctx, kind)
		if errors.Is(err, runstore.ErrNotFound) {
			continue
		}
		if err != nil {
			return runstore.Run{}, fmt.Errorf("shard %s: %w", sh.cfg.Name, err)
		}
		if !found || cmp.Compare(run.StartedAt.UnixNano(), newest.StartedAt.UnixNano()) > 0 {
			newest, found = prefixed(sh, run), true
		}
	}
	if !found {
		return runstore.Run{}, fmt.Errorf("no %s run: %w", kind, runstore.ErrNotFound)
	}
	return newest, nil
}
