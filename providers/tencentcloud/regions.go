package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"

	"github.com/tkeops/tkeops/providers"
)

var _ providers.RegionLister = (*Connector)(nil)

// OwnedRegions lists, sorted, every region where a resource carries this instance's
// owner tag, from tag:GetResources filtered by that tag (every product and region in
// one paged list, 200 a page). The Tag service names resources
// qcs::<service>:<region>:uin/<uin>:<prefix>/<id>; the region is the fourth field.
// Within an observation pass the answer, kinds included, is kept for the kinds'
// observations (ownedkinds.go).
func (c *Connector) OwnedRegions(ctx context.Context) ([]string, error) {
	kinds, err := providers.Once(ctx, ownedKindsKey, func() (ownedKinds, error) { return c.ownedKinds(ctx) })
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(kinds))
	for r := range kinds {
		if r != "" {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ownedKinds pages through the owner's resources.
func (c *Connector) ownedKinds(ctx context.Context) (ownedKinds, error) {
	cl, err := c.ConnectRegion(lockRegion)
	if err != nil {
		return nil, err
	}
	kinds := ownedKinds{}
	token := ""
	for {
		req := tag.NewGetResourcesRequest()
		req.TagFilters = []*tag.TagFilter{{TagKey: common.StringPtr(providers.TagOwner), TagValue: common.StringPtrs([]string{c.opts.Owner})}}
		req.MaxResults = common.Uint64Ptr(200)
		if token != "" {
			req.PaginationToken = common.StringPtr(token)
		}
		resp, err := invoke(ctx, cl, "tag", "GetResources", kindRead, func(ctx context.Context) (*tag.GetResourcesResponse, error) {
			return cl.tag.GetResourcesWithContext(ctx, req)
		})
		if err != nil {
			return nil, fmt.Errorf("regions of owner %q: %w", c.opts.Owner, err)
		}
		for _, m := range resp.Response.ResourceTagMappingList {
			if m != nil {
				kinds.add(resourceRegion(sv(m.Resource)), m.Tags)
			}
		}
		token = sv(resp.Response.PaginationToken)
		if token == "" || len(resp.Response.ResourceTagMappingList) == 0 {
			break
		}
	}
	return kinds, nil
}

// resourceRegion reads the region of a six-segment resource name; "" when it has none.
func resourceRegion(name string) string {
	f := strings.SplitN(name, ":", 5)
	if len(f) < 5 || f[0] != "qcs" || f[1] != "" {
		return ""
	}
	return f[3]
}
