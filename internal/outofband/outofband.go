// Package outofband creates cloud resources the way a person at the console, or
// Terraform, would have: plain SDK calls with no tkeops tags. The resources are
// described by a Terraform state, so one description serves both brownfield paths
// tkeops supports: exporting what exists, and migrating what Terraform made. It is
// for tests and demos against the emulator.
package outofband

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/tfstate"
)

// Cloud is where to create: an endpoint over plain HTTP (the emulator) and a credential.
type Cloud struct {
	Endpoint   string
	Credential common.CredentialIface
	Region     string
}

// Apply creates every resource of st that tfstate converts, in dependency order,
// and waits for clusters and node pools to settle. It returns the IDs the cloud
// gave, keyed by the IDs the state holds, and rewrites st to hold the new ones (as
// if Terraform had made them).
func Apply(ctx context.Context, cloud Cloud, st *tfstate.State) (map[string]string, error) {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = cloud.Endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	vc, err := vpc.NewClient(cloud.Credential, cloud.Region, cpf)
	if err != nil {
		return nil, err
	}
	tc, err := tke.NewClient(cloud.Credential, cloud.Region, cpf)
	if err != nil {
		return nil, err
	}
	a := &applier{vpc: vc, tke: tc, ids: map[string]string{}}
	steps := []struct {
		typ string
		fn  func(ctx context.Context, at map[string]any) (string, error)
	}{
		{"tencentcloud_vpc", a.vpcCreate},
		{"tencentcloud_subnet", a.subnetCreate},
		{"tencentcloud_security_group", a.securityGroupCreate},
		{"tencentcloud_security_group_rule_set", a.ruleSetCreate},
		{"tencentcloud_kubernetes_cluster", a.clusterCreate},
		{"tencentcloud_kubernetes_node_pool", a.nodePoolCreate},
		{"tencentcloud_kubernetes_cluster_endpoint", a.endpointCreate},
	}
	for _, s := range steps {
		for ri := range st.Resources {
			r := &st.Resources[ri]
			if r.Mode != "managed" || r.Type != s.typ {
				continue
			}
			for ii := range r.Instances {
				at := a.renumber(r.Instances[ii].Attributes).(map[string]any)
				id, err := s.fn(ctx, at)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", r.Address(r.Instances[ii]), err)
				}
				if old, _ := r.Instances[ii].Attributes["id"].(string); old != "" && id != "" {
					// A node pool's state ID is "<cluster ID>#<pool ID>": map the pool's part.
					if _, pool, ok := strings.Cut(old, "#"); ok {
						old = pool
					}
					a.ids[old] = id
				}
			}
		}
	}
	for ri := range st.Resources {
		for ii := range st.Resources[ri].Instances {
			st.Resources[ri].Instances[ii].Attributes = a.renumber(st.Resources[ri].Instances[ii].Attributes).(map[string]any)
		}
	}
	return a.ids, nil
}

type applier struct {
	vpc *vpc.Client
	tke *tke.Client
	ids map[string]string // state ID → created ID
}

// renumber replaces every state ID the applier has created with the cloud's.
func (a *applier) renumber(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = a.renumber(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = a.renumber(x)
		}
		return out
	case string:
		// Longest first, so an ID inside a composite ("cls-1#np-2") is replaced whole.
		olds := make([]string, 0, len(a.ids))
		for old := range a.ids {
			olds = append(olds, old)
		}
		sort.Slice(olds, func(i, j int) bool { return len(olds[i]) > len(olds[j]) })
		for _, old := range olds {
			t = strings.ReplaceAll(t, old, a.ids[old])
		}
		return t
	}
	return v
}

