package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Who may call: the key pairs of each account's users, the CAM roles of each account,
// and the temporary keys STS issues for those roles. A request is served in the account
// of the key that signed it.

// credentials are the emulator's key pairs and roles. Safe for concurrent use.
type credentials struct {
	primaryUIN string
	keys       map[string]keyPair // by SecretId; fixed after New
	roles      map[string]string  // role ARN → UIN; fixed after New

	mu   sync.Mutex
	temp map[string]temporaryKey // by SecretId
}

// keyPair is a permanent key of an account's user.
type keyPair struct {
	secretKey string
	uin       string
}

// temporaryKey is a key STS issued: it needs its token and ends at its expiry.
type temporaryKey struct {
	secretKey string
	token     string
	expires   time.Time
	uin       string
	roleArn   string
}

// TemporaryKey is what an STS action returns to its caller.
type TemporaryKey struct {
	SecretID, SecretKey, Token string
	Expires                    time.Time
}

func newCredentials(opts Options) (*credentials, error) {
	cr := &credentials{primaryUIN: opts.UIN, keys: map[string]keyPair{}, roles: map[string]string{}, temp: map[string]temporaryKey{}}
	add := func(uin string, keys map[string]string, roles []string) error {
		for id, key := range keys {
			if id == "" || key == "" {
				return fmt.Errorf("emulator: an empty SecretId or SecretKey in account %q", uin)
			}
			if _, dup := cr.keys[id]; dup {
				return fmt.Errorf("emulator: SecretId %s is configured twice", id)
			}
			cr.keys[id] = keyPair{secretKey: key, uin: uin}
		}
		for _, r := range roles {
			cr.roles[r] = uin
		}
		return nil
	}
	if err := add(opts.UIN, opts.Credentials, opts.Roles); err != nil {
		return nil, err
	}
	for _, a := range opts.Accounts {
		if a.UIN == "" || a.UIN == opts.UIN {
			return nil, fmt.Errorf("emulator: account %q needs a UIN of its own", a.UIN)
		}
		if err := add(a.UIN, a.Credentials, a.Roles); err != nil {
			return nil, err
		}
	}
	return cr, nil
}

// signer is who signed a request: the key to check the signature with, the token the
// request must carry (temporary keys only), and the account.
type signer struct {
	secretKey string
	token     string // "" for a permanent key
	expires   time.Time
	uin       string
}

// lookup finds a SecretId, permanent or temporary.
func (cr *credentials) lookup(id string) (signer, bool) {
	if k, ok := cr.keys[id]; ok {
		return signer{secretKey: k.secretKey, uin: k.uin}, true
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if t, ok := cr.temp[id]; ok {
		return signer{secretKey: t.secretKey, token: t.token, expires: t.expires, uin: t.uin}, true
	}
	return signer{}, false
}

// checkToken applies the rules of temporary keys: the token they were issued with, before
// their expiry (AuthFailure.TokenFailure otherwise).
func (s signer) checkToken(token string, now time.Time) *APIError {
	if s.token == "" {
		return nil // a permanent key takes no token
	}
	if token != s.token {
		return apiErr("AuthFailure.TokenFailure", "Token verification failed: the X-TC-Token does not belong to this temporary SecretId.")
	}
	if !now.Before(s.expires) {
		return apiErr("AuthFailure.TokenFailure", "Token verification failed: the temporary key expired at %s.", s.expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// roleAccount is the UIN of the account a role belongs to.
func (cr *credentials) roleAccount(roleArn string) (string, bool) {
	uin, ok := cr.roles[roleArn]
	return uin, ok
}

// issueTemporaryKey makes a temporary key for a role of an account, valid for d.
func (cr *credentials) issueTemporaryKey(uin, roleArn string, now time.Time, d time.Duration) TemporaryKey {
	k := TemporaryKey{
		SecretID: "AKID" + randomText(32), SecretKey: randomText(32), Token: randomText(64), Expires: now.Add(d).Truncate(time.Second),
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for id, t := range cr.temp { // forget the expired ones
		if now.After(t.expires) {
			delete(cr.temp, id)
		}
	}
	cr.temp[k.SecretID] = temporaryKey{secretKey: k.SecretKey, token: k.Token, expires: k.Expires, uin: uin, roleArn: roleArn}
	return k
}

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	return strings.NewReplacer("-", "a", "_", "b").Replace(s)[:n]
}

// issueTemporaryKey is what STS actions call: a temporary key for a role (which must be
// one of Options.Roles or an Account's Roles), in the role's account, valid for d.
func (c *call) issueTemporaryKey(roleArn string, d time.Duration) (TemporaryKey, bool) {
	uin, ok := c.e.creds.roleAccount(roleArn)
	if !ok {
		return TemporaryKey{}, false
	}
	return c.e.creds.issueTemporaryKey(uin, roleArn, c.now, d), true
}

// callerUIN is the account of the key that signed the call.
func (c *call) callerUIN() string { return c.uin }

// IssueTemporaryKey makes a temporary key for a role, as STS would, valid for d from
// now on the emulator's clock: for tests of clients that refresh their credentials.
func (e *Emulator) IssueTemporaryKey(roleArn string, d time.Duration) (TemporaryKey, error) {
	uin, ok := e.creds.roleAccount(roleArn)
	if !ok {
		return TemporaryKey{}, fmt.Errorf("emulator: no role %s (Options.Roles, Account.Roles)", roleArn)
	}
	return e.creds.issueTemporaryKey(uin, roleArn, e.now(), d), nil
}

// temporary returns the temporary key with SecretId id, if there is one.
func (cr *credentials) temporary(id string) (temporaryKey, bool) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	t, ok := cr.temp[id]
	return t, ok
}
