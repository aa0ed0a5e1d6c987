package emulator_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tkeops/tkeops/emulator"
)

// What the SDK documents about the API, read from the SDK's own source in the module
// cache (the versions go.mod pins): the error codes each action may return (the
// "可能返回的错误码" block above every client method) and, per model struct, the fields
// that "may return null" (注意：此字段可能返回 null). The contract tests compare the
// emulator against these, so they follow the SDK when go.mod moves.

// sdkPackages maps a product version ("tke/2018-05-25") to its SDK module and package
// directory.
var sdkPackages = map[string]struct{ module, dir string }{
	"tke/2018-05-25": {"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke", "v20180525"},
	"tke/2022-05-01": {"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke", "v20220501"},
	"vpc/2017-03-12": {"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc", "v20170312"},
	"as/2018-04-19":  {"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as", "v20180419"},
	"cvm/2017-03-12": {"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm", "v20170312"},
	"tag/2018-08-13": {"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag", "v20180813"},
	"sts/2018-08-13": {"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts", "v20180813"},
	// Private DNS: the SDK module is not on the module proxy; internal/privatedns holds
	// its models and documented codes in the SDK's layout.
	"privatedns/2020-10-28": {"github.com/tkeops/tkeops", "internal/privatedns"},
}

// productOf is the sdkPackages key of an action.
func productOf(a emulator.ActionInfo) string { return a.Service + "/" + a.Version }

// commonErrorCodes are the codes every action may answer (the API 3.0 "Common Error
// Codes" page).
var commonErrorCodes = strings.Fields(`ActionOffline AuthFailure.InvalidAuthorization AuthFailure.InvalidSecretId
	AuthFailure.MFAFailure AuthFailure.SecretIdNotFound AuthFailure.SignatureExpire AuthFailure.SignatureFailure
	AuthFailure.TokenFailure AuthFailure.UnauthorizedOperation DryRunOperation FailedOperation InternalError
	InvalidAction InvalidParameter InvalidParameterValue InvalidRequest IpInBlacklist IpNotInWhitelist LimitExceeded
	MissingParameter NoSuchProduct NoSuchVersion RequestLimitExceeded RequestLimitExceeded.GlobalRegionUinLimitExceeded
	RequestLimitExceeded.IPLimitExceeded RequestLimitExceeded.UinLimitExceeded RequestSizeLimitExceeded ResourceInUse
	ResourceInsufficient ResourceNotFound ResourceUnavailable ResponseSizeLimitExceeded ServiceUnavailable
	UnauthorizedOperation UnknownParameter UnsupportedOperation UnsupportedProtocol UnsupportedRegion`)

type sdkDocs struct {
	// codes["tke/2018-05-25.CreateCluster"] is the set of codes the SDK documents for the action.
	codes map[string]map[string]bool
	// nullable["tke/2018-05-25.Cluster"] is the set of JSON field names documented as nullable.
	nullable map[string]map[string]bool
	// deprecated["as/2018-04-19.EnhancedService"] is the set of JSON field names marked Deprecated.
	deprecated map[string]map[string]bool
}

var (
	sdkDocsOnce sync.Once
	sdkDocsVal  *sdkDocs
	sdkDocsErr  error
)

// loadSDKDocs parses the SDK sources once per test binary.
func loadSDKDocs(t testing.TB) *sdkDocs {
	t.Helper()
	sdkDocsOnce.Do(func() { sdkDocsVal, sdkDocsErr = parseSDKDocs() })
	if sdkDocsErr != nil {
		t.Fatalf("read the SDK's documentation from the module cache: %v", sdkDocsErr)
	}
	return sdkDocsVal
}

var codeLine = regexp.MustCompile(`^//\s+[A-Z0-9_]+ = "([^"]+)"$`)

func parseSDKDocs() (*sdkDocs, error) {
	d := &sdkDocs{codes: map[string]map[string]bool{}, nullable: map[string]map[string]bool{}, deprecated: map[string]map[string]bool{}}
	for product, p := range sdkPackages {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", p.module).Output()
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(strings.TrimSpace(string(out)), p.dir)
		fset := token.NewFileSet()
		client, err := parser.ParseFile(fset, filepath.Join(dir, "client.go"), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, decl := range client.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Doc == nil || !strings.HasSuffix(fn.Name.Name, "WithContext") {
				continue
			}
			set := map[string]bool{}
			for _, c := range fn.Doc.List {
				if m := codeLine.FindStringSubmatch(c.Text); m != nil {
					set[m[1]] = true
				}
			}
			d.codes[product+"."+strings.TrimSuffix(fn.Name.Name, "WithContext")] = set
		}
		models, err := parser.ParseFile(fset, filepath.Join(dir, "models.go"), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ast.Inspect(models, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			set, dep := map[string]bool{}, map[string]bool{}
			for _, f := range st.Fields.List {
				if f.Doc == nil || f.Tag == nil || len(f.Names) == 0 {
					continue
				}
				doc := strings.ReplaceAll(f.Doc.Text(), " ", "")
				name, _, _ := strings.Cut(reflect.StructTag(strings.Trim(f.Tag.Value, "`")).Get("json"), ",")
				if strings.Contains(doc, "可能返回null") {
					set[name] = true
				}
				if strings.Contains(doc, "Deprecated:") {
					dep[name] = true
				}
			}
			d.nullable[product+"."+ts.Name.Name] = set
			d.deprecated[product+"."+ts.Name.Name] = dep
			return false
		})
	}
	return d, nil
}

// observedErrorCodes are codes the real API answers that the SDK does not list, each
// with where the behaviour is recorded.
var observedErrorCodes = map[string]string{ // keyed "<product>.<Action> <Code>"
	// DeleteClusterNodePool of a pool that is gone: "InternalError.Param" with "Not Found"
	// in the message, which terraform-provider-tencentcloud's node pool delete
	// (resource_tc_kubernetes_node_pool_extension.go) treats as already deleted.
	"tke/2018-05-25.DeleteClusterNodePool InternalError.Param": "terraform-provider-tencentcloud node pool delete",
}

// documented reports whether an action ("tke/2018-05-25.CreateCluster") may answer
// code: a code the SDK lists for the action, a common code, or an observed one.
func (d *sdkDocs) documented(action, code string) bool {
	if d.codes[action][code] || observedErrorCodes[action+" "+code] != "" {
		return true
	}
	for _, c := range commonErrorCodes {
		if c == code {
			return true
		}
	}
	return false
}
