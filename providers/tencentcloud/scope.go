package tencentcloud

import (
	"context"
	"strings"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Observations scoped to a few resources (providers.WithScope: a plan scoped to a
// change, the polls of an apply) list those resources by their name tags instead of
// everything the owner has, so they cost what they are about, not the fleet. Past a
// few calls' worth of names the owner's whole list is cheaper (a page holds 100).

// Names per scoped list call: the VPC products' filters take 5 values, TKE's 10.
const (
	vpcNamesPerCall = 5
	tkeNamesPerCall = 10
	// scopedCallsMax is the most scoped calls made for one list; past it the owner's
	// whole list is read.
	scopedCallsMax = 4
)

// scopedNames returns the name tags ("Kind/name") of kind the observation of ctx is
// scoped to, and whether listing them by name is the way (scoped, and few enough for
// perCall names a call).
func scopedNames(ctx context.Context, kind spec.Kind, perCall int) ([]string, bool) {
	names, ok := providers.ScopeOf(ctx, kind)
	if !ok || len(names) > perCall*scopedCallsMax {
		return nil, false
	}
	tags := make([]string, len(names))
	for i, n := range names {
		tags[i] = spec.Addr{Kind: kind, Name: n}.String()
	}
	return tags, true
}

// chunks splits s into pieces of at most n.
func chunks(s []string, n int) [][]string {
	var out [][]string
	for start := 0; start < len(s); start += n {
		out = append(out, s[start:min(start+n, len(s))])
	}
	return out
}

// listOwned lists this instance's resources of one VPC-product type: all of them, or
// under a scope only those it names.
func listOwned[T any](ctx context.Context, c *Client, t vpcProduct[T]) ([]T, error) {
	tags, scoped := scopedNames(ctx, t.kind, vpcNamesPerCall)
	if !scoped {
		return t.list(ctx, c.ownerFilters(nil))
	}
	var out []T
	for _, chunk := range chunks(tags, vpcNamesPerCall) {
		xs, err := t.list(ctx, append(c.ownerFilters(nil), vpcFilter("tag:"+providers.TagName, chunk...)))
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return out, nil
}

// listOwnedClusters lists this instance's clusters: all of them, or under a scope
// only those it names.
func (c *Client) listOwnedClusters(ctx context.Context) ([]*tke.Cluster, error) {
	tags, scoped := scopedNames(ctx, spec.KindCluster, tkeNamesPerCall)
	if !scoped {
		return c.listClusters(ctx, c.clusterOwnerFilters(nil), nil)
	}
	var out []*tke.Cluster
	for _, chunk := range chunks(tags, tkeNamesPerCall) {
		values := make([]string, len(chunk))
		for i, t := range chunk {
			values[i] = providers.TagName + ":" + t
		}
		cls, err := c.listClusters(ctx, append(c.clusterOwnerFilters(nil), tkeFilter("Tags", values...)), nil)
		if err != nil {
			return nil, err
		}
		out = append(out, cls...)
	}
	return out, nil
}

// scopeKey distinguishes the memo of a scoped read from the whole one.
func scopeKey(ctx context.Context, kind spec.Kind) string {
	names, ok := providers.ScopeOf(ctx, kind)
	if !ok {
		return ""
	}
	return "/scope:" + strings.Join(names, ",")
}
