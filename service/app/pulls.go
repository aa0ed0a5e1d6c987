package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

// maxCombinedComment keeps the combined comment under GitHub's 65,536
// characters; each shard's section gets an equal part of it.
const maxCombinedComment = 60000

// pullComments keeps ONE plan comment on each open pull request of a sharded
// repository: each shard's loop plans the pull request for its part (statuses
// CONTEXT/NAME, approvals in its store) and stores the comment it would have
// posted as the run's service.ArtifactComment; the replica holding the "pulls"
// Lease reads the newest of each shard from the shared run stores and writes
// them, a section each, into the one comment. Only that replica writes
// comments, so two replicas never overwrite each other's sections.
type pullComments struct {
	shards   []*shard
	forge    forge.Client
	branch   string
	interval time.Duration
	log      *slog.Logger
	// posted is the body last written on each pull request; read caches the
	// sections read in this pass, prev those of the previous, by shard and run ID.
	posted     map[int]string
	read, prev map[string]string
}

func newPullComments(shards []*shard, fc forge.Client, branch string, interval time.Duration, log *slog.Logger) *pullComments {
	return &pullComments{shards: shards, forge: fc, branch: branch, interval: interval, log: log,
		posted: map[int]string{}, read: map[string]string{}}
}

// run writes the combined comments every interval until ctx ends.
func (p *pullComments) run(ctx context.Context) {
	p.log.Info("writing the combined plan comments", "interval", p.interval)
	clear(p.posted) // another replica may have written since this one last did
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	for {
		p.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// once brings the comment of every open pull request up to date.
func (p *pullComments) once(ctx context.Context) {
	open, err := p.forge.OpenChanges(ctx)
	if err != nil {
		p.log.Warn("forge: list open pull requests", "error", err)
		return
	}
	want := map[int]bool{}
	for _, ch := range open {
		if ch.BaseRef == "refs/heads/"+p.branch {
			want[ch.Number] = true
		}
	}
	sections := map[int][]string{} // change → a section per shard, in order
	// What this pass reads is kept for the next; sections of runs no longer
	// listed are forgotten.
	p.prev, p.read = p.read, map[string]string{}
	for i, sh := range p.shards {
		runs, err := sh.store.List(ctx, runstore.Filter{Kind: runstore.KindPlan, Limit: 100})
		if err != nil {
			p.log.Warn("run store: list plans", "shard", sh.cfg.Name, "error", err)
			p.read = p.prev
			return
		}
		for _, r := range runs { // newest first
			if !want[r.Change] || len(sections[r.Change]) > i {
				continue
			}
			body, ok := p.section(ctx, sh, r.ID)
			if !ok {
				continue
			}
			for len(sections[r.Change]) < i {
				sections[r.Change] = append(sections[r.Change], "")
			}
			sections[r.Change] = append(sections[r.Change], body)
		}
	}
	for n := range want {
		if len(sections[n]) == 0 {
			continue
		}
		body := combine(p.shards, sections[n])
		if p.posted[n] == body {
			continue
		}
		if err := p.forge.UpsertComment(ctx, n, forge.PlanMarker, body); err != nil {
			p.log.Warn("forge: upsert the combined plan comment", "change", n, "error", err)
			continue
		}
		p.posted[n] = body
	}
	for n := range p.posted {
		if !want[n] {
			delete(p.posted, n)
		}
	}
}

// section is the stored comment of a shard's run; ok is false when the run
// stored none (yet).
func (p *pullComments) section(ctx context.Context, sh *shard, id string) (string, bool) {
	key := sh.cfg.Name + runIDSeparator + id
	if b, ok := p.read[key]; ok {
		return b, true
	}
	if b, ok := p.prev[key]; ok {
		p.read[key] = b
		return b, true
	}
	b, err := sh.store.Artifact(ctx, id, service.ArtifactComment)
	if err != nil {
		if !errors.Is(err, runstore.ErrNotFound) {
			p.log.Warn("run store: read a plan comment", "shard", sh.cfg.Name, "run", id, "error", err)
		}
		return "", false
	}
	p.read[key] = string(b)
	return string(b), true
}

// combine makes the one comment of a pull request: a section per shard (its
// loop's comment without the marker and the commands' footer, which comes
// once at the end), "planning" for a shard that has not planned it yet.
func combine(shards []*shard, sections []string) string {
	var b strings.Builder
	b.WriteString(forge.PlanMarker + "\n## tkeops plan, one section per shard\n\n")
	footer := ""
	budget := maxCombinedComment / len(shards)
	for i, sh := range shards {
		b.WriteString("---\n#### Shard `" + sh.cfg.Name + "` (`" + sh.cfg.Path + "`, owner `" + sh.cfg.Owner + "`)\n\n")
		s := ""
		if i < len(sections) {
			s = sections[i]
		}
		if s == "" {
			b.WriteString("Planning…\n\n")
			continue
		}
		s = strings.TrimPrefix(strings.TrimPrefix(s, forge.PlanMarker), "\n")
		if j := strings.Index(s, "\n---\nCommands"); j >= 0 {
			footer, s = s[j:], s[:j]
		}
		if len(s) > budget {
			cut := max(strings.LastIndexByte(s[:budget], '\n'), 0)
			s = s[:cut] + "\n\n… cut to fit one comment; the full plan is on the run page.\n"
		}
		b.WriteString(s + "\n\n")
	}
	b.WriteString(footer)
	return b.String()
}
