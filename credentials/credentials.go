// Package credentials builds the Tencent Cloud credentials tkeops signs with, from
// the SDK's own providers (tencentcloud-sdk-go common): the environment, the
// profile files, TKE pod identity (OIDC), the CVM instance role, and STS
// AssumeRole on top of any of them. The temporary credentials these providers
// return renew themselves before they expire, each time the SDK signs a request,
// so an apply that runs for hours keeps working. Nothing here re-implements what
// the SDK does; the package only chooses and orders the SDK's providers.
package credentials

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
)

// Sources a Config may name.
const (
	// SourceDefault tries, in order: the environment, the profile file, TKE pod
	// identity, the CVM instance role. The first that is configured is used.
	SourceDefault = "default"
	// SourceEnv reads TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY.
	SourceEnv = "env"
	// SourceProfile reads the [default] section of $TENCENTCLOUD_CREDENTIALS_FILE or
	// ~/.tencentcloud/credentials.
	SourceProfile = "profile"
	// SourceTccli reads ~/.tccli/<profile>.credential, as tccli writes it.
	SourceTccli = "tccli"
	// SourcePodIdentity exchanges the service account token TKE's pod-identity
	// webhook mounts for role credentials (sts:AssumeRoleWithWebIdentity). The
	// webhook injects TKE_REGION, TKE_PROVIDER_ID, TKE_ROLE_ARN and
	// TKE_WEB_IDENTITY_TOKEN_FILE.
	SourcePodIdentity = "pod-identity"
	// SourceCVMRole reads the role bound to the CVM tkeops runs on from the
	// instance metadata service.
	SourceCVMRole = "cvm-role"
)

// Sources lists every source, SourceDefault first.
func Sources() []string {
	return []string{SourceDefault, SourceEnv, SourceProfile, SourceTccli, SourcePodIdentity, SourceCVMRole}
}

// Environment variables of TKE pod identity (set by TKE's pod-identity webhook).
const (
	EnvTKERegion     = "TKE_REGION"
	EnvTKEProviderID = "TKE_PROVIDER_ID"
	EnvTKERoleARN    = "TKE_ROLE_ARN"
	EnvTKETokenFile  = "TKE_WEB_IDENTITY_TOKEN_FILE"
)

// Limits of sts:AssumeRole's DurationSeconds.
const (
	MaxDuration = 12 * time.Hour
	// DefaultDuration is the SDK's default session length.
	DefaultDuration = 2 * time.Hour
	// DefaultSessionName names tkeops' role sessions in CloudAudit.
	DefaultSessionName = "tkeops"
)

// Config says where credentials come from. The zero value is the SDK's default
// chain with no role to assume.
type Config struct {
	// Source is one of Sources; "" means SourceDefault.
	Source string `json:"source,omitempty"`
	// Profile is the tccli profile name for SourceTccli ("" = $TCCLI_PROFILE or
	// "default").
	Profile string `json:"profile,omitempty"`
	// CVMRole is the role name for SourceCVMRole; "" asks the metadata service which
	// role the instance has.
	CVMRole string `json:"cvmRole,omitempty"`
	// RoleARN, when set, is assumed with sts:AssumeRole, signed by the source's
	// credentials, e.g. qcs::cam::uin/100000000001:roleName/tkeops-apply. This is how
	// one identity works in several accounts.
	RoleARN string `json:"roleARN,omitempty"`
	// RoleSessionName names the session ("" = DefaultSessionName); it shows in
	// CloudAudit next to every call.
	RoleSessionName string `json:"roleSessionName,omitempty"`
	// Duration of the assumed role's credentials, a Go duration ("" = 2h, at most
	// 12h). The SDK renews them well before they expire.
	Duration string `json:"duration,omitempty"`
	// STSEndpoint overrides sts.tencentcloudapi.com for AssumeRole and pod identity
	// (sts.internal.tencentcloudapi.com inside a VPC without internet access). The
	// SDK reaches it over HTTPS.
	STSEndpoint string `json:"stsEndpoint,omitempty"`
}

var (
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	roleARNRE     = regexp.MustCompile(`^qcs::cam::uin/\d+:(roleName|role)/.+$`)
)

