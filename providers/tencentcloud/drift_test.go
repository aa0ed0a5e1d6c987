package tencentcloud_test

import (
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/spec"
)

// TestCloudRenameIsSetBack renames every kind in the console (a plain SDK call),
// checks that observation shows the cloud's name, and that an Update at
// metadata.name sets it back.
func TestCloudRenameIsSetBack(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(20)
	created := e.create(t, st)
	ob := e.outOfBand(t)
	id := func(r spec.Resource) string { return created[r.GetAddr()].ID }
	pool := st.pools[0]
	poolObs := e.waitSettled(t, spec.KindNodePool, pool)
	renames := map[spec.Resource]func() error{
		st.vpc: func() error {
			req := vpc.NewModifyVpcAttributeRequest()
			req.VpcId, req.VpcName = common.StringPtr(id(st.vpc)), common.StringPtr("console-vpc")
			_, err := ob.vpc.ModifyVpcAttributeWithContext(e.ctx, req)
			return err
		},
		st.subnets[0]: func() error {
			req := vpc.NewModifySubnetAttributeRequest()
			req.SubnetId, req.SubnetName = common.StringPtr(id(st.subnets[0])), common.StringPtr("console-subnet")
			_, err := ob.vpc.ModifySubnetAttributeWithContext(e.ctx, req)
			return err
		},
		st.sg: func() error {
			req := vpc.NewModifySecurityGroupAttributeRequest()
			req.SecurityGroupId, req.GroupName = common.StringPtr(id(st.sg)), common.StringPtr("console-sg")
			_, err := ob.vpc.ModifySecurityGroupAttributeWithContext(e.ctx, req)
			return err
		},
		st.cluster: func() error {
			req := tke.NewModifyClusterAttributeRequest()
			req.ClusterId, req.ClusterName = common.StringPtr(id(st.cluster)), common.StringPtr("console-cls")
			_, err := ob.tke.ModifyClusterAttributeWithContext(e.ctx, req)
			return err
		},
		pool: func() error {
			req := tke.NewModifyClusterNodePoolRequest()
			req.ClusterId, req.NodePoolId, req.Name = common.StringPtr(id(st.cluster)), common.StringPtr(poolObs.ID), common.StringPtr("console-pool")
			_, err := ob.tke.ModifyClusterNodePoolWithContext(e.ctx, req)
			return err
		},
	}
	for r, rename := range renames {
		addr := r.GetAddr()
		if err := rename(); err != nil {
			t.Fatalf("%s: rename in the console: %v", addr, err)
		}
		o := e.waitSettled(t, addr.Kind, r)
		if o.Addr != addr || !o.Owned || o.Live.GetAddr().Name == addr.Name {
			t.Errorf("%s: observation after a console rename: addr %s, owned %v, live name %q", addr, o.Addr, o.Owned, o.Live.GetAddr().Name)
			continue
		}
		if _, err := e.c.Update(e.ctx, r, o, []diff.Change{{Path: "metadata.name", Before: o.Live.GetAddr().Name, After: addr.Name}}); err != nil {
			t.Errorf("%s: set the name back: %v", addr, err)
			continue
		}
		if o = e.waitSettled(t, addr.Kind, r); o.Live.GetAddr().Name != addr.Name {
			t.Errorf("%s: cloud name after the update: %q", addr, o.Live.GetAddr().Name)
		}
	}
}
