package forge

import (
	"context"
	"log/slog"
)

// The log forge: a repository without a forge (a plain git remote, a local
// repository). Statuses and comments go to the log, reads find nothing, and
// there are no webhooks: changes are seen by polling.

var logDriver = driver{newClient: func(opts Options) (Client, error) { return logClient{log: opts.Logger}, nil }, local: true}

type logClient struct{ log *slog.Logger }

func (c logClient) SetStatus(_ context.Context, s Status) error {
	c.log.Info("commit status", "revision", s.Revision, "context", s.Context, "state", string(s.State),
		"description", s.Description, "targetURL", s.TargetURL)
	return nil
}

func (c logClient) UpsertComment(_ context.Context, change int, _ string, body string) error {
	c.log.Info("pull request comment", "change", change, "bytes", len(body))
	return nil
}

func (logClient) Statuses(context.Context, string) ([]Status, error) { return nil, nil }
func (logClient) OpenChanges(context.Context) ([]Change, error)      { return nil, nil }
func (logClient) MergedAs(context.Context, string) ([]Change, error) { return nil, nil }
func (logClient) CanWrite(context.Context, string) (bool, error)     { return false, nil }
func (logClient) CommitURL(string) string                            { return "" }
func (logClient) ChangeURL(int) string                               { return "" }
func (logClient) Change(_ context.Context, n int) (Change, error) {
	return Change{Number: n}, nil
}
