package tencentcloud

import (
	"context"
	"fmt"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Release hands a resource over: it removes every tkeops.io/ tag from it and
// changes nothing else, so tkeops no longer manages it (and never deletes it), and
// another owner may adopt it. Adoption itself is an Update with a spec.tags change
// (desiredTags writes the ownership tags). The resource must carry this instance's
// ownership tags: tkeops never touches what another owner holds.

// releaser is implemented by the kinds whose ownership can be handed over.
type releaser interface {
	release(ctx context.Context, c *Client, o providers.Observation) error
}

// Release removes tkeops' tags from the live resource o of this instance.
func (c *Client) Release(ctx context.Context, o providers.Observation) error {
	k, err := clientOf(o.Addr.Kind)
	if err != nil {
		return fmt.Errorf("release %s: %w", o.ID, err)
	}
	rel, ok := k.(releaser)
	if !ok {
		return fmt.Errorf("release %s %s: a %s cannot be handed over yet", o.Addr, o.ID, o.Addr.Kind)
	}
	if err := rel.release(ctx, c, o); err != nil {
		return fmt.Errorf("release %s %s: %w", o.Addr, o.ID, err)
	}
	c.log.Info("released", "addr", o.Addr.String(), "id", o.ID)
	return nil
}

func (w wrapper[R]) release(ctx context.Context, c *Client, o providers.Observation) error {
	r, ok := w.k.(releaser)
	if !ok {
		return fmt.Errorf("a %s cannot be handed over yet", w.k.kind())
	}
	return r.release(ctx, c, o)
}

// withoutOwnTags is a tag map minus every tkeops.io/ key.
func withoutOwnTags(all map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range all {
		if !strings.HasPrefix(k, tagPrefix) {
			out[k] = v
		}
	}
	return out
}

// checkOwned refuses a resource whose tags do not say this instance owns it.
func (c *Client) checkOwned(kind spec.Kind, tags map[string]string) error {
	if _, own := splitTags(tags); !own.ownedBy(c.owner, kind) {
		return fmt.Errorf("%w: its tags do not name owner %q", ErrNotOwned, c.owner)
	}
	return nil
}

// releaseVPCProduct removes tkeops' tags from a VPC-product resource with the Tag
// service (those products have no tag call of their own).
func releaseVPCProduct[T any](ctx context.Context, c *Client, t vpcProduct[T], resource, id string) error {
	x, err := reread(ctx, t, id)
	if err != nil {
		return err
	}
	have := vpcTagMap(t.tags(x))
	if err := c.checkOwned(t.kind, have); err != nil {
		return err
	}
	return c.syncTags(ctx, resource, have, withoutOwnTags(have))
}

func (vpcKind) release(ctx context.Context, c *Client, o providers.Observation) error {
	return releaseVPCProduct(ctx, c, c.vpcs(), c.tagResource("vpc", "vpc", o.ID), o.ID)
}

func (subnetKind) release(ctx context.Context, c *Client, o providers.Observation) error {
	return releaseVPCProduct(ctx, c, c.subnets(), c.tagResource("vpc", "subnet", o.ID), o.ID)
}

func (securityGroupKind) release(ctx context.Context, c *Client, o providers.Observation) error {
	return releaseVPCProduct(ctx, c, c.securityGroups(), c.tagResource("cvm", "sg", o.ID), o.ID)
}

func (clusterKind) release(ctx context.Context, c *Client, o providers.Observation) error {
	cls, err := c.listClusters(ctx, nil, []string{o.ID})
	if err != nil {
		return err
	}
	if len(cls) == 0 {
		return fmt.Errorf("the cluster is gone")
	}
	have := clusterTags(cls[0])
	if err := c.checkOwned(spec.KindCluster, have); err != nil {
		return err
	}
	// ModifyClusterTags replaces the whole set.
	req := tke.NewModifyClusterTagsRequest()
	req.ClusterId = common.StringPtr(o.ID)
	req.Tags = tkeTags(withoutOwnTags(have))
	req.SyncSubresource = common.BoolPtr(false)
	_, err = invoke(ctx, c, "tke", "ModifyClusterTags", kindWrite, func(ctx context.Context) (*tke.ModifyClusterTagsResponse, error) {
		return c.tke.ModifyClusterTagsWithContext(ctx, req)
	})
	return err
}

func (nodePoolKind) release(ctx context.Context, c *Client, o providers.Observation) error {
	clusterID := poolClusterID(o)
	if clusterID == "" {
		return fmt.Errorf("the observation does not say the pool's cluster")
	}
	np, err := c.findPool(ctx, clusterID, o.ID, o.Addr)
	if err != nil {
		return err
	}
	if np == nil {
		return fmt.Errorf("the node pool is gone from cluster %s", clusterID)
	}
	have := tkeTagMap(np.Tags)
	if err := c.checkOwned(spec.KindNodePool, have); err != nil {
		return err
	}
	req := tke.NewModifyClusterNodePoolRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.NodePoolId = common.StringPtr(o.ID)
	req.Tags = tkeTags(withoutOwnTags(have))
	_, err = invoke(ctx, c, "tke", "ModifyClusterNodePool", kindWrite, func(ctx context.Context) (*tke.ModifyClusterNodePoolResponse, error) {
		return c.tke.ModifyClusterNodePoolWithContext(ctx, req)
	})
	return err
}
