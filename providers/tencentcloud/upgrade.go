package tencentcloud

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Node upgrades through tke:CheckInstancesUpgradeAble, tke:UpgradeClusterInstances and
// tke:GetUpgradeInstanceProgress (the calls terraform's upgrade_instances_follow_cluster
// makes). The engine runs the procedure; these are its cloud calls.

var _ providers.NodeUpgrader = (*Client)(nil)

// NextVersions implements providers.NodeUpgrader.
func (c *Client) NextVersions(ctx context.Context, clusterID string) ([]string, error) {
	req := tke.NewDescribeAvailableClusterVersionRequest()
	req.ClusterId = common.StringPtr(clusterID)
	resp, err := invoke(ctx, c, "tke", "DescribeAvailableClusterVersion", kindRead, func(ctx context.Context) (*tke.DescribeAvailableClusterVersionResponse, error) {
		return c.tke.DescribeAvailableClusterVersionWithContext(ctx, req)
	})
	if err != nil {
		return nil, fmt.Errorf("versions offered to cluster %s: %w", clusterID, err)
	}
	return strs(resp.Response.Versions), nil
}

// UpgradableNodes implements providers.NodeUpgrader.
func (c *Client) UpgradableNodes(ctx context.Context, clusterID string) (map[string]string, error) {
	out := map[string]string{}
	for offset := int64(0); ; {
		req := tke.NewCheckInstancesUpgradeAbleRequest()
		req.ClusterId = common.StringPtr(clusterID)
		req.Offset, req.Limit = common.Int64Ptr(offset), common.Int64Ptr(pageSize)
		resp, err := invoke(ctx, c, "tke", "CheckInstancesUpgradeAble", kindRead, func(ctx context.Context) (*tke.CheckInstancesUpgradeAbleResponse, error) {
			return c.tke.CheckInstancesUpgradeAbleWithContext(ctx, req)
		})
		if err != nil {
			return nil, fmt.Errorf("upgradable nodes of cluster %s: %w", clusterID, err)
		}
		page := resp.Response.UpgradeAbleInstances
		for _, it := range page {
			if it != nil {
				out[sv(it.InstanceId)] = sv(it.Version)
			}
		}
		offset += int64(len(page))
		if len(page) < pageSize || offset >= i64(resp.Response.Total) {
			return out, nil
		}
	}
}

// upgradeType is TKE's name of an upgrade mode: a reinstall is "reset"; in place
// across minors is "major".
func upgradeType(mode string) string {
	if mode == spec.UpgradeInPlace {
		return "major"
	}
	return "reset"
}

// UpgradeNodes implements providers.NodeUpgrader.
func (c *Client) UpgradeNodes(ctx context.Context, clusterID string, instanceIDs []string, mode string) error {
	req := tke.NewUpgradeClusterInstancesRequest()
	req.ClusterId, req.Operation = common.StringPtr(clusterID), common.StringPtr("create")
	req.UpgradeType, req.InstanceIds = common.StringPtr(upgradeType(mode)), common.StringPtrs(instanceIDs)
	// The batch was drained by tkeops (honouring PodDisruptionBudgets); all of it goes
	// at once.
	req.Concurrent = common.Int64Ptr(int64(min(max(len(instanceIDs), 1), 15)))
	if _, err := invoke(ctx, c, "tke", "UpgradeClusterInstances", kindCreate, func(ctx context.Context) (*tke.UpgradeClusterInstancesResponse, error) {
		return c.tke.UpgradeClusterInstancesWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("upgrade nodes %v of cluster %s: %w", instanceIDs, clusterID, err)
	}
	return nil
}

// UpgradeProgress implements providers.NodeUpgrader.
func (c *Client) UpgradeProgress(ctx context.Context, clusterID string) (providers.UpgradeProgress, error) {
	req := tke.NewGetUpgradeInstanceProgressRequest()
	req.ClusterId = common.StringPtr(clusterID)
	resp, err := invoke(ctx, c, "tke", "GetUpgradeInstanceProgress", kindRead, func(ctx context.Context) (*tke.GetUpgradeInstanceProgressResponse, error) {
		return c.tke.GetUpgradeInstanceProgressWithContext(ctx, req)
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == "InternalError.TaskNotFound" {
		return providers.UpgradeProgress{}, nil
	}
	if err != nil {
		return providers.UpgradeProgress{}, fmt.Errorf("node upgrade of cluster %s: %w", clusterID, err)
	}
	p := providers.UpgradeProgress{Exists: true, State: sv(resp.Response.LifeState), Instances: map[string]string{}}
	p.Running = slices.Contains([]string{"pending", "process", "paused", "pausing", "pauing"}, p.State)
	for _, it := range resp.Response.Instances {
		if it != nil {
			p.Instances[sv(it.InstanceID)] = sv(it.LifeState)
		}
	}
	return p, nil
}
