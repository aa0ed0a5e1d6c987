// Package notify tells other systems about runs beyond commit statuses: a
// generic JSON webhook and Slack-compatible incoming webhooks (Slack, and the
// chat tools that accept its {"text", "blocks"} payload), for apply results and
// drift reports, as Flux's notification-controller does.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

// Kinds of sink.
const (
	Webhook = "webhook"
	Slack   = "slack"
)

// Sink is one destination.
type Sink struct {
	// Kind is Webhook or Slack.
	Kind string
	// URL receives the POST; a secret (a Slack webhook URL is a credential).
	URL secret.Value
	// Kinds of run to tell about (apply, drift); both when empty.
	Runs []runstore.Kind
	// FailuresOnly skips runs that succeeded (drift found counts as a failure).
	FailuresOnly bool
}

// Notifier sends notices to its sinks, each in the background, with a few
// retries; it never blocks the loop.
type Notifier struct {
	sinks  []Sink
	client *http.Client
	log    *slog.Logger
	wg     sync.WaitGroup
	// backoff is the wait before the second attempt, doubled before the third.
	backoff time.Duration
}

// New checks the sinks.
func New(sinks []Sink, log *slog.Logger) (*Notifier, error) {
	for i, s := range sinks {
		if s.Kind != Webhook && s.Kind != Slack {
			return nil, fmt.Errorf("notification %d: kind %q: want webhook or slack", i, s.Kind)
		}
		if s.URL == "" {
			return nil, fmt.Errorf("notification %d: no url", i)
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{sinks: sinks, client: &http.Client{Timeout: 10 * time.Second}, log: log, backoff: 2 * time.Second}, nil
}

// Notify implements service.Options.Notify.
func (n *Notifier) Notify(ctx context.Context, notice service.Notice) {
	for i, s := range n.sinks {
		if !s.wants(notice.Run) {
			continue
		}
		body, err := payload(s.Kind, notice)
		if err != nil {
			n.log.Error("notification: encode", "sink", i, "error", err)
			continue
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.send(context.WithoutCancel(ctx), i, s, body)
		}()
	}
}

// Wait waits for the notices in flight (shutdown, tests).
func (n *Notifier) Wait() { n.wg.Wait() }

func (s Sink) wants(r runstore.Run) bool {
	if len(s.Runs) > 0 && !slices.Contains(s.Runs, r.Kind) {
		return false
	}
	if r.Kind == runstore.KindPlan {
		return false
	}
	return !s.FailuresOnly || failed(r)
}

func failed(r runstore.Run) bool {
	switch r.Result {
	case runstore.ResultSucceeded, runstore.ResultCorrected, "":
		return false
	}
	return true
}

// send posts body with up to three attempts; the URL is never logged.
func (n *Notifier) send(ctx context.Context, i int, s Sink, body []byte) {
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * n.backoff)
		}
		if err = n.post(ctx, s, body); err == nil {
			return
		}
	}
	n.log.Warn("notification not delivered", "sink", i, "kind", s.Kind, "error", err)
}

func (n *Notifier) post(ctx context.Context, s Sink, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, string(s.URL), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad url") // the error would print the URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tkeops")
	resp, err := n.client.Do(req)
	if err != nil {
		return fmt.Errorf("post: %s", redact(err.Error(), string(s.URL)))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answer HTTP %d", resp.StatusCode)
	}
	return nil
}

func redact(msg, url string) string { return strings.ReplaceAll(msg, url, secret.Redacted) }

// Event is the generic webhook's payload.
type Event struct {
	Kind      runstore.Kind    `json:"kind"`
	Result    string           `json:"result"`
	Summary   string           `json:"summary,omitempty"`
	Error     string           `json:"error,omitempty"`
	Revision  string           `json:"revision,omitempty"`
	Covers    []string         `json:"covers,omitempty"`
	Drifted   []string         `json:"drifted,omitempty"`
	Done      *runstore.Counts `json:"done,omitempty"`
	Approval  string           `json:"approval,omitempty"`
	RunURL    string           `json:"runURL,omitempty"`
	CommitURL string           `json:"commitURL,omitempty"`
	Started   time.Time        `json:"startedAt"`
	Finished  time.Time        `json:"finishedAt"`
}

func payload(kind string, n service.Notice) ([]byte, error) {
	r := n.Run
	if kind == Webhook {
		return json.Marshal(Event{Kind: r.Kind, Result: r.Result, Summary: r.Summary, Error: r.Error, Revision: r.Revision,
			Covers: r.Covers, Drifted: r.Drifted, Done: r.Done, Approval: r.Approval, RunURL: n.URL, CommitURL: n.CommitURL,
			Started: r.StartedAt, Finished: r.FinishedAt})
	}
	icon := ":white_check_mark:"
	if failed(r) {
		icon = ":x:"
	}
	if r.Result == runstore.ResultDrift {
		icon = ":warning:"
	}
	commit := "`" + short(r.Revision) + "`"
	if n.CommitURL != "" {
		commit = "<" + n.CommitURL + "|" + short(r.Revision) + ">"
	}
	title := fmt.Sprintf("%s tkeops %s %s on %s", icon, r.Kind, r.Result, commit)
	text := title
	if r.Summary != "" {
		text += ": " + r.Summary
	}
	var b strings.Builder
	b.WriteString("*" + title + "*")
	if r.Summary != "" {
		b.WriteString("\n" + r.Summary)
	}
	if r.Error != "" && r.Error != r.Summary {
		b.WriteString("\n> " + r.Error)
	}
	if len(r.Drifted) > 0 {
		b.WriteString("\nDrifted: `" + strings.Join(r.Drifted, "`, `") + "`")
	}
	if n.URL != "" {
		b.WriteString("\n<" + n.URL + "|Run " + r.ID + ">")
	}
	return json.Marshal(map[string]any{
		"text": text,
		"blocks": []map[string]any{
			{"type": "section", "text": map[string]string{"type": "mrkdwn", "text": b.String()}},
		},
	})
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
