package reconcile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/spec"
)

// jsonClone is the copy clone must equal: a round trip through the JSON form.
func jsonClone(t *testing.T, r spec.Resource) spec.Resource {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.New(reflect.TypeOf(r).Elem())
	if err := json.Unmarshal(b, v.Interface()); err != nil {
		t.Fatal(err)
	}
	return v.Interface().(spec.Resource)
}

// TestCloneIsTheJSONRoundTrip: clone copies every resource of the examples, and
// the awkward ones below, exactly as the JSON round trip it replaced did, and the
// copy shares nothing the executor could write through.
func TestCloneIsTheJSONRoundTrip(t *testing.T) {
	var all []spec.Resource
	dirs, err := os.ReadDir("../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "invalid" {
			continue
		}
		set, diags := spec.LoadDir(filepath.Join("../examples", d.Name()))
		if diags.HasErrors() {
			continue // a directory of other files (terraform)
		}
		all = append(all, set.Resources...)
	}
	if len(all) < 20 {
		t.Fatalf("only %d example resources", len(all))
	}
	awkward := &spec.Addon{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindAddon}, Metadata: spec.ObjectMeta{Name: "a"}}}
	awkward.Spec.ClusterRef = spec.Ref{Name: "c"}
	awkward.Spec.Values = map[string]any{"replicas": 3, "nested": map[string]any{"list": []any{int64(1), "x", nil}}, "none": nil}
	empty := &spec.NodePool{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindNodePool}, Metadata: spec.ObjectMeta{Name: "p", Labels: map[string]string{}}}}
	empty.Spec.Taints = []spec.Taint{} // omitempty: the round trip makes it nil
	empty.Spec.Labels = map[string]string{}
	empty.Spec.SubnetRefs = []spec.Ref{{Name: "s"}, {ID: "subnet-1"}}
	all = append(all, awkward, empty)

	kinds := map[spec.Kind]bool{}
	for _, r := range all {
		kinds[r.GetAddr().Kind] = true
		got, err := clone(r)
		if err != nil {
			t.Fatalf("%s: %v", r.GetAddr(), err)
		}
		if want := jsonClone(t, r); !reflect.DeepEqual(got, want) {
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			t.Errorf("%s: clone differs from the JSON round trip:\n got %s\nwant %s", r.GetAddr(), gb, wb)
		}
		// Writing the copy's references must leave the original as it was.
		before, _ := json.Marshal(r)
		for _, f := range got.Refs() {
			f.Ref.ID = "changed"
		}
		if after, _ := json.Marshal(r); string(after) != string(before) {
			t.Errorf("%s: writing the copy's references changed the original", r.GetAddr())
		}
	}
	if len(kinds) < 8 {
		t.Errorf("the examples cover only %d kinds", len(kinds))
	}
}

// TestCompareAddrs: addresses order as their strings do, kinds that prefix each
// other ("Node", "NodePool") included.
func TestCompareAddrs(t *testing.T) {
	kinds := []spec.Kind{"Node", "NodePool", "Nod", "VPC", "VPCX", "A", ""}
	names := []string{"", "a", "a-b", "/", "0", "Pool"}
	var addrs []spec.Addr
	for _, k := range kinds {
		for _, n := range names {
			addrs = append(addrs, spec.Addr{Kind: k, Name: n})
		}
	}
	for _, a := range addrs {
		for _, b := range addrs {
			if got, want := compareAddrs(a, b), strings.Compare(a.String(), b.String()); got != want {
				t.Errorf("compareAddrs(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// TestResolvedViewSharesAllButReferences: the view of every example resource reads
// as resolve's copy, and writing its references leaves the original as it was.
func TestResolvedViewSharesAllButReferences(t *testing.T) {
	set := load(t, "../examples/production", "../examples/staging", "../examples/production-layout")
	ids := map[spec.Addr]string{}
	for _, r := range set.Resources {
		ids[r.GetAddr()] = "id-" + r.GetAddr().Name
	}
	known := refTypes{}
	refs := 0
	for _, r := range set.Resources {
		before, _ := json.Marshal(r)
		view, err := resolvedView(r, ids, known)
		if err != nil {
			t.Fatal(err)
		}
		full, err := resolve(r, ids)
		if err != nil {
			t.Fatal(err)
		}
		vb, _ := json.Marshal(view)
		fb, _ := json.Marshal(full)
		if string(vb) != string(fb) {
			t.Errorf("%s: the view reads\n%s\nresolve's copy\n%s", r.GetAddr(), vb, fb)
		}
		for _, f := range view.Refs() {
			refs++
			f.Ref.ID = "written"
		}
		if after, _ := json.Marshal(r); string(after) != string(before) {
			t.Errorf("%s: writing the view's references changed the original", r.GetAddr())
		}
	}
	if refs < 20 {
		t.Errorf("only %d references in the examples", refs)
	}
}

type (
	refLoop struct {
		Next *refLoop
		R    spec.Ref
	}
	plainLoop struct {
		Next *plainLoop
		S    string
	}
	refA struct{ B *refB }
	refB struct {
		A *refA
		R []spec.Ref
	}
)

// TestRefTypesThroughCycles: types that hold themselves are answered right in any
// order of asking.
func TestRefTypesThroughCycles(t *testing.T) {
	for _, order := range [][]reflect.Type{
		{reflect.TypeFor[refA](), reflect.TypeFor[refB](), reflect.TypeFor[*refA]()},
		{reflect.TypeFor[*refB](), reflect.TypeFor[refA](), reflect.TypeFor[refLoop](), reflect.TypeFor[plainLoop]()},
		{reflect.TypeFor[plainLoop](), reflect.TypeFor[*refLoop](), reflect.TypeFor[map[string]refA]()},
	} {
		known := refTypes{}
		for _, ty := range order {
			want := ty != reflect.TypeFor[plainLoop]()
			if got := known.holds(ty); got != want {
				t.Errorf("holds(%s) = %t, want %t (order %v)", ty, got, want, order)
			}
		}
		if known.holds(reflect.TypeFor[*plainLoop]()) || !known.holds(reflect.TypeFor[[]refLoop]()) {
			t.Error("wrong after the cache filled")
		}
	}
}
