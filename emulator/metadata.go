package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// The CVM instance metadata service, as far as credentials go: the CAM role bound to
// the instance (Options.InstanceRole) and its temporary keys, as the SDK's
// CvmRoleProvider reads them. The SDK asks http://metadata.tencentyun.com itself,
// whatever endpoint it is given, so clients reach this with the emulator as their
// HTTP proxy (HTTP_PROXY=http://127.0.0.1:PORT); the request's Host routes it here.
//
// Relied on: the SDK's common/cvm_role_provider.go (paths, the JSON fields it
// decodes, Code "Success") and the CVM metadata documentation (404 when no role is
// bound; keys valid for hours, renewed by the client 5 minutes before they end).

const metadataHost = "metadata.tencentyun.com"

// metadataKeyLifetime is how long the instance role's keys last.
const metadataKeyLifetime = 2 * time.Hour

const credentialsPath = "/latest/meta-data/cam/security-credentials/"

func metadataModule() module {
	return module{
		hosts: map[string]func(e *Emulator) http.Handler{metadataHost: metadataHandler},
	}
}

func metadataHandler(e *Emulator) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if r.Method != http.MethodGet || !strings.HasPrefix(path, credentialsPath) {
			http.NotFound(w, r)
			return
		}
		roleArn := e.instanceRole
		_, roleName, _ := strings.Cut(roleArn, ":roleName/")
		name := strings.TrimPrefix(path, credentialsPath)
		switch {
		case roleArn == "":
			http.NotFound(w, r) // no role bound to the instance
		case name == "":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(roleName))
		case name != roleName:
			http.NotFound(w, r)
		default:
			k, err := e.IssueTemporaryKey(roleArn, metadataKeyLifetime)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			b, _ := json.Marshal(map[string]any{
				"TmpSecretId": k.SecretID, "TmpSecretKey": k.SecretKey, "Token": k.Token,
				"ExpiredTime": k.Expires.Unix(), "Expiration": k.Expires.UTC().Format(time.RFC3339), "Code": "Success",
			})
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
		}
	})
}
