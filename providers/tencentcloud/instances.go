package tencentcloud

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/providers"
)

var _ providers.InstanceRemover = (*Client)(nil)

// Kubeconfig fetches the kubeconfig of a cluster of region (Client.Kubeconfig); it
// has the shape of kubernetes.CloudKubeconfig, which the in-cluster side takes.
func (c *Connector) Kubeconfig(ctx context.Context, region, clusterID string, extranet bool) (string, error) {
	rc, err := c.ConnectRegion(region)
	if err != nil {
		return "", err
	}
	return rc.Kubeconfig(ctx, clusterID, extranet)
}

// Kubeconfig fetches a cluster's kubeconfig with DescribeClusterKubeconfig: the
// intranet endpoint's when extranet is false, the public endpoint's otherwise. The
// kubeconfig is a credential: it is never logged.
func (c *Client) Kubeconfig(ctx context.Context, clusterID string, extranet bool) (string, error) {
	req := tke.NewDescribeClusterKubeconfigRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.IsExtranet = common.BoolPtr(extranet)
	resp, err := invoke(ctx, c, "tke", "DescribeClusterKubeconfig", kindRead, func(ctx context.Context) (*tke.DescribeClusterKubeconfigResponse, error) {
		return c.tke.DescribeClusterKubeconfigWithContext(ctx, req)
	})
	if err != nil {
		return "", fmt.Errorf("kubeconfig of cluster %s: %w", clusterID, err)
	}
	if resp.Response == nil || sv(resp.Response.Kubeconfig) == "" {
		return "", fmt.Errorf("kubeconfig of cluster %s: tke:DescribeClusterKubeconfig answered no kubeconfig", clusterID)
	}
	return sv(resp.Response.Kubeconfig), nil
}

// PoolInstances lists a node pool's instances with DescribeClusterInstances
// (filter nodepool-id, 100 a page).
func (c *Client) PoolInstances(ctx context.Context, pool providers.Observation) ([]providers.Instance, error) {
	clusterID := poolClusterID(pool)
	if clusterID == "" || pool.ID == "" {
		return nil, fmt.Errorf("instances of %s: no cluster or pool ID", pool.Addr)
	}
	var out []providers.Instance
	for off := int64(0); ; {
		req := tke.NewDescribeClusterInstancesRequest()
		req.ClusterId = common.StringPtr(clusterID)
		req.InstanceRole = common.StringPtr("WORKER")
		req.Offset, req.Limit = common.Int64Ptr(off), common.Int64Ptr(100)
		req.Filters = []*tke.Filter{{Name: common.StringPtr("nodepool-id"), Values: common.StringPtrs([]string{pool.ID})}}
		resp, err := invoke(ctx, c, "tke", "DescribeClusterInstances", kindRead, func(ctx context.Context) (*tke.DescribeClusterInstancesResponse, error) {
			return c.tke.DescribeClusterInstancesWithContext(ctx, req)
		})
		if err != nil {
			return nil, fmt.Errorf("instances of node pool %s: %w", pool.ID, err)
		}
		set := resp.Response.InstanceSet
		for _, in := range set {
			if in == nil || (sv(in.NodePoolId) != "" && sv(in.NodePoolId) != pool.ID) {
				continue
			}
			created, _ := time.Parse(time.RFC3339, sv(in.CreatedTime))
			out = append(out, providers.Instance{ID: sv(in.InstanceId), LanIP: sv(in.LanIP), State: sv(in.InstanceState), Created: created})
		}
		off += int64(len(set))
		if len(set) == 0 || off >= int64(u64(resp.Response.TotalCount)) {
			return out, nil
		}
	}
}

// RemoveInstances removes the given instances with DeleteClusterInstances
// (InstanceDeleteMode terminate, or retain when keep), which also lowers the auto
// scaling group's desired count by one per instance.
func (c *Client) RemoveInstances(ctx context.Context, pool providers.Observation, ids []string, keep bool) error {
	clusterID := poolClusterID(pool)
	if clusterID == "" {
		return fmt.Errorf("remove instances of %s: no cluster ID", pool.Addr)
	}
	if len(ids) == 0 {
		return nil
	}
	req := tke.NewDeleteClusterInstancesRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.InstanceIds = common.StringPtrs(ids)
	mode := "terminate"
	if keep {
		mode = "retain"
	}
	req.InstanceDeleteMode = common.StringPtr(mode)
	resp, err := invoke(ctx, c, "tke", "DeleteClusterInstances", kindWrite, func(ctx context.Context) (*tke.DeleteClusterInstancesResponse, error) {
		return c.tke.DeleteClusterInstancesWithContext(ctx, req)
	})
	if err != nil {
		return fmt.Errorf("remove instances %s from node pool %s: %w", strings.Join(ids, ", "), pool.ID, err)
	}
	if failed := derefAll(resp.Response.FailedInstanceIds); len(failed) > 0 {
		return fmt.Errorf("remove instances from node pool %s: tke:DeleteClusterInstances refused %s (the pool's minimum may not allow fewer nodes)",
			pool.ID, strings.Join(failed, ", "))
	}
	return nil
}

func derefAll(ps []*string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}
