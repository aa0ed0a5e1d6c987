package tencentcloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
	sts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/internal/privatedns"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/providers"
)

// Options configure a Connector. Owner, and Credential or SecretID and SecretKey, are
// required.
type Options struct {
	// Credential signs every request (TC3-HMAC-SHA256, by the SDK). It is the SDK's
	// own interface, so temporary credentials (an assumed role, TKE pod identity, the
	// CVM role) renew themselves before they expire as the SDK signs; package
	// credentials builds it. The package never reads the environment.
	Credential common.CredentialIface `json:"-"`
	// SecretID and SecretKey are a fixed key pair, used when Credential is nil.
	SecretID  string
	SecretKey Secret
	// Endpoint overrides the API host for every service, "host:port" (optionally with a
	// "/path"), e.g. the emulator's "127.0.0.1:PORT". "" uses <service>.tencentcloudapi.com.
	Endpoint string
	// Scheme is "HTTPS" (default) or "HTTP" (the emulator).
	Scheme string
	// Owner is the tkeops instance name written to and filtered by tkeops.io/owner.
	Owner string
	// Logger receives Debug lines per call and Warn lines on retries; nil discards.
	Logger *slog.Logger
	// RateLimits overrides the documented server limits the rate budgets start from
	// and never exceed, in requests per second, keyed "service.Action" (e.g.
	// "tke.DescribeClusters"), "service.*" or "*". Missing keys keep
	// DefaultRateLimits. The budgets adapt below them (budget.go).
	RateLimits map[string]float64
	// RateMargin is the share of every limit left to other clients of the account,
	// from 0 (default: use the whole documented limit, backing off only when the
	// server throttles) to 0.9. The limit is counted per action, region and
	// sub-account, so tools sharing the credentials share it.
	RateMargin float64
	// CallTimeout bounds one attempt of one API call; 0 means 30s.
	CallTimeout time.Duration
	// MaxRetries bounds the retries of one call; 0 means 4, a negative value disables
	// retries. A call refused with RequestLimitExceeded (nothing happened) is retried
	// up to MaxRetries×(MaxRetries+2) times, each time after the rate budget.
	MaxRetries int
	// RetryBackoff is the first retry delay (doubling, with jitter, capped at 32×);
	// 0 means 250ms.
	RetryBackoff time.Duration
	// Transport, when set, carries every request (a proxy, custom TLS for an emulator
	// with its own certificate, or a test double of the network). nil uses the SDK's
	// default transport.
	Transport http.RoundTripper
	// OnRetry, when set, is called once per retry of an API call with the action
	// ("service:Action") and the error code that caused it. It feeds metrics; it
	// must not block.
	OnRetry func(action, code string) `json:"-"`
}

// secretIDRE matches a Tencent Cloud SecretId (long-term or temporary).
var secretIDRE = regexp.MustCompile(`\bAKID[0-9A-Za-z]{8,}`)

// DefaultRateLimits are the server limits per action as Tencent Cloud documents them
// (API digest §5.1: TKE 20/s per action and region, VPC 100/s, with the exceptions
// listed), keyed as in Options.RateLimits. Rate budgets start there and adapt below.
func DefaultRateLimits() map[string]float64 {
	return map[string]float64{
		"tke.*":                           20,
		"tke.DeleteCluster":               50,
		"tke.DescribeClusterSecurity":     100,
		"vpc.*":                           100,
		"vpc.DescribeVpcLimits":           20,
		"vpc.DescribeSecurityGroupLimits": 20,
		"as.*":                            20,
		"tag.*":                           20,
	}
}

// maxRateMargin bounds Options.RateMargin: a budget keeps at least a tenth of the limit.
const maxRateMargin = 0.9

// Connector connects to regions with one set of credentials. It implements
// providers.Connector. Clients of the same region share rate-limit budgets.
type Connector struct {
	opts   Options
	log    *slog.Logger
	scrub  func(string) string
	mu     sync.Mutex
	limits map[string]*budget // "region/service.Action"
	// reads waiting to be sent, which identical reads join (share.go).
	readTable
	// lock values of this connector that hold nothing (lock.go).
	lockBook lockBook
}

var _ providers.Connector = (*Connector)(nil)

