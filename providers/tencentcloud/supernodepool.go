package tencentcloud

import (
	"context"
	"fmt"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Super node pools are TKE's virtual node pools: made and changed with the 2018 API
// (CreateClusterVirtualNodePool, ModifyClusterVirtualNodePool,
// DeleteClusterVirtualNodePool), read through the 2022 DescribeNodePools, the one read
// that returns their tags; their tags are set with the 2022 ModifyNodePool, since the
// 2018 create takes none. A create is therefore three writes: the cluster's children
// mark, the pool, its tags. A run killed between the last two leaves a pool without
// tags: the next plan shows it as a namesake to adopt, never a second pool.

const actionModifyVirtualPool = "tke:ModifyClusterVirtualNodePool"

// superNodePoolKind is the typed client of super node pools.
type superNodePoolKind struct{}

func (superNodePoolKind) kind() spec.Kind { return spec.KindSuperNodePool }

func (superNodePoolKind) rules() []rule {
	m := actionModifyVirtualPool
	return append(commonRules(m),
		rule{path: "spec.clusterRef", class: spec.ClassReplace, note: "A pool cannot move to another cluster."},
		rule{path: "spec.subnetRefs", class: spec.ClassReplace, note: "ModifyClusterVirtualNodePool takes no subnets: the super nodes are fixed at creation."},
		rule{path: "spec.securityGroupRefs", class: spec.ClassInPlace, action: m},
		rule{path: "spec.labels", class: spec.ClassInPlace, action: m},
		rule{path: "spec.taints", class: spec.ClassInPlace, action: m},
		rule{path: "spec.deletionProtection", class: spec.ClassInPlace, action: m},
		rule{path: "spec.tags", class: spec.ClassInPlace, action: actionModifyNodePool, note: noteTags + " (through the 2022-05-01 API: the virtual pool actions take no tags)"},
		rule{path: "spec.deletionPolicy", class: spec.ClassInPlace, action: actionModifyNodePool, note: noteDeletionPolicy},
	)
}

func (superNodePoolKind) actions() Actions {
	return Actions{
		Read: []string{"tke:DescribeClusters", "tke:DescribeNodePools"},
		Write: []string{"tke:CreateClusterVirtualNodePool", actionModifyVirtualPool, "tke:DeleteClusterVirtualNodePool",
			actionModifyNodePool, actionModifyResourceTags},
	}
}

func (superNodePoolKind) createCalls(*spec.SuperNodePool) []string {
	return []string{actionModifyResourceTags, "tke:CreateClusterVirtualNodePool", actionModifyNodePool}
}

func (superNodePoolKind) deleteCalls(*spec.SuperNodePool) []string {
	return []string{"tke:DeleteClusterVirtualNodePool"}
}

func (c *Client) superCandidate(l pool2Live) candidate {
	np := l.np
	user, own := splitTags(machineTagMap(np.Tags))
	cd := candidate{id: sv(np.NodePoolId), created: sv(np.CreatedAt), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		state := sv(np.LifeState)
		o := c.baseObservation(spec.KindSuperNodePool, cd, state)
		o.Settling = state != nativeRunning
		o.ParentID = l.clusterID
		o.DeletionProtection = bv(np.DeletionProtection)
		s := spec.SuperNodePoolSpec{
			ClusterRef:         spec.Ref{ID: l.clusterID},
			Labels:             labelMap(np.Labels),
			Taints:             taintsFromAPI(np.Taints),
			DeletionProtection: boolPtr(bv(np.DeletionProtection)),
			Tags:               user,
			DeletionPolicy:     own.policy,
		}
		if sp := np.Super; sp != nil {
			for _, id := range strs(sp.SubnetIds) {
				s.SubnetRefs = append(s.SubnetRefs, spec.Ref{ID: id})
			}
			for _, id := range strs(sp.SecurityGroupIds) {
				s.SecurityGroupRefs = append(s.SecurityGroupRefs, spec.Ref{ID: id})
			}
		}
		o.Live = &spec.SuperNodePool{Object: meta(spec.KindSuperNodePool, want, own, sv(np.Name)), Spec: s}
		return o
	}
	return cd
}

func (superNodePoolKind) observe(ctx context.Context, c *Client, want []*spec.SuperNodePool) ([]providers.Observation, error) {
	return c.observePools2(ctx, spec.KindSuperNodePool, "Super", resources(want), c.superCandidate)
}

func (superNodePoolKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	return c.inventoryPools2(ctx, "Super", c.superCandidate)
}

// tagPool2 sets the whole tag set of a pool through the 2022 API.
func (c *Client) tagPool2(ctx context.Context, clusterID, poolID string, r spec.Resource) error {
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return err
	}
	req := tke2.NewModifyNodePoolRequest()
	req.ClusterId, req.NodePoolId, req.Tags = common.StringPtr(clusterID), common.StringPtr(poolID), machineTags(tags)
	if _, err := invoke(ctx, c, "tke", "ModifyNodePool", kindWrite, func(ctx context.Context) (*tke2.ModifyNodePoolResponse, error) {
		return c.tke2.ModifyNodePoolWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("tags of node pool %s: %w", poolID, err)
	}
	return nil
}

func (superNodePoolKind) create(ctx context.Context, c *Client, r *spec.SuperNodePool) (providers.Observation, error) {
	addr := r.GetAddr()
	s := r.Spec
	clusterID := s.ClusterRef.ID
	if clusterID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.clusterRef is not resolved to an ID", addr)
	}
	existing, err := c.findPool2(ctx, clusterID, "", addr, "Super")
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: look up by tag in cluster %s: %w", addr, clusterID, err)
	}
	if existing != nil {
		c.log.Info("create: found by tag, not creating again", "addr", addr.String(), "id", sv(existing.NodePoolId))
		return c.superCandidate(pool2Live{clusterID: clusterID, np: existing}).build(r), nil
	}
	if _, err := desiredTags(c.owner, r); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	subnets, err := refIDs("spec.subnetRefs", s.SubnetRefs)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	groups, err := refIDs("spec.securityGroupRefs", s.SecurityGroupRefs)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	if err := c.markCluster(ctx, clusterID); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	req := tke.NewCreateClusterVirtualNodePoolRequest()
	req.ClusterId, req.Name, req.SubnetIds = common.StringPtr(clusterID), common.StringPtr(addr.Name), common.StringPtrs(subnets)
	if len(groups) > 0 {
		req.SecurityGroupIds = common.StringPtrs(groups)
	}
	if len(s.Labels) > 0 {
		req.Labels = labelsToAPI[*tke.Label](s.Labels)
	}
	if len(s.Taints) > 0 {
		req.Taints = taintsToAPI[*tke.Taint](s.Taints)
	}
	req.DeletionProtection = common.BoolPtr(s.DeletionProtection != nil && *s.DeletionProtection)
	resp, err := invoke(ctx, c, "tke", "CreateClusterVirtualNodePool", kindCreate, func(ctx context.Context) (*tke.CreateClusterVirtualNodePoolResponse, error) {
		return c.tke.CreateClusterVirtualNodePoolWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s in cluster %s: %w", addr, clusterID, err)
	}
	id := sv(resp.Response.NodePoolId)
	if id == "" {
		return providers.Observation{}, fmt.Errorf("create %s: CreateClusterVirtualNodePool answered without a node pool ID", addr)
	}
	c.log.Info("created", "addr", addr.String(), "id", id, "cluster", clusterID)
	if err := c.tagPool2(ctx, clusterID, id, r); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: pool %s made, but %w; the next plan shows it untagged, to adopt", addr, id, err)
	}
	return providers.Observation{Addr: addr, Exists: true, ID: id, Owned: true, Settling: true, Status: "Creating",
		DeletionPolicy: s.DeletionPolicy, ParentID: clusterID}, nil
}

