package forge

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testSecret = "It's a Secret to Everybody"

func hexHMAC(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedRequest builds a delivery the way each forge sends it.
func signedRequest(kind, event, delivery, secret string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/"+kind, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	switch kind {
	case GitHub:
		r.Header.Set("X-GitHub-Event", event)
		r.Header.Set("X-GitHub-Delivery", delivery)
		r.Header.Set("X-Hub-Signature-256", "sha256="+hexHMAC(secret, body))
	case Gitea:
		r.Header.Set("X-Gitea-Event", event)
		r.Header.Set("X-Gitea-Delivery", delivery)
		r.Header.Set("X-Gitea-Signature", hexHMAC(secret, body))
	case Forgejo:
		r.Header.Set("X-Forgejo-Event", event)
		r.Header.Set("X-Forgejo-Delivery", delivery)
		r.Header.Set("X-Forgejo-Signature", hexHMAC(secret, body))
	case GitLab:
		r.Header.Set("X-Gitlab-Event", event)
		r.Header.Set("X-Gitlab-Event-UUID", delivery)
		r.Header.Set("X-Gitlab-Token", secret)
	}
	return r
}

func TestParseWebhook(t *testing.T) {
	cases := map[string]struct {
		reason  string
		kind    string
		event   string
		payload string
		want    Event
	}{
		"GitHubPush": {
			reason:  "a GitHub push reports the ref, the new head and the previous one",
			kind:    GitHub,
			event:   "push",
			payload: "github/push.json",
			want: Event{Kind: EventPush, Ref: "refs/heads/main", Revision: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
				Before: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", Repo: "acme/tke-specs", Sender: "meilin", DeliveryID: "d-1", Forge: GitHub, RawEvent: "push"},
		},
		"GitHubPullRequestSynchronize": {
			reason:  "new commits on a PR carry the head SHA, base ref, and the fetchable pull ref; a head in another repository is a fork",
			kind:    GitHub,
			event:   "pull_request",
			payload: "github/pull_request_synchronize.json",
			want: Event{Kind: EventPullRequest, Ref: "refs/heads/main", Revision: "a3f5e2c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5",
				Before: "9c4bd8b8a6e4f1a0f54c2b6a1d6f0c3a0e1f2d3c", Change: 42, Action: ActionSynchronize,
				HeadRef: "refs/heads/staging-cluster", PullRef: "refs/pull/42/head", Repo: "acme/tke-specs", Fork: true, Sender: "meilin",
				DeliveryID: "d-1", Forge: GitHub, RawEvent: "pull_request"},
		},
		"GitHubPullRequestMerged": {
			reason:  "GitHub's closed+merged becomes the merged action",
			kind:    GitHub,
			event:   "pull_request",
			payload: "github/pull_request_closed_merged.json",
			want: Event{Kind: EventPullRequest, Ref: "refs/heads/main", Revision: "a3f5e2c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5",
				Change: 42, Action: ActionMerged, Merged: true, HeadRef: "refs/heads/staging-cluster", PullRef: "refs/pull/42/head",
				Repo: "acme/tke-specs", Sender: "ops-bot", DeliveryID: "d-1", Forge: GitHub, RawEvent: "pull_request"},
		},
		"GitHubPullRequestLabeled": {
			reason:  "a label added names the label, the labels after it and who added it",
			kind:    GitHub,
			event:   "pull_request",
			payload: "github/pull_request_labeled.json",
			want: Event{Kind: EventPullRequest, Ref: "refs/heads/main", Revision: "a3f5e2c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5",
				Change: 42, Action: "labeled", HeadRef: "refs/heads/staging-cluster", PullRef: "refs/pull/42/head", Repo: "acme/tke-specs",
				Sender: "lead", Labels: []string{"infra", "tkeops/approve"}, Label: "tkeops/approve", DeliveryID: "d-1", Forge: GitHub, RawEvent: "pull_request"},
		},
		"GitHubPing": {
			reason:  "ping is its own kind so the server can answer it",
			kind:    GitHub,
			event:   "ping",
			payload: "github/ping.json",
			want:    Event{Kind: EventPing, DeliveryID: "d-1", Forge: GitHub, RawEvent: "ping"},
		},
		"GitHubUnknown": {
			reason:  "events we do not handle are acknowledged as unknown, not errors",
			kind:    GitHub,
			event:   "issues",
			payload: "github/issues.json",
			want:    Event{Kind: EventUnknown, DeliveryID: "d-1", Forge: GitHub, RawEvent: "issues"},
		},
		"GitLabPush": {
			reason:  "GitLab push names the project by its path",
			kind:    GitLab,
			event:   "Push Hook",
			payload: "gitlab/push.json",
			want: Event{Kind: EventPush, Ref: "refs/heads/main", Revision: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
				Before: "95790bf891e76fee5e1747ab589903a6a1f80f22", Repo: "platform/infra/tke-specs", ProjectID: 15, Sender: "meilin", DeliveryID: "d-1", Forge: GitLab, RawEvent: "Push Hook"},
		},
		"GitLabMergeRequestUpdateWithCommits": {
			reason:  "an MR update with oldrev is new commits: synchronize",
			kind:    GitLab,
			event:   "Merge Request Hook",
			payload: "gitlab/merge_request_update.json",
			want: Event{Kind: EventPullRequest, Ref: "refs/heads/main", Revision: "b1e2d3c4f5a60718293a4b5c6d7e8f9012345678",
				Before: "95790bf891e76fee5e1747ab589903a6a1f80f22", Change: 7, Action: ActionSynchronize,
				HeadRef: "refs/heads/staging-cluster", PullRef: "refs/merge-requests/7/head", Repo: "platform/infra/tke-specs",
				ProjectID: 15, Sender: "meilin", DeliveryID: "d-1", Forge: GitLab, RawEvent: "Merge Request Hook"},
		},
		"GitLabMergeRequestMerged": {
			reason:  "GitLab's merge action is the merged action",
			kind:    GitLab,
			event:   "Merge Request Hook",
			payload: "gitlab/merge_request_merge.json",
			want: Event{Kind: EventPullRequest, Ref: "refs/heads/main", Revision: "b1e2d3c4f5a60718293a4b5c6d7e8f9012345678",
				Change: 7, Action: ActionMerged, Merged: true, HeadRef: "refs/heads/staging-cluster", PullRef: "refs/merge-requests/7/head",
				Repo: "platform/infra/tke-specs", ProjectID: 15, DeliveryID: "d-1", Forge: GitLab, RawEvent: "Merge Request Hook"},
		},
		"GitLabNoteOnMergeRequest": {
			reason:  "a note on a merge request is a comment event with its author and text",
			kind:    GitLab,
			event:   "Note Hook",
			payload: "gitlab/note.json",
			want: Event{Kind: EventComment, Change: 7, Action: "created", Repo: "platform/infra/tke-specs", ProjectID: 15, Sender: "meilin",
				Comment:    Comment{ID: 1244, Author: "meilin", Body: "/tkeops plan", CreatedAt: time.Date(2026, 3, 2, 9, 14, 5, 0, time.UTC)},
				DeliveryID: "d-1", Forge: GitLab, RawEvent: "Note Hook"},
		},
		"GitLabNoteOnIssue": {
			reason:  "a note on an issue is acknowledged as unknown",
			kind:    GitLab,
			event:   "Note Hook",
			payload: "gitlab/note_issue.json",
			want: Event{Kind: EventUnknown, Action: "created", Repo: "platform/infra/tke-specs", ProjectID: 15, Sender: "meilin",
				DeliveryID: "d-1", Forge: GitLab, RawEvent: "Note Hook"},
		},
		"GiteaPush": {
			reason:  "Gitea push has GitHub's shape",
			kind:    Gitea,
			event:   "push",
			payload: "gitea/push.json",
			want: Event{Kind: EventPush, Ref: "refs/heads/main", Revision: "5e6f708192a3b4c3c5d4e0b54c1f0e3a1d2b3c4d",
				Before: "3c5d4e0b54c1f0e3a1d2b3c4d5e6f708192a3b4c", Repo: "acme/tke-specs", Sender: "meilin", DeliveryID: "d-1", Forge: Gitea, RawEvent: "push"},
		},
		"GiteaPullRequestSynchronized": {
			reason:  "Gitea spells it synchronized; we normalise to synchronize",
			kind:    Gitea,
			event:   "pull_request",
			payload: "gitea/pull_request_synchronized.json",
			want: Event{Kind: EventPullRequest, Ref: "refs/heads/main", Revision: "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b",
				Change: 3, Action: ActionSynchronize, HeadRef: "refs/heads/staging-cluster", PullRef: "refs/pull/3/head",
				Repo: "acme/tke-specs", Sender: "meilin", DeliveryID: "d-1", Forge: Gitea, RawEvent: "pull_request"},
		},
		"GiteaCommentOnPullRequest": {
			reason:  "a comment on a pull request is a comment event",
			kind:    Gitea,
			event:   "issue_comment",
			payload: "gitea/issue_comment.json",
			want: Event{Kind: EventComment, Change: 3, Action: "created", Repo: "acme/tke-specs", Sender: "meilin",
				Comment:    Comment{ID: 51, Author: "meilin", Body: "/tkeops approve", CreatedAt: time.Date(2026, 3, 2, 9, 14, 5, 0, time.UTC)},
				DeliveryID: "d-1", Forge: Gitea, RawEvent: "issue_comment"},
		},
		"GiteaCommentOnIssue": {
			reason:  "a comment on an issue is acknowledged as unknown",
			kind:    Gitea,
			event:   "issue_comment",
			payload: "gitea/issue_comment_issue.json",
			want: Event{Kind: EventUnknown, Action: "created", Repo: "acme/tke-specs", Sender: "meilin",
				DeliveryID: "d-1", Forge: Gitea, RawEvent: "issue_comment"},
		},
		"ForgejoPush": {
			reason:  "Forgejo's own headers are accepted",
			kind:    Forgejo,
			event:   "push",
			payload: "gitea/push.json",
			want: Event{Kind: EventPush, Ref: "refs/heads/main", Revision: "5e6f708192a3b4c3c5d4e0b54c1f0e3a1d2b3c4d",
				Before: "3c5d4e0b54c1f0e3a1d2b3c4d5e6f708192a3b4c", Repo: "acme/tke-specs", Sender: "meilin", DeliveryID: "d-1", Forge: Forgejo, RawEvent: "push"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			body := readTestdata(t, tc.payload)
			got, err := ParseWebhook(tc.kind, signedRequest(tc.kind, tc.event, "d-1", testSecret, body), []byte(testSecret), 1<<20)
			if err != nil {
				t.Fatalf("\nReason: %s\nParseWebhook: %v", tc.reason, err)
			}
			// Replay protection keys on what was signed: the body's digest.
			sum := sha256.Sum256(body)
			tc.want.Digest = hex.EncodeToString(sum[:])
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\nReason: %s\n-want, +got:\n%s", tc.reason, diff)
			}

			// The same delivery with any other secret is refused.
			_, err = ParseWebhook(tc.kind, signedRequest(tc.kind, tc.event, "d-1", testSecret, body), []byte(testSecret+"x"), 1<<20)
			if !errors.Is(err, ErrBadSignature) {
				t.Errorf("wrong secret: got %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestParseWebhookRejects(t *testing.T) {
	body := readTestdata(t, "github/push.json")
	tamper := func(r *http.Request) *http.Request {
		b, _ := io.ReadAll(r.Body)
		b = bytes.Replace(b, []byte("refs/heads/main"), []byte("refs/heads/evil"), 1)
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		return r
	}
	cases := map[string]struct {
		reason string
		kind   string
		req    func() *http.Request
		secret string
		max    int64
		want   error
	}{
		"GitHubTamperedBody": {
			reason: "a body changed after signing fails verification",
			kind:   GitHub,
			req:    func() *http.Request { return tamper(signedRequest(GitHub, "push", "d", testSecret, body)) },
			secret: testSecret, want: ErrBadSignature,
		},
		"GitHubMissingSignature": {
			reason: "an unsigned delivery is refused",
			kind:   GitHub,
			req: func() *http.Request {
				r := signedRequest(GitHub, "push", "d", testSecret, body)
				r.Header.Del("X-Hub-Signature-256")
				return r
			},
			secret: testSecret, want: ErrBadSignature,
		},
		"GitHubSHA1Only": {
			reason: "only the SHA-256 signature counts",
			kind:   GitHub,
			req: func() *http.Request {
				r := signedRequest(GitHub, "push", "d", testSecret, body)
				r.Header.Set("X-Hub-Signature", r.Header.Get("X-Hub-Signature-256"))
				r.Header.Del("X-Hub-Signature-256")
				return r
			},
			secret: testSecret, want: ErrBadSignature,
		},
		"GitHubSignatureWithoutPrefix": {
			reason: "GitHub's header must carry the sha256= prefix",
			kind:   GitHub,
			req: func() *http.Request {
				r := signedRequest(GitHub, "push", "d", testSecret, body)
				r.Header.Set("X-Hub-Signature-256", strings.TrimPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256="))
				return r
			},
			secret: testSecret, want: ErrBadSignature,
		},
		"EmptySecret": {
			reason: "with no secret configured nothing is accepted, not everything",
			kind:   GitHub,
			req:    func() *http.Request { return signedRequest(GitHub, "push", "d", "", body) },
			secret: "", want: ErrBadSignature,
		},
		"GiteaBadHex": {
			reason: "a signature that is not hex fails cleanly",
			kind:   Gitea,
			req: func() *http.Request {
				r := signedRequest(Gitea, "push", "d", testSecret, body)
				r.Header.Set("X-Gitea-Signature", "zz"+r.Header.Get("X-Gitea-Signature")[2:])
				return r
			},
			secret: testSecret, want: ErrBadSignature,
		},
		"GitLabWrongToken": {
			reason: "GitLab's token must match exactly",
			kind:   GitLab,
			req: func() *http.Request {
				return signedRequest(GitLab, "Push Hook", "d", testSecret[:len(testSecret)-1], body)
			},
			secret: testSecret, want: ErrBadSignature,
		},
		"TooLargeByContentLength": {
			reason: "a declared length over the limit is refused before reading",
			kind:   GitHub,
			req:    func() *http.Request { return signedRequest(GitHub, "push", "d", testSecret, body) },
			secret: testSecret, max: int64(len(body) - 1), want: ErrTooLarge,
		},
		"TooLargeChunked": {
			reason: "a body without a length is cut at the limit",
			kind:   GitLab,
			req: func() *http.Request {
				r := signedRequest(GitLab, "Push Hook", "d", testSecret, body)
				r.ContentLength = -1
				return r
			},
			secret: testSecret, max: 100, want: ErrTooLarge,
		},
		"TooLargeFromMaxBytesReader": {
			reason: "a server-side http.MaxBytesReader limit maps to ErrTooLarge too",
			kind:   Gitea,
			req: func() *http.Request {
				r := signedRequest(Gitea, "push", "d", testSecret, body)
				r.ContentLength = -1
				r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 64)
				return r
			},
			secret: testSecret, want: ErrTooLarge,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWebhook(tc.kind, tc.req(), []byte(tc.secret), tc.max)
			if !errors.Is(err, tc.want) {
				t.Errorf("\nReason: %s\ngot error %v, want %v", tc.reason, err, tc.want)
			}
		})
	}
}

func TestParseWebhookMalformedPayload(t *testing.T) {
	body := []byte(`{"ref": 12`)
	_, err := ParseWebhook(GitHub, signedRequest(GitHub, "push", "d", testSecret, body), []byte(testSecret), 0)
	var pe *PayloadError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *PayloadError", err)
	}
	if errors.Is(err, ErrBadSignature) {
		t.Error("a signed but malformed payload must not look like a signature failure")
	}
}

func TestParseWebhookUnknownForge(t *testing.T) {
	_, err := ParseWebhook("bitbucket", signedRequest(GitHub, "push", "d", testSecret, []byte("{}")), []byte(testSecret), 0)
	if err == nil || errors.Is(err, ErrBadSignature) {
		t.Fatalf("got %v, want an unknown-forge error", err)
	}
}

// Form-encoded deliveries: GitHub signs the raw body, Gitea signs the JSON
// inside the payload field.
func TestParseWebhookFormEncoded(t *testing.T) {
	payload := readTestdata(t, "gitea/push.json")
	form := []byte(url.Values{"payload": {string(payload)}}.Encode())

	gh := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(form))
	gh.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	gh.Header.Set("X-GitHub-Event", "push")
	gh.Header.Set("X-Hub-Signature-256", "sha256="+hexHMAC(testSecret, form))
	ev, err := ParseWebhook(GitHub, gh, []byte(testSecret), 0)
	if err != nil || ev.Revision != "5e6f708192a3b4c3c5d4e0b54c1f0e3a1d2b3c4d" {
		t.Fatalf("github form: %+v, %v", ev, err)
	}

	gt := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(form))
	gt.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	gt.Header.Set("X-Gitea-Event", "push")
	gt.Header.Set("X-Gitea-Signature", hexHMAC(testSecret, payload))
	ev, err = ParseWebhook(Gitea, gt, []byte(testSecret), 0)
	if err != nil || ev.Revision != "5e6f708192a3b4c3c5d4e0b54c1f0e3a1d2b3c4d" {
		t.Fatalf("gitea form: %+v, %v", ev, err)
	}
}

func TestParseWebhookDeletedBranch(t *testing.T) {
	body := []byte(`{"ref":"refs/heads/old","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"0000000000000000000000000000000000000000","deleted":true,"repository":{"full_name":"acme/tke-specs"}}`)
	ev, err := ParseWebhook(GitHub, signedRequest(GitHub, "push", "d", testSecret, body), []byte(testSecret), 0)
	if err != nil || !ev.Deleted {
		t.Fatalf("got %+v, %v; want a deleted push", ev, err)
	}
}

func TestWebhookErrorStatus(t *testing.T) {
	cases := map[string]struct {
		err  error
		want int
	}{
		"Nil":          {nil, http.StatusOK},
		"BadSignature": {fmt.Errorf("gitea webhook: %w", ErrBadSignature), http.StatusUnauthorized},
		"TooLarge":     {fmt.Errorf("github webhook: %w", ErrTooLarge), http.StatusRequestEntityTooLarge},
		"Payload":      {&PayloadError{Forge: GitHub, Err: errors.New("x")}, http.StatusBadRequest},
	}
	for name, tc := range cases {
		if got := WebhookErrorStatus(tc.err); got != tc.want {
			t.Errorf("%s: got %d, want %d", name, got, tc.want)
		}
	}
}