// NewConnector checks the options and returns a Connector.
func NewConnector(opts Options) (*Connector, error) {
	var missing []string
	if opts.Credential == nil && opts.SecretID == "" {
		missing = append(missing, "SecretID")
	}
	if opts.Credential == nil && opts.SecretKey == "" {
		missing = append(missing, "SecretKey")
	}
	if opts.Owner == "" {
		missing = append(missing, "Owner")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("tencentcloud: missing options %s (credentials come from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY)", strings.Join(missing, ", "))
	}
	switch strings.ToUpper(opts.Scheme) {
	case "", "HTTPS", "HTTP":
	default:
		return nil, fmt.Errorf("tencentcloud: scheme %q: want HTTP or HTTPS", opts.Scheme)
	}
	if strings.Contains(opts.Endpoint, "://") {
		return nil, fmt.Errorf("tencentcloud: endpoint %q: give host:port without a scheme (set Scheme)", opts.Endpoint)
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 30 * time.Second
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 4
	} else if opts.MaxRetries < 0 {
		opts.MaxRetries = 0
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = 250 * time.Millisecond
	}
	if opts.RateMargin < 0 || opts.RateMargin > maxRateMargin {
		return nil, fmt.Errorf("tencentcloud: rate margin %g: want 0 to %g (the share of each API limit left to other clients)", opts.RateMargin, maxRateMargin)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	id, key := opts.SecretID, string(opts.SecretKey)
	scrub := func(s string) string {
		if key != "" {
			s = strings.ReplaceAll(s, key, secret.Redacted)
		}
		if id != "" {
			s = strings.ReplaceAll(s, id, secret.Redacted)
		}
		// Temporary credentials change as they renew; their IDs have the AKID form.
		return secretIDRE.ReplaceAllString(s, secret.Redacted)
	}
	return &Connector{opts: opts, log: log, scrub: scrub, limits: map[string]*budget{}}, nil
}

// Connect returns a client for one region. It makes no API call.
func (c *Connector) Connect(_ context.Context, region string) (providers.Client, error) {
	return c.ConnectRegion(region)
}

// ConnectRegion is Connect with the concrete type, for callers that need the methods
// beyond providers.Client (ObserveIDs).
func (c *Connector) ConnectRegion(region string) (*Client, error) {
	if region == "" {
		return nil, errors.New("tencentcloud: connect: empty region")
	}
	cred := c.opts.Credential
	if cred == nil {
		cred = common.NewCredential(c.opts.SecretID, string(c.opts.SecretKey))
	}
	cpf := profile.NewClientProfile() // keeps DisableRegionBreaker=true: never reach for a backup domain
	cpf.Language = "en-US"
	cpf.HttpProfile.ReqTimeout = int((c.opts.CallTimeout + time.Second - 1) / time.Second)
	if c.opts.Endpoint != "" {
		cpf.HttpProfile.Endpoint = c.opts.Endpoint
	}
	if c.opts.Scheme != "" {
		cpf.HttpProfile.Scheme = strings.ToUpper(c.opts.Scheme)
	}
	// The SDK does not retry RequestLimitExceeded itself: invoke does, each retry
	// waiting for the rate budget the refusal just lowered.
	cpf.RateLimitExceededMaxRetries = 0

	sdkLog := sdkLogger{log: c.log, scrub: c.scrub}
	tkeC, err := tke.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: tke client: %s", c.scrub(err.Error()))
	}
	// TKE's 2022-05-01 API serves native node pools (and reads every pool type).
	tke2C, err := tke2.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: tke 2022-05-01 client: %s", c.scrub(err.Error()))
	}
	vpcC, err := vpc.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: vpc client: %s", c.scrub(err.Error()))
	}
	asC, err := as.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: as client: %s", c.scrub(err.Error()))
	}
	// CVM: the placement groups node pools name (read at plan time only).
	cvmC, err := cvm.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: cvm client: %s", c.scrub(err.Error()))
	}
	tagC, err := tag.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: tag client: %s", c.scrub(err.Error()))
	}
	// STS tells the account's UIN (a peering connection names the other side's account).
	stsC, err := sts.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: sts client: %s", c.scrub(err.Error()))
	}
	// Private DNS zones (the product has no region; the region is signed all the same).
	dnsC, err := privatedns.NewClient(cred, region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencentcloud: privatedns client: %s", c.scrub(err.Error()))
	}
	tkeC.WithLogger(sdkLog)
	tke2C.WithLogger(sdkLog)
	vpcC.WithLogger(sdkLog)
	asC.WithLogger(sdkLog)
	cvmC.WithLogger(sdkLog)
	tagC.WithLogger(sdkLog)
	stsC.WithLogger(sdkLog)
	dnsC.Common().WithLogger(sdkLog)
	if t := c.opts.Transport; t != nil {
		tkeC.WithHttpTransport(t)
		tke2C.WithHttpTransport(t)
		vpcC.WithHttpTransport(t)
		asC.WithHttpTransport(t)
		cvmC.WithHttpTransport(t)
		tagC.WithHttpTransport(t)
		stsC.WithHttpTransport(t)
		dnsC.Common().WithHttpTransport(t)
	}
	return &Client{
		conn:       c,
		region:     region,
		owner:      c.opts.Owner,
		log:        c.log.With("region", region),
		tke:        tkeC,
		tke2:       tke2C,
		vpc:        vpcC,
		as:         asC,
		cvm:        cvmC,
		tag:        tagC,
		sts:        stsC,
		privatedns: dnsC,
	}, nil
}

// limiter returns the shared rate budget of one action in one region.
func (c *Connector) limiter(region, service, action string) *budget {
	key := region + "/" + service + "." + action
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.limits[key]; ok {
		return b
	}
	b := newBudget(c.ceiling(service, action), time.Now)
	c.limits[key] = b
	return b
}

