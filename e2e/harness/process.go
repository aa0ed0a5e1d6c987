package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Test credentials of the emulator processes the suites start. They are not
// secrets; the security suite uses its own, distinctive ones.
const (
	SecretID  = "AKIDe2eharness000001"
	SecretKey = "e2e-harness-secret-key"
)

// ModuleRoot finds the directory of go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// BuildBinary builds ./cmd/tkeops into dir and returns the binary's path. The go
// build cache makes every build after the first in a checkout a link step.
func BuildBinary(ctx context.Context, dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "tkeops")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tkeops")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/tkeops: %w\n%s", err, out)
	}
	return bin, nil
}

// Binary builds tkeops into t.TempDir() or fails the test.
func Binary(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin, err := BuildBinary(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// FreePort returns a loopback address that was free a moment ago.
func FreePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr, nil
}

// Process is a child process with its combined output kept in memory (and
// optionally copied to a file).
type Process struct {
	Cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{}
	err    error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	w  io.Writer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w != nil {
		_, _ = s.w.Write(p)
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start starts bin with args and env (added to the current environment). Its stdout
// and stderr are kept together, and copied to tee when not nil.
func Start(bin string, args, env []string, tee io.Writer) (*Process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	buf := &syncBuffer{w: tee}
	cmd.Stdout, cmd.Stderr = buf, buf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	p := &Process{Cmd: cmd, output: buf, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Output is everything the process wrote so far.
func (p *Process) Output() string { return p.output.String() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns its error (nil for exit 0).
func (p *Process) Wait() error {
	<-p.done
	return p.err
}

// Kill sends SIGKILL and waits for the exit.
func (p *Process) Kill() {
	_ = p.Cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop sends SIGTERM, waits up to grace, then kills.
func (p *Process) Stop(grace time.Duration) error {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(grace):
		p.Kill()
		return fmt.Errorf("%s did not stop within %s", filepath.Base(p.Cmd.Path), grace)
	}
}

// EmulatorProcess is `tkeops emulator` running as its own process.
type EmulatorProcess struct {
	*Process
	Cloud
}

// EmulatorConfig configures StartEmulator.
type EmulatorConfig struct {
	// StateFile persists the emulated account across emulator restarts; "" keeps it
	// in memory.
	StateFile string
	// Timing is the --timing value; "" means instant.
	Timing string
	// NoRateLimits turns the server-side limits off.
	NoRateLimits bool
	// Credentials default to SecretID/SecretKey.
	SecretID, SecretKey string
	// Tee receives the emulator's output.
	Tee io.Writer
}

// StartEmulator runs `bin emulator` on a free port and waits until it answers.
func StartEmulator(ctx context.Context, bin string, c EmulatorConfig) (*EmulatorProcess, error) {
	if c.SecretID == "" {
		c.SecretID, c.SecretKey = SecretID, SecretKey
	}
	if c.Timing == "" {
		c.Timing = "instant"
	}
	var lastErr error
	for range 5 { // the free port may be taken before the emulator binds it
		addr, err := FreePort()
		if err != nil {
			return nil, err
		}
		args := []string{"emulator", "--listen", addr, "--timing", c.Timing, "--log-level", "warn",
			"--credential", c.SecretID + ":" + c.SecretKey}
		if c.StateFile != "" {
			args = append(args, "--state", c.StateFile)
		}
		if c.NoRateLimits {
			args = append(args, "--rate-limits", "off")
		}
		p, err := Start(bin, args, nil, c.Tee)
		if err != nil {
			return nil, err
		}
		e := &EmulatorProcess{Process: p, Cloud: Cloud{Endpoint: addr, SecretID: c.SecretID, SecretKey: c.SecretKey}}
		if lastErr = e.waitHealthy(ctx, 30*time.Second); lastErr == nil {
			return e, nil
		}
		p.Kill()
		if !strings.Contains(p.Output(), "address already in use") {
			break
		}
	}
	return nil, fmt.Errorf("emulator did not start: %w", lastErr)
}

func (e *EmulatorProcess) waitHealthy(ctx context.Context, budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+e.Endpoint+"/_emulator/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-e.Done():
			return fmt.Errorf("emulator exited: %w\n%s", e.err, e.Output())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("emulator not healthy after %s: %w\n%s", budget, err, e.Output())
		}
	}
}

// Env is the environment a tkeops child needs to reach this emulator.
func (c Cloud) Env() []string {
	return []string{"TENCENTCLOUD_SECRET_ID=" + c.SecretID, "TENCENTCLOUD_SECRET_KEY=" + c.SecretKey, "TKEOPS_ENDPOINT=" + c.Endpoint}
}
