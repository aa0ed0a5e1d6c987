package emulator

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// HTTPS. Some clients call <service>.tencentcloudapi.com over HTTPS whatever endpoint
// they are given, so the emulator can serve TLS with certificates from a local CA of its
// own: on the same port as plain HTTP (the first byte of a connection tells them
// apart), directly (endpoint 127.0.0.1:PORT, scheme HTTPS) or as an HTTPS proxy
// (HTTPS_PROXY=http://127.0.0.1:PORT): a CONNECT to any <service>.tencentcloudapi.com
// host is answered by the emulator itself, which then routes by the Host header.

// CA is the emulator's local certificate authority. Its certificate is what clients
// trust; it issues a leaf certificate per server name on demand.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte

	mu    sync.Mutex
	leafs map[string]*tls.Certificate
}

// caValidity is how long a generated CA is valid; leaf certificates live a day less.
const caValidity = 365 * 24 * time.Hour

// LoadOrCreateCA reads the CA certificate at certPath and its key at certPath+".key", or
// generates both (key file mode 0600) when neither exists. Clients trust certPath.
func LoadOrCreateCA(certPath string) (*CA, error) {
	keyPath := certPath + ".key"
	certPEM, errC := os.ReadFile(certPath)
	keyPEM, errK := os.ReadFile(keyPath)
	switch {
	case errC == nil && errK == nil:
		return parseCA(certPEM, keyPEM)
	case errors.Is(errC, fs.ErrNotExist) && errors.Is(errK, fs.ErrNotExist):
	case errC != nil && !errors.Is(errC, fs.ErrNotExist):
		return nil, fmt.Errorf("read CA certificate: %w", errC)
	case errK != nil && !errors.Is(errK, fs.ErrNotExist):
		return nil, fmt.Errorf("read CA key: %w", errK)
	default:
		return nil, fmt.Errorf("%s and %s: one exists without the other; remove both to generate a new CA", certPath, keyPath)
	}
	ca, keyPEM, err := newCA()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o755); err != nil {
		return nil, fmt.Errorf("create CA directory: %w", err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, fmt.Errorf("write CA key: %w", err)
	}
	if err := os.WriteFile(certPath, ca.pem, 0o644); err != nil {
		return nil, fmt.Errorf("write CA certificate: %w", err)
	}
	return ca, nil
}

func newCA() (*CA, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "tkeops emulator local CA", Organization: []string{"tkeops"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode CA key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	ca, err := parseCA(certPEM, keyPEM)
	return ca, keyPEM, err
}

func parseCA(certPEM, keyPEM []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("CA certificate or key is not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse CA key: %w", err)
	}
	if !cert.IsCA || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("the CA key does not belong to the CA certificate")
	}
	if time.Now().After(cert.NotAfter) {
		return nil, fmt.Errorf("the CA certificate expired on %s; remove it and its key to generate a new one", cert.NotAfter.Format(time.DateOnly))
	}
	return &CA{cert: cert, key: key, pem: certPEM, leafs: map[string]*tls.Certificate{}}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

// CertPEM is the CA certificate, for clients to trust.
func (ca *CA) CertPEM() []byte { return ca.pem }

// Pool is a certificate pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// TLSConfig serves a certificate for whatever server name the client asks for (the
// loopback addresses when it sends none, as for an IP endpoint).
func (ca *CA) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			return ca.leaf(hello.ServerName)
		},
	}
}

// leaf issues (once) the certificate for a server name.
func (ca *CA) leaf(name string) (*tls.Certificate, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leafs[name]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: orDefault(name, "localhost")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     ca.cert.NotAfter.Add(-24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ip := net.ParseIP(name); ip != nil {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	} else if name != "" {
		tmpl.DNSNames = append(tmpl.DNSNames, name)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("issue a certificate for %q: %w", name, err)
	}
	c := &tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key}
	ca.leafs[name] = c
	return c, nil
}