// Validate checks the configuration without touching the network.
func (c Config) Validate() error {
	var problems []string
	switch c.source() {
	case SourceDefault, SourceEnv, SourceProfile, SourceTccli, SourcePodIdentity, SourceCVMRole:
	default:
		problems = append(problems, fmt.Sprintf("source %q: want one of %s", c.Source, strings.Join(Sources(), ", ")))
	}
	if c.Profile != "" && c.source() != SourceTccli {
		problems = append(problems, "profile is only read by source "+SourceTccli)
	}
	if c.CVMRole != "" && c.source() != SourceCVMRole {
		problems = append(problems, "cvmRole is only read by source "+SourceCVMRole)
	}
	if c.RoleARN != "" && !roleARNRE.MatchString(c.RoleARN) {
		problems = append(problems, fmt.Sprintf("roleARN %q: want qcs::cam::uin/<account UIN>:roleName/<role name>", c.RoleARN))
	}
	if c.RoleARN == "" && (c.RoleSessionName != "" || c.Duration != "") {
		problems = append(problems, "roleSessionName and duration need a roleARN to assume")
	}
	if n := c.RoleSessionName; n != "" && !sessionNameRE.MatchString(n) {
		problems = append(problems, fmt.Sprintf("roleSessionName %q: 2 to 64 letters, digits and + = , . @ _ -", n))
	}
	if _, err := c.duration(); err != nil {
		problems = append(problems, err.Error())
	}
	if strings.Contains(c.STSEndpoint, "://") {
		problems = append(problems, fmt.Sprintf("stsEndpoint %q: give host[:port] without a scheme (the SDK uses HTTPS)", c.STSEndpoint))
	}
	if len(problems) > 0 {
		return fmt.Errorf("credentials: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (c Config) source() string {
	if c.Source == "" {
		return SourceDefault
	}
	return c.Source
}

// duration is the session length of the assumed role.
func (c Config) duration() (time.Duration, error) {
	if c.Duration == "" {
		return DefaultDuration, nil
	}
	d, err := time.ParseDuration(c.Duration)
	if err != nil || d < time.Second || d > MaxDuration {
		return 0, fmt.Errorf("duration %q: want a Go duration from 1s to %s, e.g. 1h", c.Duration, MaxDuration)
	}
	return d, nil
}

// String says where the credentials come from, for plans and logs. It never holds
// a secret.
func (c Config) String() string {
	s := c.source()
	switch {
	case c.source() == SourceTccli && c.Profile != "":
		s += " profile " + c.Profile
	case c.source() == SourceCVMRole && c.CVMRole != "":
		s += " " + c.CVMRole
	}
	if c.RoleARN != "" {
		s = "role " + c.RoleARN + " assumed with " + s + " credentials"
	}
	return s
}

// Provider returns the SDK provider the configuration describes. It makes no
// network call.
func (c Config) Provider() (common.Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	base, err := c.baseProvider()
	if err != nil {
		return nil, err
	}
	if c.RoleARN == "" {
		return base, nil
	}
	d, _ := c.duration()
	name := c.RoleSessionName
	if name == "" {
		name = DefaultSessionName
	}
	return &assumeRole{base: base, roleARN: c.RoleARN, session: name, seconds: int64(d / time.Second), endpoint: c.STSEndpoint}, nil
}

// baseProvider is the provider of the source's own credentials.
func (c Config) baseProvider() (common.Provider, error) {
	switch c.source() {
	case SourceEnv:
		return common.DefaultEnvProvider(), nil
	case SourceProfile:
		return common.DefaultProfileProvider(), nil
	case SourceTccli:
		if c.Profile != "" {
			return common.NewTccliProfileProvider(c.Profile), nil
		}
		return common.DefaultTccliProfileProvider(), nil
	case SourcePodIdentity:
		p, err := common.DefaultTkeOIDCRoleArnProvider()
		if err != nil {
			return nil, fmt.Errorf("credentials: TKE pod identity is not set up (%w): the pod needs a service account annotated with tke.cloud.tencent.com/role-arn and TKE's pod-identity webhook, which sets %s, %s, %s and %s",
				err, EnvTKERegion, EnvTKEProviderID, EnvTKERoleARN, EnvTKETokenFile)
		}
		p.Endpoint = c.STSEndpoint
		return p, nil
	case SourceCVMRole:
		return common.NewCvmRoleProvider(c.CVMRole), nil
	}
	// The SDK's DefaultProviderChain is environment, profile, CVM role; pod identity
	// goes before the CVM role, because a pod's own role is narrower than the node's.
	chain := []common.Provider{common.DefaultEnvProvider(), common.DefaultProfileProvider()}
	if podIdentityConfigured() {
		p, err := common.DefaultTkeOIDCRoleArnProvider()
		if err != nil {
			return nil, fmt.Errorf("credentials: TKE pod identity: %w", err)
		}
		p.Endpoint = c.STSEndpoint
		chain = append(chain, p)
	}
	chain = append(chain, common.DefaultCvmRoleProvider())
	return common.NewProviderChain(chain), nil
}

// podIdentityConfigured reports whether TKE's pod-identity webhook set this
// process up (the SDK's provider refuses to build otherwise).
func podIdentityConfigured() bool {
	for _, k := range []string{EnvTKERegion, EnvTKEProviderID, EnvTKERoleARN, EnvTKETokenFile} {
		if os.Getenv(k) == "" {
			return false
		}
	}
	return true
}

// assumeRole is the SDK's RoleArnProvider over a base provider whose credentials
// are fetched when the role is first assumed, so a chain or a renewing credential
// can sign the AssumeRole call.
type assumeRole struct {
	base     common.Provider
	roleARN  string
	session  string
	seconds  int64
	endpoint string
}

func (a *assumeRole) GetCredential() (common.CredentialIface, error) {
	cred, err := a.base.GetCredential()
	if err != nil {
		return nil, err
	}
	p := common.NewRoleArnProviderWithCredential(cred, a.roleARN, a.session, a.seconds)
	p.Endpoint = a.endpoint
	return p.GetCredential()
}

// ErrNoCredentials is returned when no source in the chain is configured.
var ErrNoCredentials = errors.New("no Tencent Cloud credentials found")

// Resolve fetches the credentials once, so a missing or refused identity is
// reported at start with what to do, rather than by the first API call. The
// credential it returns renews itself when it is temporary.
func (c Config) Resolve() (common.CredentialIface, error) {
	p, err := c.Provider()
	if err != nil {
		return nil, err
	}
	cred, err := p.GetCredential()
	if err != nil {
		if c.source() == SourceDefault && strings.Contains(err.Error(), "no credential found") {
			return nil, fmt.Errorf("%w: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, write ~/.tencentcloud/credentials, run in a pod with TKE pod identity, or on a CVM with a role", ErrNoCredentials)
		}
		return nil, fmt.Errorf("credentials (%s): %w", c, err)
	}
	if id, key, _ := cred.GetCredential(); id == "" || key == "" {
		return nil, fmt.Errorf("credentials (%s): the provider returned an empty key pair", c)
	}
	return cred, nil
}
