package kubeapiserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Binary names looked up in the binary directory.
const (
	EtcdBinary      = "etcd"
	APIServerBinary = "kube-apiserver"
)

// EnvBinDir names the environment variable that points at the directory
// holding the binaries. When unset, DefaultBinDir is used.
const EnvBinDir = "TKEOPS_KUBE_BIN"

// DefaultBinDir returns where hack/kube/build.sh puts the binaries:
// $TKEOPS_KUBE_BIN, else ${TKEOPS_CACHE:-$HOME/.cache/tkeops}/bin.
func DefaultBinDir() string {
	if d := os.Getenv(EnvBinDir); d != "" {
		return d
	}
	cache := os.Getenv("TKEOPS_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		cache = filepath.Join(home, ".cache", "tkeops")
	}
	return filepath.Join(cache, "bin")
}

// MissingBinariesError reports that the control-plane binaries have not been
// built. Build them with `make kube-bins`.
type MissingBinariesError struct {
	Dir     string
	Missing []string
}

func (e *MissingBinariesError) Error() string {
	return fmt.Sprintf("kubernetes test binaries %s not found in %s: run `make kube-bins` (or hack/kube/build.sh), or point %s at a directory holding them",
		strings.Join(e.Missing, ", "), e.Dir, EnvBinDir)
}

// CheckBinaries returns a *MissingBinariesError unless binDir ("" for
// DefaultBinDir) holds executable etcd and kube-apiserver binaries.
func CheckBinaries(binDir string) error {
	if binDir == "" {
		binDir = DefaultBinDir()
	}
	var missing []string
	for _, name := range []string{EtcdBinary, APIServerBinary} {
		if st, err := os.Stat(filepath.Join(binDir, name)); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return &MissingBinariesError{Dir: binDir, Missing: missing}
	}
	return nil
}

// Options configure Start. The zero value is usable.
type Options struct {
	// BinDir holds etcd and kube-apiserver; DefaultBinDir() when empty.
	BinDir string
	// WorkDir is where data, certificates and logs go; a fresh temporary
	// directory (removed by Stop) when empty.
	WorkDir string
	// Logger receives lifecycle messages; discarded when nil.
	Logger *slog.Logger
	// ReadyTimeout bounds the wait for the API server to become ready;
	// 60s when zero.
	ReadyTimeout time.Duration
}

// Server is a running etcd + kube-apiserver pair.
type Server struct {
	// Config reaches the API server as a cluster admin (system:masters).
	Config *rest.Config
	// Kubeconfig is the same access as a kubeconfig file.
	Kubeconfig []byte
	// URL is the API server's https://127.0.0.1:PORT address.
	URL string

	log      *slog.Logger
	workDir  string
	ownsDir  bool
	etcd     *process
	api      *process
	stopOnce sync.Once
	stopErr  error
}