// apiHost matches the API's host names: <service>.tencentcloudapi.com and its regional
// and international forms (<service>.<region>.tencentcloudapi.com,
// <service>.intl.tencentcloudapi.com).
var apiHost = regexp.MustCompile(`^([a-z0-9]+)\.(?:[a-z0-9-]+\.)?tencentcloudapi\.com$`)

// hostService is the service a request's Host names, or "" for a host that is not an
// API domain (an IP or localhost endpoint: the credential scope names the service).
func hostService(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if m := apiHost.FindStringSubmatch(strings.ToLower(host)); m != nil {
		return m[1]
	}
	return ""
}

// sniffListener hands out plain connections as they are and TLS connections (those
// whose first byte is a TLS handshake record) wrapped in tls.Server.
type sniffListener struct {
	net.Listener
	tls *tls.Config
}

func (l *sniffListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		br := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		first, err := br.Peek(1)
		_ = c.SetReadDeadline(time.Time{})
		if err != nil {
			c.Close() // a client that connects and sends nothing
			continue
		}
		pc := &peekedConn{Conn: c, r: br}
		if first[0] == 0x16 { // TLS handshake record
			return tls.Server(pc, l.tls), nil
		}
		return pc, nil
	}
}

// peekedConn replays what was read ahead while sniffing.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// serveConnect answers a CONNECT to an API host as an HTTPS proxy would, then serves
// the tunnel itself: TLS with a certificate for that host, and the API over it.
func (e *Emulator) serveConnect(w http.ResponseWriter, r *http.Request, ca *CA) {
	if ca == nil {
		http.Error(w, "this emulator serves no TLS: start it with --tls to use it as an HTTPS proxy", http.StatusMethodNotAllowed)
		return
	}
	if hostService(r.Host) == "" {
		http.Error(w, "the emulator only proxies <service>.tencentcloudapi.com", http.StatusForbidden)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack the connection", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	inner := net.Conn(&peekedConn{Conn: conn, r: buf.Reader})
	tc := tls.Server(inner, ca.TLSConfig())
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		e.log.Debug("emulator: TLS handshake in a CONNECT tunnel failed", "host", r.Host, "err", err)
		conn.Close()
		return
	}
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	if !e.trackTunnel(srv, true) {
		tc.Close()
		return
	}
	defer e.trackTunnel(srv, false)
	_ = srv.Serve(newOneConnListener(tc))
}

// trackTunnel adds (or removes) a tunnel's server so Close can end it; it refuses new
// tunnels once the emulator is closing.
func (e *Emulator) trackTunnel(srv *http.Server, add bool) bool {
	e.tunnelMu.Lock()
	defer e.tunnelMu.Unlock()
	if !add {
		delete(e.tunnelSrv, srv)
		e.tunnels.Done()
		return true
	}
	if e.tunnelSrv == nil { // closed
		return false
	}
	e.tunnelSrv[srv] = struct{}{}
	e.tunnels.Add(1)
	return true
}

// closeTunnels ends every CONNECT tunnel and waits for their handlers.
func (e *Emulator) closeTunnels() {
	e.tunnelMu.Lock()
	srvs := e.tunnelSrv
	e.tunnelSrv = nil
	e.tunnelMu.Unlock()
	for srv := range srvs {
		_ = srv.Close()
	}
	e.tunnels.Wait()
}

// oneConnListener serves a single connection; Accept then blocks until the
// connection or the listener is closed.
type oneConnListener struct {
	mu     sync.Mutex
	conn   net.Conn
	done   chan struct{}
	closed sync.Once
}

func newOneConnListener(c net.Conn) *oneConnListener {
	return &oneConnListener{conn: c, done: make(chan struct{})}
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	c := l.conn
	l.conn = nil
	l.mu.Unlock()
	if c != nil {
		return &closeNotifyConn{Conn: c, closed: func() { _ = l.Close() }}, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return dummyAddr{} }

type closeNotifyConn struct {
	net.Conn
	closed func()
}

func (c *closeNotifyConn) Close() error {
	err := c.Conn.Close()
	c.closed()
	return err
}

type dummyAddr struct{}

func (dummyAddr) Network() string { return "tunnel" }
func (dummyAddr) String() string  { return "tunnel" }
