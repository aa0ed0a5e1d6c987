package source_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/tkeops/tkeops/internal/gitea"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/source"
)

// TestGitOverSSHAgainstGitea polls through Gitea's SSH server with a key and
// a pinned host key; a host key that does not match is refused.
func TestGitOverSSHAgainstGitea(t *testing.T) {
	ctx := context.Background()
	srv := gitea.StartWith(t, gitea.Options{SSH: true})
	repo := srv.CreateRepo(t, "ssh-specs")
	work := srv.Clone(t, repo)
	head := work.Commit(t, "spec", map[string]string{"vpc.yaml": "name: v\n"})
	work.Push(t)

	key := srv.NewSSHKey(t, "tkeops")
	knownHosts := srv.SSHKnownHosts(t)
	g, err := source.New(source.Options{
		URL:      srv.SSHURL(repo),
		CacheDir: t.TempDir(),
		Auth:     source.Auth{SSHKeyPEM: secret.Value(key), SSHKnownHosts: knownHosts},
		Timeout:  30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	rev, changed, err := g.Poll(ctx)
	if err != nil || rev != head || !changed {
		t.Fatalf("Poll over SSH = %s, %v, %v; want %s, true, nil", rev, changed, err, head)
	}
	if rev, changed, err = g.Poll(ctx); err != nil || changed || g.Stats().Fetches != 1 {
		t.Fatalf("second Poll over SSH = %s, %v, %v, stats %+v; want a no-op", rev, changed, err, g.Stats())
	}

	// The same port pinned to another host key, of the server's type and of
	// another type: refused as a configuration error, not retried as an
	// outage.
	hostPort := strings.Fields(knownHosts)[0]
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA, err := ssh.NewPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, line := range map[string]string{
		"SameType":  hostPort + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(otherRSA))),
		"OtherType": hostPort + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
	} {
		t.Run("WrongHostKey"+name, func(t *testing.T) {
			g2, err := source.New(source.Options{
				URL:      srv.SSHURL(repo),
				CacheDir: t.TempDir(),
				Auth:     source.Auth{SSHKeyPEM: secret.Value(key), SSHKnownHosts: line},
				Timeout:  30 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = g2.Poll(ctx)
			var auth *source.AuthError
			if !errors.As(err, &auth) {
				t.Fatalf("Poll with a wrong host key: %v (%T), want *AuthError", err, err)
			}
		})
	}

	t.Run("UnknownKey", func(t *testing.T) {
		_, stranger, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		block, err := ssh.MarshalPrivateKey(stranger, "")
		if err != nil {
			t.Fatal(err)
		}
		g3, err := source.New(source.Options{
			URL:      srv.SSHURL(repo),
			CacheDir: t.TempDir(),
			Auth:     source.Auth{SSHKeyPEM: secret.Value(pem.EncodeToMemory(block)), SSHKnownHosts: knownHosts},
			Timeout:  30 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = g3.Poll(ctx)
		var auth *source.AuthError
		if !errors.As(err, &auth) {
			t.Fatalf("Poll with a key Gitea does not know: %v (%T), want *AuthError", err, err)
		}
	})
}
