package docgen

import (
	"bytes"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/spec"
)

// TestSpecReferenceUpToDate fails when docs/spec-reference.md differs from what
// the generator writes from the current types, comments and rules.
func TestSpecReferenceUpToDate(t *testing.T) {
	in, err := NewSpecInput(os.DirFS("../../spec"), tencentcloud.Table{})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := SpecReference(&got, in); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../docs/spec-reference.md")
	if err != nil {
		t.Fatalf("%v: generate it with `go run ./cmd/tkeops docs spec-reference -o docs/spec-reference.md`", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("docs/spec-reference.md is out of date with spec/ (first difference at line %d):\n  committed: %s\n  generated: %s\nregenerate: go run ./cmd/tkeops docs spec-reference -o docs/spec-reference.md", i+1, w, g)
			}
		}
	}
}

func realFields(t *testing.T) (SpecInput, map[spec.Kind]map[string]Field) {
	t.Helper()
	in, err := NewSpecInput(os.DirFS("../../spec"), tencentcloud.Table{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[spec.Kind]map[string]Field{}
	for _, kt := range in.Kinds {
		out[kt.Kind] = map[string]Field{}
		for _, f := range Fields(in, kt) {
			if _, dup := out[kt.Kind][f.Path]; dup {
				t.Errorf("%s: field %s listed twice", kt.Kind, f.Path)
			}
			out[kt.Kind][f.Path] = f
		}
	}
	return in, out
}

// TestEveryRuleNamesAField: a rule whose path matches no field is a stale
// entry in the mutability table; the reference would silently drop it.
func TestEveryRuleNamesAField(t *testing.T) {
	in, fields := realFields(t)
	index := regexp.MustCompile(`\[\d+\]`)
	for _, kt := range in.Kinds {
		for _, r := range tencentcloud.Rules(kt.Kind) {
			if _, ok := fields[kt.Kind][index.ReplaceAllString(r.Path, "[]")]; !ok {
				t.Errorf("%s: rule for %q names no field of the Go type", kt.Kind, r.Path)
			}
		}
	}
}

// TestFieldsCarryRulesDefaultsAndOwners checks the generator against facts of
// the spec language that the reference must state.
func TestFieldsCarryRulesDefaultsAndOwners(t *testing.T) {
	_, fields := realFields(t)
	cases := []struct {
		kind            spec.Kind
		path            string
		typ, def, class string
		action          string
		noteHas         string
	}{
		{spec.KindCluster, "spec.network.plugin", "string", "GlobalRouter", "replace", "", ""},
		{spec.KindCluster, "spec.vpcRef", "reference to VPC", "", "replace", "", ""},
		{spec.KindCluster, "spec.network.eniSubnetRefs", "list of references to Subnet", "", "in-place", "tke:AddVpcCniSubnets", ""},
		{spec.KindCluster, "spec.level", "string", "L5", "", "", "Owned by TKE level auto-upgrade"},
		{spec.KindNodePool, "spec.scaling.desired", "integer", "same as spec.scaling.min", "in-place", "tke:ModifyNodePoolDesiredCapacityAboutAsg", "Owned by cluster-autoscaler"},
		{spec.KindNodePool, "spec.systemDisk.sizeGB", "integer", "50", "new-nodes-only", "", ""},
		{spec.KindNodePool, "spec.taints[].effect", "string", "", "in-place", "", "as spec.taints"},
		{spec.KindNodePool, "spec.drain.timeout", "string", "10m", "in-place", "", "does not compare"},
		{spec.KindNodePool, "spec.internet.publicIP", "boolean", "true", "new-nodes-only", "", ""},
	}
	for _, c := range cases {
		f, ok := fields[c.kind][c.path]
		if !ok {
			t.Errorf("%s %s: not documented", c.kind, c.path)
			continue
		}
		if f.Type != c.typ || f.Default != c.def || (c.class != "" && f.Change != c.class) ||
			(c.action != "" && f.Action != c.action) || !strings.Contains(f.Note, c.noteHas) {
			t.Errorf("%s %s = %+v\nwant type %q default %q change %q action %q note containing %q",
				c.kind, c.path, f, c.typ, c.def, c.class, c.action, c.noteHas)
		}
	}
}

// TestUncoveredLeafIsForbidden: a field the table says nothing about is shown
// as the diff treats it, forbidden, and never as silently changeable.
func TestUncoveredLeafIsForbidden(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type doc struct {
		spec.Object `json:",inline"`
		Spec        struct {
			Covered   inner   `json:"covered"`
			Free      inner   `json:"free"`
			Skipped   string  `json:"skipped"`
			List      []inner `json:"list"`
			Uncovered int     `json:"uncovered"`
		} `json:"spec"`
	}
	in := SpecInput{
		RuleFor: func(_ spec.Kind, p string) (spec.FieldRule, bool) {
			switch p {
			case "spec.covered":
				return spec.FieldRule{Class: spec.ClassReplace, Note: "fixed"}, true
			case "spec.free.a", "spec.list":
				return spec.FieldRule{Class: spec.ClassInPlace, Action: "x:Modify"}, true
			}
			return spec.FieldRule{}, false
		},
		NotCompared: map[spec.Kind]map[string]string{"Test": {"spec.skipped": "read elsewhere"}},
	}
	got := map[string]string{}
	for _, f := range Fields(in, KindType{Kind: "Test", Type: reflect.TypeOf(doc{})}) {
		got[f.Path] = f.Change + " " + f.Action
	}
	want := map[string]string{
		"spec":           "per field ",
		"spec.covered":   "replace ",
		"spec.covered.a": "replace ",
		"spec.free":      "per field ",
		"spec.free.a":    "in-place x:Modify",
		"spec.skipped":   "not compared ",
		"spec.list":      "in-place x:Modify",
		"spec.list[].a":  "in-place x:Modify",
		"spec.uncovered": "forbidden ",
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: got %q, want %q", p, got[p], w)
		}
	}
}
