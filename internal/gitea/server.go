package gitea

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// EnvBin names the environment variable holding the Gitea binary's path.
const EnvBin = "TKEOPS_GITEA_BIN"

// BinaryPath returns $TKEOPS_GITEA_BIN, else where hack/gitea/build.sh puts
// the binary: ${TKEOPS_CACHE:-$HOME/.cache/tkeops}/bin/gitea.
func BinaryPath() string {
	if p := os.Getenv(EnvBin); p != "" {
		return p
	}
	cache := os.Getenv("TKEOPS_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		cache = filepath.Join(home, ".cache", "tkeops")
	}
	return filepath.Join(cache, "bin", "gitea")
}

// Version is the Gitea release hack/gitea/build.sh builds.
const Version = "v1.26.0"

// Admin credentials of the user Start creates.
const (
	AdminUser     = "tkeops"
	AdminPassword = "tkeops-test-password-1"
	AdminEmail    = "tkeops@example.com"
)

// Options selects optional parts of the server.
type Options struct {
	// SSH starts Gitea's built-in SSH server on a free loopback port.
	SSH bool
}

// Server is a running Gitea.
type Server struct {
	URL     string // http://127.0.0.1:PORT, no trailing slash
	Token   string // API token of AdminUser with all scopes
	Dir     string // work directory (config, database, repositories, log)
	SSHPort int    // the built-in SSH server's port; 0 unless Options.SSH

	cmd    *exec.Cmd
	done   chan struct{}
	log    string
	client *http.Client // bounds every API call, so a wedged server fails the test instead of hanging it
}

// Start runs a fresh Gitea (HTTP only) for the test and stops it in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith runs a fresh Gitea with opts and stops it in t.Cleanup.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := BinaryPath()
	static, err := staticRoot(bin)
	if err != nil {
		if testing.Short() {
			t.Skipf("gitea not built (%v); skipped under -short", err)
		}
		t.Fatalf("gitea test server: %v: run `make gitea-bin` (hack/gitea/build.sh) or set %s", err, EnvBin)
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(t, bin, static, opts)
		if err == nil {
			return s
		}
		lastErr = err
		t.Logf("gitea start attempt %d: %v", attempt+1, err)
	}
	t.Fatalf("gitea test server: %v", lastErr)
	return nil
}

// staticRoot finds Gitea's source tree (templates, locales), which a build
// without the bindata tag reads from disk. build.sh records it next to the
// binary.
func staticRoot(bin string) (string, error) {
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("binary %s: %w", bin, err)
	}
	if d := os.Getenv("TKEOPS_GITEA_STATIC"); d != "" {
		return d, nil
	}
	var dir string
	if b, err := os.ReadFile(bin + ".static"); err == nil {
		dir = strings.TrimSpace(string(b))
	} else {
		// A binary built elsewhere: look for the sources in the module cache.
		out, gerr := exec.Command("go", "env", "GOMODCACHE").Output()
		if gerr != nil {
			return "", fmt.Errorf("no %s.static and no module cache (%w): %w", bin, gerr, err)
		}
		dir = filepath.Join(strings.TrimSpace(string(out)), "code.gitea.io", "gitea@"+Version)
	}
	if _, err := os.Stat(filepath.Join(dir, "options", "locale")); err != nil {
		return "", fmt.Errorf("gitea source tree %s (recorded in %s.static): %w", dir, bin, err)
	}
	return dir, nil
}

func start(t testing.TB, bin, static string, opts Options) (*Server, error) {
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	sshPort := 0
	if opts.SSH {
		if sshPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	s := &Server{
		URL:    "http://127.0.0.1:" + strconv.Itoa(port),
		Dir:    dir,
		done:   make(chan struct{}),
		log:    filepath.Join(dir, "gitea.log"),
		client: &http.Client{Timeout: 60 * time.Second},

		SSHPort: sshPort,
	}
	conf := filepath.Join(dir, "app.ini")
	if err := os.WriteFile(conf, []byte(appINI(dir, static, port, sshPort)), 0o600); err != nil {
		return nil, err
	}
	run := func(args ...string) error {
		cmd := exec.Command(bin, append(args, "--config", conf, "--work-path", dir)...)
		cmd.Env = giteaEnv(dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("gitea %s: %w\n%s", args[0], err, tail(out, 2000))
		}
		return nil
	}
	if err := run("migrate"); err != nil {
		return nil, err
	}
	if err := run("admin", "user", "create", "--username", AdminUser, "--password", AdminPassword,
		"--email", AdminEmail, "--admin", "--must-change-password=false"); err != nil {
		return nil, err
	}

	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "web", "--config", conf, "--work-path", dir)
	s.cmd.Env = giteaEnv(dir)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start gitea web: %w", err)
	}
	go func() { _ = s.cmd.Wait(); logf.Close(); close(s.done) }()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			b, _ := os.ReadFile(s.log)
			t.Logf("gitea log (tail):\n%s", tail(b, 4000))
		}
	})

	if err := s.waitReady(120 * time.Second); err != nil {
		s.stop()
		b, _ := os.ReadFile(s.log)
		return nil, fmt.Errorf("%w\n%s", err, tail(b, 2000))
	}
	var tok struct {
		SHA1 string `json:"sha1"`
	}
	req := map[string]any{"name": "tkeops-test", "scopes": []string{"all"}}
	if err := s.do(context.Background(), http.MethodPost, "/api/v1/users/"+AdminUser+"/tokens", req, &tok, true); err != nil {
		s.stop()
		return nil, fmt.Errorf("create API token: %w", err)
	}
	s.Token = tok.SHA1
	return s, nil
}

