package harness

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Kinds the census counts beyond the spec kinds: the Auto Scaling objects behind
// every node pool, which a half-done pool create could leave behind.
const (
	KindScalingGroup = "AutoScalingGroup"
	KindLaunchConfig = "LaunchConfiguration"
)

// Census is what the emulator holds, read through the SDK: every object, tagged or
// not, so an orphan left by a half-done create is counted too.
type Census struct {
	// Count is the number of objects per kind (spec kinds, KindScalingGroup,
	// KindLaunchConfig).
	Count map[string]int
	// Names counts objects per kind and tkeops.io/name tag value ("Kind/name"); an
	// object without the tag counts under "<untagged>".
	Names map[string]map[string]int
}

// Untagged is the Names key of objects without a tkeops.io/name tag.
const Untagged = "<untagged>"

func (c *Census) add(kind, name string) {
	c.Count[kind]++
	if c.Names[kind] == nil {
		c.Names[kind] = map[string]int{}
	}
	if name == "" {
		name = Untagged
	}
	c.Names[kind][name]++
}

// Problems compares the census with the expected count per spec kind (and one
// scaling group and one launch configuration per node pool) and lists every
// difference: missing or extra objects, duplicates of one name, untagged objects.
func (c Census) Problems(want map[spec.Kind]int) []string {
	var out []string
	expect := map[string]int{}
	for k, n := range want {
		expect[string(k)] = n
	}
	expect[KindScalingGroup] = want[spec.KindNodePool]
	expect[KindLaunchConfig] = want[spec.KindNodePool]
	kinds := make([]string, 0, len(expect))
	for k := range expect {
		kinds = append(kinds, k)
	}
	for k := range c.Count {
		if _, ok := expect[k]; !ok {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if c.Count[k] != expect[k] {
			out = append(out, fmt.Sprintf("%s: %d in the cloud, want %d", k, c.Count[k], expect[k]))
		}
		if k == KindScalingGroup || k == KindLaunchConfig {
			continue // tagged by the node pool, not by tkeops
		}
		names := make([]string, 0, len(c.Names[k]))
		for n := range c.Names[k] {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			switch cnt := c.Names[k][n]; {
			case n == Untagged:
				out = append(out, fmt.Sprintf("%s: %d without a %s tag (orphans)", k, cnt, providers.TagName))
			case cnt > 1:
				out = append(out, fmt.Sprintf("%s: %d objects named %s (duplicates)", k, cnt, n))
			}
		}
	}
	return out
}

// Cloud reaches an emulator (or any endpoint of the API) with one key pair.
type Cloud struct {
	Endpoint  string
	SecretID  string
	SecretKey string
}

func (c Cloud) profile() *profile.ClientProfile {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = c.Endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqTimeout = 30
	cpf.Language = "en-US"
	// The census shares the emulator's rate limits with whatever else runs.
	cpf.RateLimitExceededMaxRetries = 20
	cpf.RateLimitExceededRetryDuration = func(int) time.Duration { return 150 * time.Millisecond }
	return cpf
}

// TakeCensus counts every VPC, subnet, security group, cluster, node pool, scaling
// group and launch configuration in the regions.
func (c Cloud) TakeCensus(ctx context.Context, regions []string) (Census, error) {
	out := Census{Count: map[string]int{}, Names: map[string]map[string]int{}}
	cred := common.NewCredential(c.SecretID, c.SecretKey)
	for _, region := range regions {
		vc, err := vpc.NewClient(cred, region, c.profile())
		if err != nil {
			return out, fmt.Errorf("census: vpc client: %w", err)
		}
		tc, err := tke.NewClient(cred, region, c.profile())
		if err != nil {
			return out, fmt.Errorf("census: tke client: %w", err)
		}
		ac, err := as.NewClient(cred, region, c.profile())
		if err != nil {
			return out, fmt.Errorf("census: as client: %w", err)
		}
		const page = 100
		for off := 0; ; off += page {
			req := vpc.NewDescribeVpcsRequest()
			req.Offset, req.Limit = common.StringPtr(strconv.Itoa(off)), common.StringPtr(strconv.Itoa(page))
			resp, err := vc.DescribeVpcsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeVpcs: %w", region, err)
			}
			for _, v := range resp.Response.VpcSet {
				out.add(string(spec.KindVPC), vpcName(v.TagSet))
			}
			if len(resp.Response.VpcSet) < page {
				break
			}
		}
		for off := 0; ; off += page {
			req := vpc.NewDescribeSubnetsRequest()
			req.Offset, req.Limit = common.StringPtr(strconv.Itoa(off)), common.StringPtr(strconv.Itoa(page))
			resp, err := vc.DescribeSubnetsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeSubnets: %w", region, err)
			}
			for _, s := range resp.Response.SubnetSet {
				out.add(string(spec.KindSubnet), vpcName(s.TagSet))
			}
			if len(resp.Response.SubnetSet) < page {
				break
			}
		}
		for off := 0; ; off += page {
			req := vpc.NewDescribeSecurityGroupsRequest()
			req.Offset, req.Limit = common.StringPtr(strconv.Itoa(off)), common.StringPtr(strconv.Itoa(page))
			resp, err := vc.DescribeSecurityGroupsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeSecurityGroups: %w", region, err)
			}
			for _, g := range resp.Response.SecurityGroupSet {
				out.add(string(spec.KindSecurityGroup), vpcName(g.TagSet))
			}
			if len(resp.Response.SecurityGroupSet) < page {
				break
			}
		}
		var clusterIDs []string
		for off := 0; ; off += page {
			req := tke.NewDescribeClustersRequest()
			req.Offset, req.Limit = common.Int64Ptr(int64(off)), common.Int64Ptr(page)
			resp, err := tc.DescribeClustersWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeClusters: %w", region, err)
			}
			for _, cl := range resp.Response.Clusters {
				var tags []*tke.Tag
				for _, ts := range cl.TagSpecification {
					if ts != nil {
						tags = append(tags, ts.Tags...)
					}
				}
				out.add(string(spec.KindCluster), tkeName(tags))
				clusterIDs = append(clusterIDs, deref(cl.ClusterId))
			}
			if len(resp.Response.Clusters) < page {
				break
			}
		}
		for _, id := range clusterIDs {
			req := tke.NewDescribeClusterNodePoolsRequest()
			req.ClusterId = common.StringPtr(id)
			resp, err := tc.DescribeClusterNodePoolsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeClusterNodePools %s: %w", region, id, err)
			}
			for _, np := range resp.Response.NodePoolSet {
				out.add(string(spec.KindNodePool), tkeName(np.Tags))
			}
		}
		for off := uint64(0); ; off += page {
			req := as.NewDescribeAutoScalingGroupsRequest()
			req.Offset, req.Limit = common.Uint64Ptr(off), common.Uint64Ptr(page)
			resp, err := ac.DescribeAutoScalingGroupsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeAutoScalingGroups: %w", region, err)
			}
			for _, g := range resp.Response.AutoScalingGroupSet {
				out.add(KindScalingGroup, deref(g.AutoScalingGroupId))
			}
			if len(resp.Response.AutoScalingGroupSet) < page {
				break
			}
		}
		for off := uint64(0); ; off += page {
			req := as.NewDescribeLaunchConfigurationsRequest()
			req.Offset, req.Limit = common.Uint64Ptr(off), common.Uint64Ptr(page)
			resp, err := ac.DescribeLaunchConfigurationsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeLaunchConfigurations: %w", region, err)
			}
			for _, l := range resp.Response.LaunchConfigurationSet {
				out.add(KindLaunchConfig, deref(l.LaunchConfigurationId))
			}
			if len(resp.Response.LaunchConfigurationSet) < page {
				break
			}
		}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func vpcName(ts []*vpc.Tag) string {
	for _, t := range ts {
		if t != nil && deref(t.Key) == providers.TagName {
			return deref(t.Value)
		}
	}
	return ""
}

func tkeName(ts []*tke.Tag) string {
	for _, t := range ts {
		if t != nil && deref(t.Key) == providers.TagName {
			return deref(t.Value)
		}
	}
	return ""
}

// ErrorText flattens problems for a test failure.
func ErrorText(problems []string) string { return strings.Join(problems, "\n  ") }
