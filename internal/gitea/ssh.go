package gitea

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHURL is repo's clone URL over the built-in SSH server.
func (s *Server) SSHURL(repo Repo) string {
	return fmt.Sprintf("ssh://git@127.0.0.1:%d/%s/%s.git", s.SSHPort, repo.Owner, repo.Name)
}

// NewSSHKey makes an ed25519 key pair, registers the public half with the
// admin account, and returns the private key in PEM.
func (s *Server) NewSSHKey(t testing.TB, title string) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	s.API(t, http.MethodPost, "/api/v1/user/keys", map[string]any{
		"title": title, "key": strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))),
	}, nil)
	block, err := ssh.MarshalPrivateKey(priv, title)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

// SSHKnownHosts returns a known_hosts line for the built-in SSH server,
// read from the server's handshake.
func (s *Server) SSHKnownHosts(t testing.TB) string {
	t.Helper()
	if s.SSHPort == 0 {
		t.Fatal("SSHKnownHosts: the server was started without SSH")
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.SSHPort))
	var key ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User: "git",
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return nil
		},
		Timeout: 10 * time.Second,
	}
	// Authentication fails (no method offered); the host key was seen first.
	if c, err := ssh.Dial("tcp", addr, cfg); err == nil {
		c.Close()
	}
	if key == nil {
		t.Fatalf("no host key from %s", addr)
	}
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
}
