package docgen

import (
	"encoding/json"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/spec"
)

// actionRE matches a Tencent Cloud API action as tkeops writes it: service:Action.
var actionRE = regexp.MustCompile(`\b(tke|vpc|as|tag|cvm|clb|sts|privatedns):[A-Z][A-Za-z]+\b`)

// camPolicyActions reads the CAM policy JSON block of docs/getting-started.md.
func camPolicyActions(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/getting-started.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "```json\n")
	if start < 0 {
		t.Fatal("docs/getting-started.md has no ```json block with the CAM policy")
	}
	body := doc[start+len("```json\n"):]
	body, _, _ = strings.Cut(body, "```")
	var policy struct {
		Statement []struct {
			Effect string   `json:"effect"`
			Action []string `json:"action"`
		} `json:"statement"`
	}
	if err := json.Unmarshal([]byte(body), &policy); err != nil {
		t.Fatalf("CAM policy in docs/getting-started.md is not valid JSON: %v", err)
	}
	var out []string
	for _, s := range policy.Statement {
		if s.Effect == "allow" {
			out = append(out, s.Action...)
		}
	}
	return out
}

// TestCAMPolicyCoversEveryAction: the CAM policy the getting-started guide
// tells people to create must allow every action tkeops can call: those the
// mutability table names (actions and notes) and those the Tencent Cloud
// provider's source calls. A missing one would surface as
// AuthFailure.UnauthorizedOperation in the middle of someone's apply.
func TestCAMPolicyCoversEveryAction(t *testing.T) {
	allowed := camPolicyActions(t)
	need := map[string]string{}
	for _, k := range spec.Kinds() {
		for _, r := range tencentcloud.Rules(k) {
			for _, a := range actionRE.FindAllString(r.Action+" "+r.Note, -1) {
				need[a] = "the mutability table (" + string(k) + " " + r.Path + ")"
			}
		}
	}
	files, _ := filepath.Glob("../../providers/tencentcloud/*.go")
	call := regexp.MustCompile(`\bc\.(tke|vpc|as|tag|cvm|clb|sts|privatedns)2?\.([A-Z][A-Za-z]+)WithContext\(`) // tke2: TKE 2022-05-01
	calls := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			need[m[1]+":"+m[2]] = filepath.Base(f)
			calls++
		}
	}
	if calls == 0 {
		t.Fatal("found no SDK calls in providers/tencentcloud; the scan pattern is out of date")
	}
	for a, where := range need {
		if !slices.Contains(allowed, a) {
			t.Errorf("CAM policy in docs/getting-started.md lacks %s (called by %s)", a, where)
		}
	}
}
