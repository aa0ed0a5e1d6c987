package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	sts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"
)

// STS: temporary keys for CAM roles (sts:AssumeRole, signed by a key of any account),
// for a TKE pod's service account token (sts:AssumeRoleWithWebIdentity, unsigned: the
// token is the proof), and who signed a request (sts:GetCallerIdentity). A temporary
// key is served in its role's account, needs its token, and is refused with
// AuthFailure.TokenFailure once it expires (credentials.go). The SDK's providers only
// speak HTTPS to STS: serve it with Options.TLS.
//
// Relied on: the SDK's sts 2018-08-13 models and per-action error lists; its
// RoleArnProvider and OIDCRoleArnProvider (common/) for what a client sends
// (RoleArn, RoleSessionName, DurationSeconds; Authorization "SKIP" for the web
// identity); the STS documentation's limits (DurationSeconds 0–43200, default 7200;
// session names of 2–128 characters of [\w+=,.@-]).

const stsService, stsVersion = "sts", "2018-08-13"

// skipSignature is the Authorization of a request sent without a signature.
const skipSignature = "SKIP"

// Limits of STS requests.
const (
	stsDefaultDuration = 7200 * time.Second
	stsMaxDuration     = 43200 * time.Second
)

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,128}$`)

func stsModule() module {
	return module{
		service: stsService, version: stsVersion, global: true,
		actions: []actionDef{
			{"AssumeRole", op(sts.NewAssumeRoleRequest, assumeRole)},
			{"AssumeRoleWithWebIdentity", op(sts.NewAssumeRoleWithWebIdentityRequest, assumeRoleWithWebIdentity)},
			{"GetCallerIdentity", op(sts.NewGetCallerIdentityRequest, getCallerIdentity)},
		},
		unsigned: []string{"AssumeRoleWithWebIdentity"},
	}
}

// unsignedRequest reads who an unsigned request is for: the service is the one its
// API host names, or else the one service serving its action without a signature.
func (e *Emulator) unsignedRequest(r *http.Request) (signedRequest, *APIError) {
	if svc := hostService(r.Host); svc != "" {
		return signedRequest{Service: svc}, nil
	}
	name := r.Header.Get("X-TC-Action")
	for k, a := range e.reg.routes {
		if k.action == name && a.unsigned {
			return signedRequest{Service: k.service}, nil
		}
	}
	return signedRequest{}, apiErr(codeInvalidAuthorization, "The action `%s` must be signed (TC3-HMAC-SHA256); only a few actions take Authorization: SKIP.", name)
}

// duration reads DurationSeconds (0 or absent: the default).
func stsDuration(seconds int64) (time.Duration, *APIError) {
	if seconds == 0 {
		return stsDefaultDuration, nil
	}
	d := time.Duration(seconds) * time.Second
	if seconds < 0 || d > stsMaxDuration {
		return 0, apiErr("InvalidParameter.OverTimeError", "DurationSeconds %d is out of range: from 0 to %d.", seconds, int64(stsMaxDuration/time.Second))
	}
	return d, nil
}

func stsCredentials(k TemporaryKey) *sts.Credentials {
	return &sts.Credentials{Token: ptr(k.Token), TmpSecretId: ptr(k.SecretID), TmpSecretKey: ptr(k.SecretKey)}
}

func assumeRole(c *call, req *sts.AssumeRoleRequest) (*sts.AssumeRoleResponseParams, error) {
	roleArn, name := deref(req.RoleArn), deref(req.RoleSessionName)
	if roleArn == "" {
		return nil, missing("RoleArn")
	}
	if name == "" {
		return nil, missing("RoleSessionName")
	}
	if !sessionNameRE.MatchString(name) {
		return nil, apiErr("InvalidParameter.ParamError", "RoleSessionName %q: 2 to 128 letters, digits and +=,.@_-.", name)
	}
	var seconds int64
	if req.DurationSeconds != nil {
		seconds = int64(*req.DurationSeconds)
	}
	d, aerr := stsDuration(seconds)
	if aerr != nil {
		return nil, aerr
	}
	k, ok := c.issueTemporaryKey(roleArn, d)
	if !ok {
		return nil, apiErr("ResourceNotFound.RoleNotFound", "The role %s does not exist.", roleArn)
	}
	return &sts.AssumeRoleResponseParams{
		Credentials: stsCredentials(k),
		ExpiredTime: ptr(k.Expires.Unix()),
		Expiration:  ptr(k.Expires.UTC().Format(time.RFC3339)),
	}, nil
}

// assumeRoleWithWebIdentity checks the token as far as the emulator can without the
// cluster's OIDC keys: a JWT whose payload names a subject and an audience and has not
// expired. A wrong or expired token is InvalidParameter.WebIdentityTokenError.
func assumeRoleWithWebIdentity(c *call, req *sts.AssumeRoleWithWebIdentityRequest) (*sts.AssumeRoleWithWebIdentityResponseParams, error) {
	for _, p := range []struct {
		name string
		v    *string
	}{{"ProviderId", req.ProviderId}, {"WebIdentityToken", req.WebIdentityToken}, {"RoleArn", req.RoleArn}, {"RoleSessionName", req.RoleSessionName}} {
		if deref(p.v) == "" {
			return nil, missing(p.name)
		}
	}
	if !sessionNameRE.MatchString(deref(req.RoleSessionName)) {
		return nil, apiErr("InvalidParameter.ParamError", "RoleSessionName %q: 2 to 128 letters, digits and +=,.@_-.", deref(req.RoleSessionName))
	}
	if why := checkWebIdentity(deref(req.WebIdentityToken), c.now); why != "" {
		return nil, apiErr("InvalidParameter.WebIdentityTokenError", "The web identity token is not valid: %s.", why)
	}
	var seconds int64
	if req.DurationSeconds != nil {
		seconds = *req.DurationSeconds
	}
	d, aerr := stsDuration(seconds)
	if aerr != nil {
		return nil, aerr
	}
	k, ok := c.issueTemporaryKey(deref(req.RoleArn), d)
	if !ok {
		return nil, apiErr("InternalError.GetRoleError", "The role %s does not exist.", deref(req.RoleArn))
	}
	return &sts.AssumeRoleWithWebIdentityResponseParams{
		Credentials: stsCredentials(k),
		ExpiredTime: ptr(uint64(k.Expires.Unix())),
		Expiration:  ptr(k.Expires.UTC().Format(time.RFC3339)),
	}, nil
}

// checkWebIdentity says what is wrong with a service account token, "" when nothing.
func checkWebIdentity(token string, now time.Time) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "not a JWT"
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "its payload is not base64url"
	}
	var claims struct {
		Sub string `json:"sub"`
		Aud any    `json:"aud"`
		Exp int64  `json:"exp"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		return "its payload is not JSON"
	}
	switch {
	case claims.Sub == "":
		return "it names no subject"
	case claims.Aud == nil:
		return "it names no audience"
	case claims.Exp == 0 || !now.Before(time.Unix(claims.Exp, 0)):
		return "it has expired"
	}
	return ""
}

func getCallerIdentity(c *call, _ *sts.GetCallerIdentityRequest) (*sts.GetCallerIdentityResponseParams, error) {
	uin := c.callerUIN()
	arn, typ := "qcs::cam::uin/"+uin+":uin/"+uin, "CAMUser"
	if k, ok := c.e.creds.temporary(c.secretID); ok {
		arn, typ = k.roleArn, "AssumedRole"
	}
	return &sts.GetCallerIdentityResponseParams{
		Arn: ptr(arn), AccountId: ptr(uin), UserId: ptr(uin), PrincipalId: ptr(uin), Type: ptr(typ),
	}, nil
}