// Start launches etcd and kube-apiserver and waits until the API server is
// ready. ctx bounds only the start-up; the processes run until Stop. On any
// error everything started so far is stopped again.
func Start(ctx context.Context, opts Options) (*Server, error) {
	binDir := opts.BinDir
	if binDir == "" {
		binDir = DefaultBinDir()
	}
	if err := CheckBinaries(binDir); err != nil {
		return nil, err
	}
	etcdBin, apiBin := filepath.Join(binDir, EtcdBinary), filepath.Join(binDir, APIServerBinary)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	readyTimeout := opts.ReadyTimeout
	if readyTimeout == 0 {
		readyTimeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// The free ports are released before the servers bind them; when
	// another process (a parallel test package) takes one meanwhile, start
	// over on new ports.
	const attempts = 3
	for attempt := 1; ; attempt++ {
		s := &Server{log: log, workDir: opts.WorkDir}
		if s.workDir == "" {
			d, err := os.MkdirTemp("", "tkeops-kube-")
			if err != nil {
				return nil, fmt.Errorf("kube-apiserver work dir: %w", err)
			}
			s.workDir, s.ownsDir = d, true
		}
		err := s.start(ctx, etcdBin, apiBin)
		if err == nil {
			return s, nil
		}
		_ = s.Stop()
		if attempt == attempts || !strings.Contains(err.Error(), "address already in use") || ctx.Err() != nil {
			return nil, err
		}
		log.Warn("port taken while starting the control plane; retrying on new ports", "attempt", attempt)
	}
}

func (s *Server) start(ctx context.Context, etcdBin, apiBin string) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdClient, etcdPeer, apiPort := ports[0], ports[1], ports[2]
	// Every start is a fresh cluster, also when a retry reuses WorkDir.
	if err := os.RemoveAll(filepath.Join(s.workDir, "etcd")); err != nil {
		return fmt.Errorf("etcd data dir: %w", err)
	}

	// etcd
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	s.etcd, err = startProcess(s.workDir, "etcd", etcdBin,
		"--name=tkeops",
		"--data-dir="+filepath.Join(s.workDir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=tkeops="+peerURL,
		// Test data is disposable: skipping fsync makes etcd several times faster.
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	)
	if err != nil {
		return err
	}
	if err := waitFor(ctx, s.etcd, "etcd", func(c context.Context) error {
		return httpOK(c, http.DefaultClient, etcdURL+"/health", "")
	}); err != nil {
		return err
	}
	s.log.Debug("etcd ready", "url", etcdURL)

	// kube-apiserver
	certDir := filepath.Join(s.workDir, "certs")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return fmt.Errorf("kube-apiserver cert dir: %w", err)
	}
	saKey := filepath.Join(certDir, "sa.key")
	if err := writeRSAKey(saKey); err != nil {
		return err
	}
	token, err := randomToken()
	if err != nil {
		return err
	}
	tokenFile := filepath.Join(certDir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(token+`,tkeops-admin,tkeops-admin,"system:masters"`+"\n"), 0o600); err != nil {
		return fmt.Errorf("kube-apiserver token file: %w", err)
	}
	s.api, err = startProcess(s.workDir, "kube-apiserver", apiBin,
		"--etcd-servers="+etcdURL,
		"--cert-dir="+certDir,
		"--secure-port="+strconv.Itoa(apiPort),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+saKey,
		"--service-account-signing-key-file="+saKey,
		"--token-auth-file="+tokenFile,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		// No controller manager creates the "default" ServiceAccount, so the
		// admission plugin that requires it would reject every Pod.
		"--disable-admission-plugins=ServiceAccount",
		"--v=0",
	)
	if err != nil {
		return err
	}
	s.URL = "https://127.0.0.1:" + strconv.Itoa(apiPort)

	// The API server writes its self-signed serving certificate (and the CA
	// that signed it) before it listens; trust exactly that.
	certFile := filepath.Join(certDir, "apiserver.crt")
	var pool *x509.CertPool
	var caPEM []byte
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // only until the CA file exists
	if err := waitFor(ctx, s.api, "kube-apiserver", func(c context.Context) error {
		if pool == nil {
			b, err := os.ReadFile(certFile)
			if err != nil {
				return err
			}
			p := x509.NewCertPool()
			if !p.AppendCertsFromPEM(b) {
				return fmt.Errorf("no certificate in %s yet", certFile)
			}
			pool, caPEM = p, b
		}
		return httpOK(c, insecure, s.URL+"/readyz", token)
	}); err != nil {
		return err
	}
	verified := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if err := httpOK(ctx, verified, s.URL+"/readyz", token); err != nil {
		return fmt.Errorf("kube-apiserver serving certificate does not verify against %s: %w", certFile, err)
	}
	s.log.Debug("kube-apiserver ready", "url", s.URL)

	s.Config = &rest.Config{
		Host:            s.URL,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: caPEM},
		QPS:             200,
		Burst:           400,
	}
	s.Kubeconfig, err = clientcmd.Write(clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{"tkeops": {
			Server:                   s.URL,
			CertificateAuthorityData: caPEM,
		}},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{"tkeops-admin": {Token: token}},
		Contexts: map[string]*clientcmdapi.Context{"tkeops": {
			Cluster:  "tkeops",
			AuthInfo: "tkeops-admin",
		}},
		CurrentContext: "tkeops",
	})
	if err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

// Stop terminates kube-apiserver, then etcd, and removes the work directory
// when Start created it. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.api != nil {
			errs = append(errs, s.api.stop(10*time.Second))
		}
		if s.etcd != nil {
			errs = append(errs, s.etcd.stop(10*time.Second))
		}
		if s.ownsDir {
			errs = append(errs, os.RemoveAll(s.workDir))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// process is one child with its combined output in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
}

func startProcess(dir, name, bin string, args ...string) (*process, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("%s log: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) stop(grace time.Duration) error {
	if p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	if err := p.cmd.Process.Kill(); err != nil && !p.exited() {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	<-p.done
	return nil
}

// logTail returns the last lines of the process log, for start-up errors.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	const maxTail = 4000
	if len(b) > maxTail {
		b = b[len(b)-maxTail:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// waitFor polls check until it succeeds, the process exits or ctx ends.
func waitFor(ctx context.Context, p *process, what string, check func(context.Context) error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = check(c)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before becoming ready (%w); log %s:\n%s", what, p.waitErr, p.logPath, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last check: %w); log %s:\n%s", what, ctx.Err(), last, p.logPath, p.logTail())
		case <-tick.C:
		}
	}
}

func httpOK(ctx context.Context, c *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// freePorts asks the kernel for n distinct free loopback ports. They are
// released before the servers bind them, so a collision is possible but rare.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func writeRSAKey(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("service-account key: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("service-account key: %w", err)
	}
	return nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