func (superNodePoolKind) calls(ctx context.Context, c *Client, r *spec.SuperNodePool, o providers.Observation) ([]call, error) {
	clusterID := o.ParentID
	if clusterID == "" {
		clusterID = r.Spec.ClusterRef.ID
	}
	s := r.Spec
	return []call{
		{name: actionModifyVirtualPool, run: func(changes []diff.Change) error {
			req := tke.NewModifyClusterVirtualNodePoolRequest()
			req.ClusterId, req.NodePoolId = common.StringPtr(clusterID), common.StringPtr(o.ID)
			if hasChange(changes, "metadata.name") {
				req.Name = common.StringPtr(r.GetAddr().Name)
			}
			if hasChange(changes, "spec.securityGroupRefs") {
				ids, err := refIDs("spec.securityGroupRefs", s.SecurityGroupRefs)
				if err != nil {
					return err
				}
				req.SecurityGroupIds = common.StringPtrs(ids)
			}
			if hasChange(changes, "spec.labels") {
				req.Labels = labelsToAPI[*tke.Label](s.Labels)
			}
			if hasChange(changes, "spec.taints") {
				req.Taints = taintsToAPI[*tke.Taint](s.Taints)
			}
			if hasChange(changes, "spec.deletionProtection") && s.DeletionProtection != nil {
				req.DeletionProtection = common.BoolPtr(*s.DeletionProtection)
			}
			if _, err := invoke(ctx, c, "tke", "ModifyClusterVirtualNodePool", kindWrite, func(ctx context.Context) (*tke.ModifyClusterVirtualNodePoolResponse, error) {
				return c.tke.ModifyClusterVirtualNodePoolWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("super node pool %s: %w", o.ID, err)
			}
			return nil
		}},
		{name: actionModifyNodePool, run: func([]diff.Change) error {
			return c.tagPool2(ctx, clusterID, o.ID, r)
		}},
	}, nil
}

func (superNodePoolKind) reobserve(ctx context.Context, c *Client, r *spec.SuperNodePool, o providers.Observation) (providers.Observation, error) {
	return c.reobservePool2(ctx, r, r.Spec.ClusterRef.ID, o, "Super", c.superCandidate)
}

func (superNodePoolKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return c.deletePool2(ctx, o, "Super", func(ctx context.Context, clusterID string) error {
		req := tke.NewDeleteClusterVirtualNodePoolRequest()
		req.ClusterId, req.NodePoolIds = common.StringPtr(clusterID), common.StringPtrs([]string{o.ID})
		req.Force = common.BoolPtr(false) // Pods still running on the pool's super nodes refuse the delete
		_, err := invoke(ctx, c, "tke", "DeleteClusterVirtualNodePool", kindWrite, func(ctx context.Context) (*tke.DeleteClusterVirtualNodePoolResponse, error) {
			return c.tke.DeleteClusterVirtualNodePoolWithContext(ctx, req)
		})
		return err
	})
}