// ceiling is the most requests per second one action's budget allows: the
// documented limit (or the RateLimits override) less the margin.
func (c *Connector) ceiling(service, action string) float64 {
	r := lookupRate(c.opts.RateLimits, service, action)
	if r == 0 {
		r = lookupRate(DefaultRateLimits(), service, action)
	}
	if r == 0 {
		r = 20
	}
	return r * (1 - c.opts.RateMargin)
}

func lookupRate(m map[string]float64, service, action string) float64 {
	for _, k := range []string{service + "." + action, service + ".*", "*"} {
		if v, ok := m[k]; ok && v > 0 {
			return v
		}
	}
	return 0
}

// Client reads and changes resources of one region. It implements providers.Client.
type Client struct {
	conn       *Connector
	region     string
	owner      string
	log        *slog.Logger
	tke        *tke.Client
	tke2       *tke2.Client
	vpc        *vpc.Client
	as         *as.Client
	cvm        *cvm.Client
	tag        *tag.Client
	sts        *sts.Client
	privatedns *privatedns.Client
}

var _ providers.Client = (*Client)(nil)

// Region is the region the client works in.
func (c *Client) Region() string { return c.region }

// callKind says what a call does, which decides what may be retried.
type callKind uint8

const (
	kindRead   callKind = iota // no effect: retry throttling, transient and internal errors
	kindWrite                  // repeatable with the same outcome (modify, delete): retry throttling and transient errors
	kindCreate                 // not idempotent (no ClientToken): retry only throttling
	// kindPair adds or removes one exact tag pair (the apply lock's values): a repeat
	// of one that landed finds it done (TagDuplicate, ResourceNotFound), so internal
	// errors are retried as a read's are.
	kindPair
)

// invoke runs one API call with the action's rate limit, a per-attempt timeout and
// bounded retries, and converts its error into an *APIError.
func invoke[T any](ctx context.Context, c *Client, service, action string, kind callKind, fn func(context.Context) (T, error)) (T, error) {
	name := service + ":" + action
	lim := c.conn.limiter(c.region, service, action)
	maxRetries := c.conn.opts.MaxRetries
	var zero T
	// failed counts the attempts that failed otherwise than throttled, throttled the
	// throttled ones: each kind of failure has its own allowance of retries.
	failed, throttled := 0, 0
	for attempt := 0; ; attempt++ {
		if err := lim.wait(ctx); err != nil {
			return zero, fmt.Errorf("%s: waiting for rate budget: %w", name, err)
		}
		actx, cancel := context.WithTimeout(ctx, c.conn.opts.CallTimeout)
		start := time.Now()
		resp, err := fn(actx)
		cancel()
		if err == nil {
			lim.succeeded()
			c.log.Debug("api call", "action", name, "attempt", attempt+1, "took", time.Since(start), "poll", providers.IsPoll(ctx))
			return resp, nil
		}
		if ctx.Err() != nil {
			return zero, fmt.Errorf("%s: %w", name, ctx.Err())
		}
		aerr := toAPIError(name, err, c.conn.scrub)
		var ae *APIError
		if !errors.As(aerr, &ae) {
			// The per-attempt timeout fired: a transient failure with an unknown outcome.
			ae = &APIError{Action: name, Code: "ClientError.NetworkError", Message: "call timed out after " + c.conn.opts.CallTimeout.String(), cause: err}
			aerr = ae
		}
		n, limit, backoff := failed, maxRetries, failed
		if ae.Throttled() {
			// Refused before anything happened: retried as often as the SDK's own
			// retries inside ours used to be, each retry waiting for the lowered budget.
			lim.throttle(start)
			n, limit, backoff = throttled, maxRetries*(maxRetries+2), min(throttled, 2)
			throttled++
		} else {
			failed++
		}
		if n >= limit || !retryable(classify(ae.Code), kind, n) {
			return zero, aerr
		}
		if c.conn.opts.OnRetry != nil {
			c.conn.opts.OnRetry(name, ae.Code)
		}
		d := jitter(c.conn.opts.RetryBackoff, backoff)
		c.log.Warn("api call failed, retrying", "action", name, "code", ae.Code, "attempt", attempt+1, "in", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, fmt.Errorf("%s: %w (last error: %w)", name, ctx.Err(), aerr)
		case <-t.C:
		}
	}
}

func retryable(rc retryClass, kind callKind, attempt int) bool {
	switch rc {
	case retryThrottled:
		return true
	case retryTransient:
		return kind != kindCreate
	case retryInternal:
		return (kind == kindRead || kind == kindPair) && attempt < 2
	case retryClock:
		return attempt == 0
	}
	return false
}

// jitter is base·2^attempt (capped at 32·base), scaled by a random factor in [0.5, 1.5).
func jitter(base time.Duration, attempt int) time.Duration {
	if attempt > 5 {
		attempt = 5
	}
	d := base << attempt
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// sdkLogger routes the SDK's own log lines (debug dumps, retry notes) to slog at Debug.
type sdkLogger struct {
	log   *slog.Logger
	scrub func(string) string
}

func (l sdkLogger) Printf(format string, args ...any) {
	l.log.Debug("sdk: " + l.scrub(strings.TrimSpace(fmt.Sprintf(format, args...))))
}
