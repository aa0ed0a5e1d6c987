package emulator_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

// TestTLSWithTheGeneratedCA serves HTTPS with a CA written to a file and calls it with
// SDK clients that trust only that file: directly by IP, and through the emulator as an
// HTTPS proxy to <service>.tencentcloudapi.com, routed by the Host header.
func TestTLSWithTheGeneratedCA(t *testing.T) {
	caPath := filepath.Join(t.TempDir(), "ca", "emulator-ca.pem")
	ca, err := emulator.LoadOrCreateCA(caPath)
	must(t, err)
	if st, err := os.Stat(caPath + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("CA key file: %v %v", st, err)
	}
	again, err := emulator.LoadOrCreateCA(caPath) // a restart reuses it
	must(t, err)
	if string(again.CertPEM()) != string(ca.CertPEM()) {
		t.Fatal("the CA changed on reload")
	}
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{testSecretID: testSecretKey}, TLS: ca})
	must(t, err)
	t.Cleanup(func() { must(t, srv.Close()) })

	// The client trusts nothing but the file the emulator wrote.
	pemBytes, err := os.ReadFile(caPath)
	must(t, err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the CA file holds no certificate")
	}
	cred := common.NewCredential(testSecretID, testSecretKey)
	client := func(endpoint string, transport *http.Transport) *vpc.Client {
		cpf := profile.NewClientProfile()
		cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = endpoint, "HTTPS"
		c, err := vpc.NewClient(cred, testRegion, cpf)
		must(t, err)
		c.WithHttpTransport(transport)
		return c
	}

	direct := client(srv.Endpoint, &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}})
	cv := vpc.NewCreateVpcRequest()
	cv.VpcName, cv.CidrBlock = s("over-tls"), s("10.9.0.0/16")
	created, err := direct.CreateVpc(cv)
	must(t, err)

	proxyURL, _ := url.Parse("http://" + srv.Endpoint)
	viaProxy := client("vpc.tencentcloudapi.com", &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}})
	dv := vpc.NewDescribeVpcsRequest()
	dv.VpcIds = []*string{created.Response.Vpc.VpcId}
	got, err := viaProxy.DescribeVpcs(dv)
	must(t, err)
	if deref(got.Response.TotalCount) != 1 {
		t.Fatalf("the VPC created over TLS, read through the proxy: %d", deref(got.Response.TotalCount))
	}

	// A client that does not trust the CA is refused by its own TLS stack.
	untrusting := client(srv.Endpoint, &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
	_, err = untrusting.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("a client without the CA: %v", err)
	}

	// The Host names the service: a TKE request sent to the VPC host is refused.
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = "vpc.tencentcloudapi.com", "HTTPS"
	wrong, err := tke.NewClient(cred, testRegion, cpf)
	must(t, err)
	wrong.WithHttpTransport(&http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}})
	_, err = wrong.DescribeClusters(tke.NewDescribeClustersRequest())
	wantCode(t, err, "AuthFailure.SignatureFailure")

	// Plain HTTP still works on the same port.
	plain, err := vpc.NewClient(cred, testRegion, srv.ClientProfile())
	must(t, err)
	_, err = plain.DescribeVpcs(vpc.NewDescribeVpcsRequest()) // a request remembers the endpoint it was sent to
	must(t, err)

	// The proxy only tunnels to the API's hosts.
	pc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, err := pc.Get("https://example.com/"); err == nil {
		resp.Body.Close()
		t.Fatal("the emulator proxied a request to example.com")
	}
}

// As a plain HTTP proxy (HTTP_PROXY), with no TLS at all: a client with scheme HTTP and
// its default <service>.tencentcloudapi.com endpoint reaches the emulator, which routes by
// the Host of the absolute-URL request.
func TestPlainHTTPProxy(t *testing.T) {
	e := start(t, emulator.Options{})
	proxyURL, _ := url.Parse("http://" + e.srv.Endpoint)
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = "tke.tencentcloudapi.com", "HTTP"
	c, err := tke.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, cpf)
	must(t, err)
	c.WithHttpTransport(&http.Transport{Proxy: http.ProxyURL(proxyURL)})
	resp, err := c.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
	if resp.Response.Clusters == nil {
		t.Fatal("no cluster list")
	}
	if n := e.srv.Calls()["tke.DescribeClusters"]; n != 1 {
		t.Fatalf("calls %d", n)
	}
}