func giteaEnv(dir string) []string {
	return append(os.Environ(),
		"GITEA_WORK_DIR="+dir,
		"HOME="+filepath.Join(dir, "home"),
		// CI runs tests as root; Gitea refuses that without this.
		"GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT=true",
	)
}

func appINI(dir, static string, port, sshPort int) string {
	runUser := "git"
	if u, err := user.Current(); err == nil {
		runUser = u.Username
	}
	p := func(elem ...string) string { return filepath.Join(append([]string{dir}, elem...)...) }
	ssh := "DISABLE_SSH = true"
	if sshPort != 0 {
		ssh = fmt.Sprintf(`DISABLE_SSH = false
START_SSH_SERVER = true
BUILTIN_SSH_SERVER_USER = git
SSH_DOMAIN = 127.0.0.1
SSH_PORT = %d
SSH_LISTEN_HOST = 127.0.0.1
SSH_LISTEN_PORT = %d`, sshPort, sshPort)
	}
	return fmt.Sprintf(`APP_NAME = tkeops-test
RUN_USER = %[1]s
RUN_MODE = prod
WORK_PATH = %[2]s

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = %[3]d
ROOT_URL = http://127.0.0.1:%[3]d/
DOMAIN = 127.0.0.1
%[11]s
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = %[4]s
APP_DATA_PATH = %[5]s

[database]
DB_TYPE = sqlite3
PATH = %[6]s

[repository]
ROOT = %[7]s
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = %[8]s
INTERNAL_TOKEN = %[9]s

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true

[webhook]
ALLOWED_HOST_LIST = loopback
DELIVER_TIMEOUT = 10

[mailer]
ENABLED = false

[session]
PROVIDER = memory

[cache]
ADAPTER = memory

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[log]
MODE = console
LEVEL = warn
ROOT_PATH = %[10]s
`, runUser, dir, port, static, p("data"), p("data", "gitea.db"), p("repos"), randHex(32), randHex(48), p("log"), ssh)
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("gitea web exited during start")
		default:
		}
		resp, err := s.client.Get(s.URL + "/api/v1/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && s.sshReady() {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("gitea not ready at %s after %s", s.URL, timeout)
}

func (s *Server) sshReady() bool {
	if s.SSHPort == 0 {
		return true
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.SSHPort)), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	killGroup(s.cmd.Process.Pid)
}

// API sends a request to Gitea's API as the admin (token auth) and decodes
// the JSON answer into out (when non-nil). path starts with /api/v1. Any
// non-2xx answer fails the test.
func (s *Server) API(t testing.TB, method, path string, in, out any) {
	t.Helper()
	if err := s.do(context.Background(), method, path, in, out, false); err != nil {
		t.Fatalf("gitea API: %v", err)
	}
}

// HTTPError is a non-2xx answer from Gitea's API.
type HTTPError struct {
	Method, Path string
	StatusCode   int
	Body         string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, e.Body)
}

// CreateUser creates a user (not an admin, no repository access) and returns
// an API token for it.
func (s *Server) CreateUser(t testing.TB, name string) string {
	t.Helper()
	pw := name + "-Passw0rd!"
	s.API(t, http.MethodPost, "/api/v1/admin/users", map[string]any{"username": name, "password": pw,
		"email": name + "@example.com", "must_change_password": false}, nil)
	var tok struct {
		SHA1 string `json:"sha1"`
	}
	if err := s.doAs(context.Background(), http.MethodPost, "/api/v1/users/"+name+"/tokens",
		map[string]any{"name": "t", "scopes": []string{"all"}}, &tok, name, pw, ""); err != nil {
		t.Fatalf("gitea API: token for %s: %v", name, err)
	}
	return tok.SHA1
}

// APIAs calls the API with another user's token.
func (s *Server) APIAs(t testing.TB, token, method, path string, in, out any) {
	t.Helper()
	if err := s.doAs(context.Background(), method, path, in, out, "", "", token); err != nil {
		t.Fatalf("gitea API: %v", err)
	}
}

func (s *Server) do(ctx context.Context, method, path string, in, out any, basic bool) error {
	if basic {
		return s.doAs(ctx, method, path, in, out, AdminUser, AdminPassword, "")
	}
	return s.doAs(ctx, method, path, in, out, "", "", s.Token)
}

// doAs calls the API with basic auth (user, password) or a token.
func (s *Server) doAs(ctx context.Context, method, path string, in, out any, user, password, token string) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if user != "" {
		req.SetBasicAuth(user, password)
	} else {
		req.Header.Set("Authorization", "token "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &HTTPError{Method: method, Path: path, StatusCode: resp.StatusCode, Body: string(tail(raw, 500))}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
