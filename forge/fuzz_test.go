package forge

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseWebhook checks, for every forge, that parsing never panics, that a
// delivery signed with one secret never verifies under another, that a
// correctly signed delivery never fails verification, and that an arbitrary
// signature header passes only if it is the true signature.
func FuzzParseWebhook(f *testing.F) {
	fuzzKinds := []string{GitHub, GitLab, Gitea, Forgejo}
	seeds := map[string]string{
		"github/push.json": "push", "github/pull_request_synchronize.json": "pull_request",
		"github/ping.json": "ping", "gitlab/push.json": "Push Hook",
		"gitlab/merge_request_update.json": "Merge Request Hook", "gitea/push.json": "push",
		"gitea/pull_request_synchronized.json": "pull_request",
	}
	for name, event := range seeds {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for k := range fuzzKinds {
			f.Add(uint8(k), event, body, []byte(testSecret), []byte("other"), "sha256=00")
		}
	}
	f.Add(uint8(0), "push", []byte(`{"ref":null}`), []byte("s"), []byte("s2"), "")
	f.Add(uint8(2), "pull_request", []byte(`[]`), []byte("s"), []byte("S"), "zz")
	f.Add(uint8(1), "Merge Request Hook", []byte(`{"object_attributes":{"iid":-1}}`), []byte("x"), []byte("xx"), "x")

	f.Fuzz(func(t *testing.T, k uint8, event string, body, secret, wrong []byte, rawSig string) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		if len(secret) == 0 {
			secret = []byte("s")
		}

		// Correct secret: verification passes; any error is about the payload.
		_, err := ParseWebhook(kind, signedRequest(kind, event, "d", string(secret), body), secret, 1<<20)
		if errors.Is(err, ErrBadSignature) {
			t.Fatalf("%s: a correctly signed delivery failed verification", kind)
		}
		if err != nil {
			var pe *PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("%s: unexpected error kind %T: %v", kind, err, err)
			}
		}

		// Wrong secret: always refused. For the HMAC forges "wrong" means a different
		// HMAC key: RFC 2104 zero-pads short keys (and hashes long ones), so "\x02" and
		// "\x02\x00" are one key, and no implementation can tell them apart. GitLab
		// compares the token itself, so there any other byte string is wrong.
		if kind == GitLab && !bytes.Equal(secret, wrong) || kind != GitLab && hmacKey(secret) != hmacKey(wrong) {
			_, err := ParseWebhook(kind, signedRequest(kind, event, "d", string(secret), body), wrong, 1<<20)
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("%s: delivery signed with %q verified under %q (err %v)", kind, secret, wrong, err)
			}
		}

		// Arbitrary signature header: accepted only if it is the true one.
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-GitHub-Event", event)
		r.Header.Set("X-Gitea-Event", event)
		r.Header.Set("X-Gitlab-Event", event)
		r.Header.Set("X-Hub-Signature-256", rawSig)
		r.Header.Set("X-Gitea-Signature", rawSig)
		r.Header.Set("X-Forgejo-Signature", rawSig)
		r.Header.Set("X-Gitlab-Token", rawSig)
		_, err = ParseWebhook(kind, r, secret, 1<<20)
		if !errors.Is(err, ErrBadSignature) {
			good := signedRequest(kind, event, "d", string(secret), body)
			if !sameSignature(kind, rawSig, good.Header) {
				t.Fatalf("%s: forged signature %q accepted", kind, rawSig)
			}
		}
	})
}

func sameSignature(kind, sig string, good http.Header) bool {
	switch kind {
	case GitHub:
		return sig == good.Get("X-Hub-Signature-256")
	case GitLab:
		return sig == good.Get("X-Gitlab-Token")
	case Gitea:
		return equalFoldHex(sig, good.Get("X-Gitea-Signature"))
	default:
		return equalFoldHex(sig, good.Get("X-Forgejo-Signature"))
	}
}

// equalFoldHex: hex decoding accepts upper case and surrounding space, so the
// same bytes can be spelled several ways.
func equalFoldHex(a, b string) bool {
	return bytes.EqualFold(bytes.TrimSpace([]byte(a)), []byte(b))
}

// hmacKey is the block-sized key HMAC-SHA256 really uses for k (RFC 2104): k
// hashed when longer than the block, then padded with zero bytes.
func hmacKey(k []byte) [sha256.BlockSize]byte {
	var out [sha256.BlockSize]byte
	if len(k) > sha256.BlockSize {
		sum := sha256.Sum256(k)
		k = sum[:]
	}
	copy(out[:], k)
	return out
}
