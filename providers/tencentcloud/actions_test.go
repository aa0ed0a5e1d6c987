package tencentcloud_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

var actionRE = regexp.MustCompile(`\b(tke|vpc|as|tag|cvm|clb):[A-Z][A-Za-z]+\b`)

// TestKindActionsAreComplete: every kind declares its actions; they hold every
// action its mutability rows name (in the action or the note, for the actions a
// row decides by direction); and every SDK call in the package's source is some
// kind's or a common action. A missing one would be AuthFailure.UnauthorizedOperation
// in the middle of an apply under a policy from tkeops cam-policy.
func TestKindActionsAreComplete(t *testing.T) {
	all := slices.Concat(tencentcloud.CommonActions().Read, tencentcloud.CommonActions().Write)
	for _, k := range spec.Kinds() {
		a, ok := tencentcloud.KindActions(k)
		if !ok {
			t.Errorf("kind %s declares no actions (implement actions() in its file)", k)
			continue
		}
		have := slices.Concat(a.Read, a.Write)
		all = append(all, have...)
		for _, r := range tencentcloud.Rules(k) {
			for _, x := range actionRE.FindAllString(r.Action+" "+r.Note, -1) {
				if !slices.Contains(have, x) {
					t.Errorf("%s: %s (named by the row %s) is not among its actions", k, x, r.Path)
				}
			}
		}
		for _, x := range a.Write {
			if slices.Contains(a.Read, x) {
				t.Errorf("%s: %s is both a read and a write", k, x)
			}
		}
	}
	files, _ := filepath.Glob("*.go")
	call := regexp.MustCompile(`\b[a-z]+\.(tke|vpc|as|tag)2?\.([A-Z][A-Za-z]+)WithContext\(`)
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
			calls++
			if x := m[1] + ":" + m[2]; !slices.Contains(all, x) {
				t.Errorf("%s calls %s, which no kind and no common list declares", f, x)
			}
		}
	}
	if calls == 0 {
		t.Fatal("found no SDK calls; the scan pattern is out of date")
	}
}
