package tencentcloud

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// tagPrefix is reserved for tkeops' own tags; users may not declare keys under it.
const tagPrefix = "tkeops.io/"

// ownership is what tkeops' own tags say about a resource.
type ownership struct {
	owner  string
	addr   spec.Addr
	hasTag bool // the name tag parsed
	policy spec.DeletionPolicy
	// protected: the tkeops.io/deletion-protection tag says true (kinds whose API
	// has no protection switch of its own).
	protected bool
	// home is the tkeops.io/home-region tag: the region that manages a resource every
	// region lists (a CCN).
	home string
	// options are the option blocks tkeops manages on a cluster (tkeops.io/options).
	options []string
}

// tagDeletionProtection records deletion protection on resources whose API has no
// switch of its own (EIPs, route tables); tkeops refuses to delete what carries it.
const tagDeletionProtection = tagPrefix + "deletion-protection"

// tagProtected is a resource whose deletion protection lives in the
// tkeops.io/deletion-protection tag.
type tagProtected interface{ DeletionProtectedByTag() bool }

// tagHomeRegion records the region that manages a resource of a global product.
const tagHomeRegion = tagPrefix + "home-region"

// tagOptions records the option blocks tkeops manages on a cluster
// (clusteroptions.go), joined by ".": "autoscaler.logging".
const tagOptions = tagPrefix + "options"

// optionsManager is a resource with option blocks recorded in tagOptions.
type optionsManager interface{ ManagedOptions() []string }

// homed is a resource every region lists: only its home region takes it for its own.
type homed interface{ HomeRegion() string }

// splitTags separates user tags from tkeops' own.
func splitTags(all map[string]string) (user map[string]string, own ownership) {
	user = map[string]string{}
	for k, v := range all {
		if !strings.HasPrefix(k, tagPrefix) {
			user[k] = v
			continue
		}
		switch k {
		case providers.TagOwner:
			own.owner = v
		case providers.TagName:
			if kind, name, ok := strings.Cut(v, "/"); ok && kind != "" && name != "" {
				own.addr = spec.Addr{Kind: spec.Kind(kind), Name: name}
				own.hasTag = true
			}
		case providers.TagDeletionPolicy:
			own.policy = spec.DeletionPolicy(v)
		case tagDeletionProtection:
			own.protected = v == "true"
		case tagHomeRegion:
			own.home = v
		case tagOptions:
			own.options = strings.Split(v, ".")
		}
	}
	if len(user) == 0 {
		user = nil
	}
	return user, own
}

// ownedBy reports whether the tags mark a resource of kind as owned by owner.
func (o ownership) ownedBy(owner string, kind spec.Kind) bool {
	return o.owner == owner && o.hasTag && o.addr.Kind == kind
}

// desiredTags is every tag r should carry: the user's tags plus tkeops' own.
func desiredTags(owner string, r spec.Resource) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.GetTags() {
		if strings.HasPrefix(k, tagPrefix) {
			return nil, fmt.Errorf("tag %q: keys under %q are reserved for tkeops", k, tagPrefix)
		}
		out[k] = v
	}
	policy := r.GetDeletionPolicy()
	if policy == "" {
		policy = spec.DeletionPolicyDelete
	}
	out[providers.TagOwner] = owner
	out[providers.TagName] = r.GetAddr().String()
	out[providers.TagDeletionPolicy] = string(policy)
	if p, ok := r.(tagProtected); ok && p.DeletionProtectedByTag() {
		out[tagDeletionProtection] = "true"
	}
	if h, ok := r.(homed); ok && h.HomeRegion() != "" {
		out[tagHomeRegion] = h.HomeRegion()
	}
	if m, ok := r.(optionsManager); ok && len(m.ManagedOptions()) > 0 {
		out[tagOptions] = strings.Join(m.ManagedOptions(), ".")
	}
	return out, nil
}

// sortedKeys returns the keys of m in order, so requests are deterministic.
func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// tagResource is the six-segment name the Tag service uses for a resource
// (qcs::<service>:<region>:uin/:<prefix>/<id>), with the account left empty as
// terraform does.
func (c *Client) tagResource(service, prefix, id string) string {
	return fmt.Sprintf("qcs::%s:%s:uin/:%s/%s", service, c.region, prefix, id)
}

// syncTags makes the Tag service's tags of one resource equal want, touching only
// the keys that differ. It is how VPCs, subnets and security groups change tags
// after creation (their products have no tag-modify call).
func (c *Client) syncTags(ctx context.Context, resource string, have, want map[string]string) error {
	var replace []*tag.Tag
	var del []*tag.TagKeyObject
	for _, k := range sortedKeys(want) {
		if v, ok := have[k]; !ok || v != want[k] {
			replace = append(replace, &tag.Tag{TagKey: common.StringPtr(k), TagValue: common.StringPtr(want[k])})
		}
	}
	for _, k := range sortedKeys(have) {
		if _, ok := want[k]; !ok {
			del = append(del, &tag.TagKeyObject{TagKey: common.StringPtr(k)})
		}
	}
	// The API takes at most 10 tags per list.
	for len(replace) > 0 || len(del) > 0 {
		req := tag.NewModifyResourceTagsRequest()
		req.Resource = common.StringPtr(resource)
		n := min(len(replace), 10)
		if n > 0 {
			req.ReplaceTags = replace[:n]
			replace = replace[n:]
		}
		m := min(len(del), 10)
		if m > 0 {
			req.DeleteTags = del[:m]
			del = del[m:]
		}
		if _, err := invoke(ctx, c, "tag", "ModifyResourceTags", kindWrite, func(ctx context.Context) (*tag.ModifyResourceTagsResponse, error) {
			return c.tag.ModifyResourceTagsWithContext(ctx, req)
		}); err != nil {
			return err
		}
	}
	return nil
}
