package source

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/tkeops/tkeops/internal/secret"
	"golang.org/x/crypto/ssh"
)

// Auth holds the credentials for the remote. Token is used for HTTP(S)
// remotes, SSHKeyPEM for ssh:// and scp-like (git@host:org/repo) remotes.
type Auth struct {
	// Username for HTTPS basic auth; defaults to "git", which GitHub, GitLab
	// and Gitea all accept together with a personal access token.
	Username string
	// Token is the HTTPS password or personal access token.
	Token secret.Value
	// SSHKeyPEM is a PEM-encoded private key (unencrypted).
	SSHKeyPEM secret.Value
	// SSHKnownHosts holds known_hosts lines for the SSH server. Required for
	// SSH unless InsecureIgnoreHostKey is set.
	SSHKnownHosts string
	// InsecureIgnoreHostKey accepts any SSH host key. For tests only.
	InsecureIgnoreHostKey bool
}

// transportAuth turns Auth into go-git's auth method for the endpoint. dir is
// where a known_hosts file may be written (go-git reads known hosts from files).
func (a Auth) transportAuth(ep *transport.Endpoint, dir string) (transport.AuthMethod, error) {
	switch ep.Protocol {
	case "http", "https":
		if a.SSHKeyPEM != "" {
			return nil, errors.New("an SSH key is set but the URL is HTTP(S); use an ssh:// or git@host:path URL, or a token")
		}
		if a.Token == "" {
			return nil, nil
		}
		user := a.Username
		if user == "" {
			user = "git"
		}
		return &githttp.BasicAuth{Username: user, Password: string(a.Token)}, nil
	case "ssh":
		if a.Token != "" {
			return nil, errors.New("a token is set but the URL is SSH; use an https:// URL, or an SSH key")
		}
		if a.SSHKeyPEM == "" {
			return nil, errors.New("the URL is SSH but no SSH key is set")
		}
		user := ep.User
		if user == "" {
			user = a.Username
		}
		if user == "" {
			user = "git"
		}
		keys, err := gitssh.NewPublicKeys(user, []byte(a.SSHKeyPEM), "")
		if err != nil {
			// The parser's message never contains key material.
			return nil, fmt.Errorf("parse SSH private key: %w", err)
		}
		switch {
		case a.SSHKnownHosts != "":
			path := filepath.Join(dir, "known_hosts")
			if err := os.WriteFile(path, []byte(a.SSHKnownHosts+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("write known_hosts: %w", err)
			}
			db, err := gitssh.NewKnownHostsDb(path)
			if err != nil {
				return nil, fmt.Errorf("parse SSH known hosts: %w", err)
			}
			port := ep.Port
			if port == 0 {
				port = 22
			}
			keys.HostKeyCallback = db.HostKeyCallback()
			// Offer only the key types known_hosts lists for this host, or the
			// server may present a different type and fail verification.
			keys.HostKeyAlgorithms = db.HostKeyAlgorithms(net.JoinHostPort(ep.Host, strconv.Itoa(port)))
		case a.InsecureIgnoreHostKey:
			keys.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // G106: only when the configuration asks for it (tests)
		default:
			return nil, errors.New("SSH needs known hosts (Auth.SSHKnownHosts) or, for tests, InsecureIgnoreHostKey")
		}
		return keys, nil
	case "file":
		return nil, nil
	default:
		return nil, fmt.Errorf("unsupported git URL scheme %q", ep.Protocol)
	}
}