func str(at map[string]any, k string) string { s, _ := at[k].(string); return s }
func num(at map[string]any, k string) int64 {
	f, _ := at[k].(float64)
	return int64(f)
}
func flag(at map[string]any, k string) bool { b, _ := at[k].(bool); return b }
func strs(at map[string]any, k string) []string {
	var out []string
	l, _ := at[k].([]any)
	for _, v := range l {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}
func blocks(at map[string]any, k string) []map[string]any {
	var out []map[string]any
	l, _ := at[k].([]any)
	for _, v := range l {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
func tagMap(at map[string]any) map[string]string {
	out := map[string]string{}
	m, _ := at["tags"].(map[string]any)
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

func (a *applier) vpcCreate(ctx context.Context, at map[string]any) (string, error) {
	req := vpc.NewCreateVpcRequest()
	req.VpcName = common.StringPtr(str(at, "name"))
	req.CidrBlock = common.StringPtr(str(at, "cidr_block"))
	req.EnableMulticast = common.StringPtr(fmt.Sprint(flag(at, "is_multicast")))
	for k, v := range tagMap(at) {
		req.Tags = append(req.Tags, &vpc.Tag{Key: common.StringPtr(k), Value: common.StringPtr(v)})
	}
	resp, err := a.vpc.CreateVpcWithContext(ctx, req)
	if err != nil {
		return "", err
	}
	return *resp.Response.Vpc.VpcId, nil
}

func (a *applier) subnetCreate(ctx context.Context, at map[string]any) (string, error) {
	req := vpc.NewCreateSubnetRequest()
	req.VpcId = common.StringPtr(str(at, "vpc_id"))
	req.SubnetName = common.StringPtr(str(at, "name"))
	req.CidrBlock = common.StringPtr(str(at, "cidr_block"))
	req.Zone = common.StringPtr(str(at, "availability_zone"))
	resp, err := a.vpc.CreateSubnetWithContext(ctx, req)
	if err != nil {
		return "", err
	}
	id := *resp.Response.Subnet.SubnetId
	// Terraform sets the broadcast flag after creating, as the provider does.
	mod := vpc.NewModifySubnetAttributeRequest()
	mod.SubnetId = common.StringPtr(id)
	mod.EnableBroadcast = common.StringPtr(fmt.Sprint(flag(at, "is_multicast")))
	if _, err := a.vpc.ModifySubnetAttributeWithContext(ctx, mod); err != nil {
		return "", err
	}
	return id, nil
}

func (a *applier) securityGroupCreate(ctx context.Context, at map[string]any) (string, error) {
	req := vpc.NewCreateSecurityGroupRequest()
	req.GroupName = common.StringPtr(str(at, "name"))
	req.GroupDescription = common.StringPtr(str(at, "description"))
	resp, err := a.vpc.CreateSecurityGroupWithContext(ctx, req)
	if err != nil {
		return "", err
	}
	return *resp.Response.SecurityGroup.SecurityGroupId, nil
}

func (a *applier) ruleSetCreate(ctx context.Context, at map[string]any) (string, error) {
	set := &vpc.SecurityGroupPolicySet{}
	for _, dir := range []string{"ingress", "egress"} {
		for _, b := range blocks(at, dir) {
			p := &vpc.SecurityGroupPolicy{Action: common.StringPtr(str(b, "action")), Protocol: common.StringPtr(str(b, "protocol")), Port: common.StringPtr(str(b, "port"))}
			if c := str(b, "cidr_block"); c != "" {
				p.CidrBlock = common.StringPtr(c)
			}
			if g := str(b, "source_security_id"); g != "" {
				p.SecurityGroupId = common.StringPtr(g)
			}
			if d := str(b, "description"); d != "" {
				p.PolicyDescription = common.StringPtr(d)
			}
			if dir == "ingress" {
				set.Ingress = append(set.Ingress, p)
			} else {
				set.Egress = append(set.Egress, p)
			}
		}
	}
	req := vpc.NewModifySecurityGroupPoliciesRequest()
	req.SecurityGroupId = common.StringPtr(str(at, "security_group_id"))
	req.SecurityGroupPolicySet = set
	_, err := a.vpc.ModifySecurityGroupPoliciesWithContext(ctx, req)
	return str(at, "security_group_id"), err
}

func (a *applier) clusterCreate(ctx context.Context, at map[string]any) (string, error) {
	req := tke.NewCreateClusterRequest()
	req.ClusterType = common.StringPtr("MANAGED_CLUSTER")
	req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{
		MaxNodePodNum:        common.Uint64Ptr(uint64(num(at, "cluster_max_pod_num"))),
		MaxClusterServiceNum: common.Uint64Ptr(uint64(num(at, "cluster_max_service_num"))),
	}
	if c := str(at, "cluster_cidr"); c != "" {
		req.ClusterCIDRSettings.ClusterCIDR = common.StringPtr(c)
	}
	if c := str(at, "service_cidr"); c != "" {
		req.ClusterCIDRSettings.ServiceCIDR = common.StringPtr(c)
	}
	req.ClusterCIDRSettings.EniSubnetIds = common.StringPtrs(strs(at, "eni_subnet_ids"))
	basic := &tke.ClusterBasicSettings{
		ClusterName:             common.StringPtr(str(at, "cluster_name")),
		ClusterDescription:      common.StringPtr(str(at, "cluster_desc")),
		ClusterVersion:          common.StringPtr(str(at, "cluster_version")),
		ClusterOs:               common.StringPtr(str(at, "cluster_os")),
		VpcId:                   common.StringPtr(str(at, "vpc_id")),
		ClusterLevel:            common.StringPtr(str(at, "cluster_level")),
		AutoUpgradeClusterLevel: &tke.AutoUpgradeClusterLevel{IsAutoUpgrade: common.BoolPtr(flag(at, "auto_upgrade_cluster_level"))},
	}
	if tags := tagMap(at); len(tags) > 0 {
		spec := &tke.TagSpecification{ResourceType: common.StringPtr("cluster")}
		for k, v := range tags {
			spec.Tags = append(spec.Tags, &tke.Tag{Key: common.StringPtr(k), Value: common.StringPtr(v)})
		}
		basic.TagSpecification = []*tke.TagSpecification{spec}
	}
	req.ClusterBasicSettings = basic
	nt := str(at, "network_type")
	if nt == "" {
		nt = "GR"
	}
	req.ClusterAdvancedSettings = &tke.ClusterAdvancedSettings{
		IPVS:               common.BoolPtr(flag(at, "cluster_ipvs")),
		ContainerRuntime:   common.StringPtr(str(at, "container_runtime")),
		RuntimeVersion:     common.StringPtr(str(at, "runtime_version")),
		NetworkType:        common.StringPtr(nt),
		DeletionProtection: common.BoolPtr(flag(at, "deletion_protection")),
	}
	resp, err := a.tke.CreateClusterWithContext(ctx, req)
	if err != nil {
		return "", err
	}
	id := *resp.Response.ClusterId
	return id, a.waitCluster(ctx, id)
}

func (a *applier) waitCluster(ctx context.Context, id string) error {
	for {
		req := tke.NewDescribeClustersRequest()
		req.ClusterIds = common.StringPtrs([]string{id})
		resp, err := a.tke.DescribeClustersWithContext(ctx, req)
		if err != nil {
			return err
		}
		if len(resp.Response.Clusters) == 1 && *resp.Response.Clusters[0].ClusterStatus == "Running" {
			return nil
		}
		if err := sleep(ctx); err != nil {
			return fmt.Errorf("cluster %s did not start: %w", id, err)
		}
	}
}

func (a *applier) nodePoolCreate(ctx context.Context, at map[string]any) (string, error) {
	cluster := str(at, "cluster_id")
	asc := map[string]any{}
	if b := blocks(at, "auto_scaling_config"); len(b) > 0 {
		asc = b[0]
	}
	group := as.NewCreateAutoScalingGroupRequest()
	group.MinSize = common.Uint64Ptr(uint64(num(at, "min_size")))
	group.MaxSize = common.Uint64Ptr(uint64(num(at, "max_size")))
	group.DesiredCapacity = common.Uint64Ptr(uint64(num(at, "desired_capacity")))
	group.VpcId = common.StringPtr(str(at, "vpc_id"))
	group.SubnetIds = common.StringPtrs(strs(at, "subnet_ids"))
	group.RetryPolicy = common.StringPtr("IMMEDIATE_RETRY")
	if p := str(at, "multi_zone_subnet_policy"); p != "" {
		group.MultiZoneSubnetPolicy = common.StringPtr(p)
	}
	if t := strs(at, "termination_policies"); len(t) > 0 {
		group.TerminationPolicies = common.StringPtrs(t)
	}
	lc := as.NewCreateLaunchConfigurationRequest()
	lc.InstanceTypes = common.StringPtrs(append([]string{str(asc, "instance_type")}, strs(asc, "backup_instance_types")...))
	if t := str(asc, "system_disk_type"); t != "" {
		lc.SystemDisk = &as.SystemDisk{DiskType: common.StringPtr(t), DiskSize: common.Uint64Ptr(uint64(num(asc, "system_disk_size")))}
	}
	lc.SecurityGroupIds = common.StringPtrs(strs(asc, "orderly_security_group_ids"))
	if t := str(asc, "instance_charge_type"); t != "" {
		lc.InstanceChargeType = common.StringPtr(t)
	}
	req := tke.NewCreateClusterNodePoolRequest()
	req.ClusterId = common.StringPtr(cluster)
	req.Name = common.StringPtr(str(at, "name"))
	req.AutoScalingGroupPara = common.StringPtr(group.ToJsonString())
	req.LaunchConfigurePara = common.StringPtr(lc.ToJsonString())
	req.EnableAutoscale = common.BoolPtr(flag(at, "enable_auto_scale"))
	req.NodePoolOs = common.StringPtr(str(at, "node_os"))
	req.OsCustomizeType = common.StringPtr("GENERAL")
	req.DeletionProtection = common.BoolPtr(flag(at, "deletion_protection"))
	req.InstanceAdvancedSettings = &tke.InstanceAdvancedSettings{Unschedulable: common.Int64Ptr(num(at, "unschedulable"))}
	labels, _ := at["labels"].(map[string]any)
	for k, v := range labels {
		req.Labels = append(req.Labels, &tke.Label{Name: common.StringPtr(k), Value: common.StringPtr(fmt.Sprint(v))})
	}
	for _, t := range blocks(at, "taints") {
		req.Taints = append(req.Taints, &tke.Taint{Key: common.StringPtr(str(t, "key")), Value: common.StringPtr(str(t, "value")), Effect: common.StringPtr(str(t, "effect"))})
	}
	resp, err := a.tke.CreateClusterNodePoolWithContext(ctx, req)
	if err != nil {
		return "", err
	}
	id := *resp.Response.NodePoolId
	if err := a.waitPool(ctx, cluster, id); err != nil {
		return "", err
	}
	return id, nil
}

func (a *applier) waitPool(ctx context.Context, cluster, id string) error {
	for {
		req := tke.NewDescribeClusterNodePoolDetailRequest()
		req.ClusterId = common.StringPtr(cluster)
		req.NodePoolId = common.StringPtr(id)
		resp, err := a.tke.DescribeClusterNodePoolDetailWithContext(ctx, req)
		if err != nil {
			return err
		}
		if np := resp.Response.NodePool; np != nil && np.LifeState != nil && *np.LifeState == "normal" {
			return nil
		}
		if err := sleep(ctx); err != nil {
			return fmt.Errorf("node pool %s did not settle: %w", id, err)
		}
	}
}

func (a *applier) endpointCreate(ctx context.Context, at map[string]any) (string, error) {
	cluster := str(at, "cluster_id")
	open := func(extranet bool, subnet, sg string) error {
		req := tke.NewCreateClusterEndpointRequest()
		req.ClusterId = common.StringPtr(cluster)
		req.IsExtranet = common.BoolPtr(extranet)
		if subnet != "" {
			req.SubnetId = common.StringPtr(subnet)
		}
		if sg != "" {
			req.SecurityGroup = common.StringPtr(sg)
		}
		if _, err := a.tke.CreateClusterEndpointWithContext(ctx, req); err != nil {
			return err
		}
		for {
			st := tke.NewDescribeClusterEndpointStatusRequest()
			st.ClusterId = common.StringPtr(cluster)
			st.IsExtranet = common.BoolPtr(extranet)
			resp, err := a.tke.DescribeClusterEndpointStatusWithContext(ctx, st)
			if err != nil {
				return err
			}
			if s := resp.Response.Status; s != nil && *s == "Created" {
				return nil
			}
			if err := sleep(ctx); err != nil {
				return fmt.Errorf("endpoint of %s did not open: %w", cluster, err)
			}
		}
	}
	if flag(at, "cluster_intranet") {
		if err := open(false, str(at, "cluster_intranet_subnet_id"), ""); err != nil {
			return "", err
		}
	}
	if flag(at, "cluster_internet") {
		if err := open(true, "", str(at, "cluster_internet_security_group")); err != nil {
			return "", err
		}
	}
	return "", nil
}

func sleep(ctx context.Context) error {
	t := time.NewTimer(20 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Clone returns a deep copy of a state, so a test can apply a fixture more than once.
func Clone(st *tfstate.State) *tfstate.State {
	b, _ := json.Marshal(st)
	var out tfstate.State
	_ = json.Unmarshal(b, &out)
	return &out
}
