package tencentcloud_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestReleaseHandsOver: releasing a resource of every kind removes tkeops' tags and
// nothing else; another owner can neither release nor delete what it does not hold.
func TestReleaseHandsOver(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(1)
	created := e.create(t, st)

	other, err := e.connector(t, "someone-else").ConnectRegion(testRegion)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.all() {
		o := created[r.GetAddr()]
		if o.Addr.Kind == "" {
			o.Addr = r.GetAddr()
		}
		if err := other.Release(e.ctx, o); !errors.Is(err, tencentcloud.ErrNotOwned) {
			t.Errorf("another owner released %s: %v", r.GetAddr(), err)
		}
	}
	for _, r := range st.all() {
		o := created[r.GetAddr()]
		if o.Addr.Kind == "" {
			o.Addr = r.GetAddr()
		}
		if err := e.c.Release(e.ctx, o); err != nil {
			t.Fatalf("release %s: %v", r.GetAddr(), err)
		}
	}
	tagsByID := map[string]map[string]string{}
	for _, r := range st.all() {
		tagsByID[created[r.GetAddr()].ID] = r.GetTags()
	}
	for _, kind := range spec.Kinds() {
		obs, err := e.c.Inventory(e.ctx, kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range obs {
			if o.Owned || o.Addr.Name != "" || o.DeletionPolicy != "" {
				t.Errorf("%s %s still carries tkeops' tags after release: %+v", kind, o.ID, o.Addr)
			}
			if want, ok := tagsByID[o.ID]; ok && !sameTags(o.Live.GetTags(), want) {
				t.Errorf("%s %s: user tags %v after release, want %v", kind, o.ID, o.Live.GetTags(), want)
			}
		}
	}
	// Released resources are nobody's: Delete refuses them.
	o := created[st.vpc.GetAddr()]
	o.Addr = st.vpc.GetAddr()
	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err == nil || !strings.Contains(err.Error(), "never deletes") {
		t.Errorf("delete of a released VPC: %v", err)
	}
}

func sameTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
