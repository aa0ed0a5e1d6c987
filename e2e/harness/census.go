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
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"
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

// regionClients are the SDK clients of one region.
type regionClients struct {
	vpc  *vpc.Client
	tke  *tke.Client
	tke2 *tke2.Client // TKE 2022-05-01: native and super node pools
	as   *as.Client
}

// lister lists every object of one spec kind in a region (tagged or not) by its
// tkeops.io/name tag value, "" when untagged.
type lister func(ctx context.Context, c regionClients) ([]string, error)

// censusPage is the page size of the census' list calls.
const censusPage = 100

// listers count the objects of each spec kind. TakeCensus walks spec.Kinds() and
// fails on a kind without one, so a new kind cannot be left out of the census.
func listers() map[spec.Kind]lister {
	return map[spec.Kind]lister{
		spec.KindVPC: func(ctx context.Context, c regionClients) ([]string, error) {
			return pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeVpcsRequest()
				req.Offset, req.Limit = common.StringPtr(strconv.Itoa(off)), common.StringPtr(strconv.Itoa(censusPage))
				resp, err := c.vpc.DescribeVpcsWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeVpcs: %w", err)
				}
				return mapNames(resp.Response.VpcSet, func(v *vpc.Vpc) string { return vpcName(v.TagSet) }), nil
			})
		},
		spec.KindSubnet: func(ctx context.Context, c regionClients) ([]string, error) {
			return pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeSubnetsRequest()
				req.Offset, req.Limit = common.StringPtr(strconv.Itoa(off)), common.StringPtr(strconv.Itoa(censusPage))
				resp, err := c.vpc.DescribeSubnetsWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeSubnets: %w", err)
				}
				return mapNames(resp.Response.SubnetSet, func(s *vpc.Subnet) string { return vpcName(s.TagSet) }), nil
			})
		},
		spec.KindSecurityGroup: func(ctx context.Context, c regionClients) ([]string, error) {
			return pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeSecurityGroupsRequest()
				req.Offset, req.Limit = common.StringPtr(strconv.Itoa(off)), common.StringPtr(strconv.Itoa(censusPage))
				resp, err := c.vpc.DescribeSecurityGroupsWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeSecurityGroups: %w", err)
				}
				return mapNames(resp.Response.SecurityGroupSet, func(g *vpc.SecurityGroup) string { return vpcName(g.TagSet) }), nil
			})
		},
		spec.KindCluster: func(ctx context.Context, c regionClients) ([]string, error) {
			clusters, err := listClusters(ctx, c)
			return mapNames(clusters, func(cl *tke.Cluster) string {
				var tags []*tke.Tag
				for _, ts := range cl.TagSpecification {
					if ts != nil {
						tags = append(tags, ts.Tags...)
					}
				}
				return tkeName(tags)
			}), err
		},
		spec.KindNodePool: func(ctx context.Context, c regionClients) ([]string, error) {
			clusters, err := listClusters(ctx, c)
			if err != nil {
				return nil, err
			}
			var out []string
			for _, cl := range clusters {
				req := tke.NewDescribeClusterNodePoolsRequest()
				req.ClusterId = cl.ClusterId
				resp, err := c.tke.DescribeClusterNodePoolsWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeClusterNodePools %s: %w", deref(cl.ClusterId), err)
				}
				out = append(out, mapNames(resp.Response.NodePoolSet, func(np *tke.NodePool) string { return tkeName(np.Tags) })...)
			}
			return out, nil
		},
		spec.KindNativeNodePool: func(ctx context.Context, c regionClients) ([]string, error) {
			return pools2(ctx, c, "Native")
		},
		spec.KindSuperNodePool: func(ctx context.Context, c regionClients) ([]string, error) {
			return pools2(ctx, c, "Super")
		},
		// Add-ons carry no tags; tkeops records its own on the cluster
		// (tkeops.io/addon/<addonName> = <doc>;<policy>, providers/tencentcloud/addon.go).
		spec.KindAddon: func(ctx context.Context, c regionClients) ([]string, error) {
			clusters, err := listClusters(ctx, c)
			if err != nil {
				return nil, err
			}
			var out []string
			for _, cl := range clusters {
				markers := map[string]string{}
				for _, ts := range cl.TagSpecification {
					for _, t := range ts.Tags {
						if name, ok := strings.CutPrefix(deref(t.Key), "tkeops.io/addon/"); ok {
							doc, _, _ := strings.Cut(deref(t.Value), ";")
							markers[name] = string(spec.KindAddon) + "/" + doc
						}
					}
				}
				req := tke.NewDescribeAddonRequest()
				req.ClusterId = cl.ClusterId
				resp, err := c.tke.DescribeAddonWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeAddon %s: %w", deref(cl.ClusterId), err)
				}
				out = append(out, mapNames(resp.Response.Addons, func(a *tke.Addon) string { return markers[deref(a.AddonName)] })...)
			}
			return out, nil
		},
		spec.KindEIP: func(ctx context.Context, c regionClients) ([]string, error) {
			return pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeAddressesRequest()
				req.Offset, req.Limit = common.Int64Ptr(int64(off)), common.Int64Ptr(censusPage)
				resp, err := c.vpc.DescribeAddressesWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeAddresses: %w", err)
				}
				return mapNames(resp.Response.AddressSet, func(a *vpc.Address) string { return vpcName(a.TagSet) }), nil
			})
		},
		spec.KindNatGateway: func(ctx context.Context, c regionClients) ([]string, error) {
			return pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeNatGatewaysRequest()
				req.Offset, req.Limit = common.Uint64Ptr(uint64(off)), common.Uint64Ptr(censusPage)
				resp, err := c.vpc.DescribeNatGatewaysWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeNatGateways: %w", err)
				}
				return mapNames(resp.Response.NatGatewaySet, func(n *vpc.NatGateway) string { return vpcName(n.TagSet) }), nil
			})
		},
		// A connection shows in the regions of both ends: it counts in its requester's.
		spec.KindPeeringConnection: func(ctx context.Context, c regionClients) ([]string, error) {
			names, err := pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeVpcPeeringConnectionsRequest()
				req.Offset, req.Limit = common.Int64Ptr(int64(off)), common.Int64Ptr(censusPage)
				resp, err := c.vpc.DescribeVpcPeeringConnectionsWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeVpcPeeringConnections: %w", err)
				}
				return mapNames(resp.Response.PeerConnectionSet, func(p *vpc.PeerConnection) string {
					if deref(p.SourceRegion) != c.vpc.GetRegion() {
						return elsewhere
					}
					return vpcName(p.TagSet)
				}), nil
			})
			return slices.DeleteFunc(names, func(n string) bool { return n == elsewhere }), err
		},
		// Every region lists a CCN: it counts in its home region (tkeops.io/home-region).
		spec.KindCCN: func(ctx context.Context, c regionClients) ([]string, error) {
			names, err := pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeCcnsRequest()
				req.Offset, req.Limit = common.Uint64Ptr(uint64(off)), common.Uint64Ptr(censusPage)
				resp, err := c.vpc.DescribeCcnsWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeCcns: %w", err)
				}
				return mapNames(resp.Response.CcnSet, func(n *vpc.CCN) string {
					for _, t := range n.TagSet {
						if deref(t.Key) == "tkeops.io/home-region" && deref(t.Value) != c.vpc.GetRegion() {
							return elsewhere
						}
					}
					return vpcName(n.TagSet)
				}), nil
			})
			return slices.DeleteFunc(names, func(n string) bool { return n == elsewhere }), err
		},
		// A VPC's default table comes with the VPC: it counts once tkeops adopts it.
		spec.KindRouteTable: func(ctx context.Context, c regionClients) ([]string, error) {
			names, err := pages(func(off int) ([]string, error) {
				req := vpc.NewDescribeRouteTablesRequest()
				req.Offset, req.Limit = common.StringPtr(strconv.Itoa(off)), common.StringPtr(strconv.Itoa(censusPage))
				resp, err := c.vpc.DescribeRouteTablesWithContext(ctx, req)
				if err != nil {
					return nil, fmt.Errorf("DescribeRouteTables: %w", err)
				}
				return mapNames(resp.Response.RouteTableSet, func(t *vpc.RouteTable) string {
					if n := vpcName(t.TagSet); n != "" || t.Main == nil || !*t.Main {
						return n
					}
					return mainTable
				}), nil
			})
			return slices.DeleteFunc(names, func(n string) bool { return n == mainTable }), err
		},
	}
}

// mainTable and elsewhere mark, while a page is counted, an unadopted default route
// table and an object another region counts.
const (
	mainTable = "\x00main"
	elsewhere = "\x00elsewhere"
)

// pools2 names the pools of one type (Native, Super) of every cluster, read through
// TKE's 2022-05-01 API, whose pools carry their tags in TagSpecifications.
func pools2(ctx context.Context, c regionClients, poolType string) ([]string, error) {
	clusters, err := listClusters(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, cl := range clusters {
		for off := int64(0); ; off += censusPage {
			req := tke2.NewDescribeNodePoolsRequest()
			req.ClusterId, req.Offset, req.Limit = cl.ClusterId, common.Int64Ptr(off), common.Int64Ptr(censusPage)
			resp, err := c.tke2.DescribeNodePoolsWithContext(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("DescribeNodePools %s: %w", deref(cl.ClusterId), err)
			}
			for _, np := range resp.Response.NodePools {
				if deref(np.Type) != poolType {
					continue
				}
				var tags []*tke.Tag
				for _, ts := range np.Tags {
					for _, t := range ts.Tags {
						tags = append(tags, &tke.Tag{Key: t.Key, Value: t.Value})
					}
				}
				out = append(out, tkeName(tags))
			}
			if len(resp.Response.NodePools) < censusPage {
				break
			}
		}
	}
	return out, nil
}

func listClusters(ctx context.Context, c regionClients) ([]*tke.Cluster, error) {
	var out []*tke.Cluster
	for off := 0; ; off += censusPage {
		req := tke.NewDescribeClustersRequest()
		req.Offset, req.Limit = common.Int64Ptr(int64(off)), common.Int64Ptr(censusPage)
		resp, err := c.tke.DescribeClustersWithContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("DescribeClusters: %w", err)
		}
		out = append(out, resp.Response.Clusters...)
		if len(resp.Response.Clusters) < censusPage {
			return out, nil
		}
	}
}

// pages calls page with growing offsets until a page comes back short.
func pages(page func(offset int) ([]string, error)) ([]string, error) {
	var out []string
	for off := 0; ; off += censusPage {
		names, err := page(off)
		if err != nil {
			return nil, err
		}
		out = append(out, names...)
		if len(names) < censusPage {
			return out, nil
		}
	}
}

func mapNames[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}

// TakeCensus counts every object of every spec kind, and every scaling group and
// launch configuration, in the regions.
func (c Cloud) TakeCensus(ctx context.Context, regions []string) (Census, error) {
	out := Census{Count: map[string]int{}, Names: map[string]map[string]int{}}
	cred := common.NewCredential(c.SecretID, c.SecretKey)
	byKind := listers()
	for _, region := range regions {
		var rc regionClients
		var err error
		if rc.vpc, err = vpc.NewClient(cred, region, c.profile()); err != nil {
			return out, fmt.Errorf("census: vpc client: %w", err)
		}
		if rc.tke, err = tke.NewClient(cred, region, c.profile()); err != nil {
			return out, fmt.Errorf("census: tke client: %w", err)
		}
		if rc.tke2, err = tke2.NewClient(cred, region, c.profile()); err != nil {
			return out, fmt.Errorf("census: tke 2022-05-01 client: %w", err)
		}
		if rc.as, err = as.NewClient(cred, region, c.profile()); err != nil {
			return out, fmt.Errorf("census: as client: %w", err)
		}
		for _, kind := range spec.Kinds() {
			list, ok := byKind[kind]
			if !ok {
				return out, fmt.Errorf("census: no lister for kind %s", kind)
			}
			names, err := list(ctx, rc)
			if err != nil {
				return out, fmt.Errorf("census %s %s: %w", region, kind, err)
			}
			for _, n := range names {
				out.add(string(kind), n)
			}
		}
		for off := uint64(0); ; off += censusPage {
			req := as.NewDescribeAutoScalingGroupsRequest()
			req.Offset, req.Limit = common.Uint64Ptr(off), common.Uint64Ptr(censusPage)
			resp, err := rc.as.DescribeAutoScalingGroupsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeAutoScalingGroups: %w", region, err)
			}
			for _, g := range resp.Response.AutoScalingGroupSet {
				out.add(KindScalingGroup, deref(g.AutoScalingGroupId))
			}
			if len(resp.Response.AutoScalingGroupSet) < censusPage {
				break
			}
		}
		for off := uint64(0); ; off += censusPage {
			req := as.NewDescribeLaunchConfigurationsRequest()
			req.Offset, req.Limit = common.Uint64Ptr(off), common.Uint64Ptr(censusPage)
			resp, err := rc.as.DescribeLaunchConfigurationsWithContext(ctx, req)
			if err != nil {
				return out, fmt.Errorf("census %s: DescribeLaunchConfigurations: %w", region, err)
			}
			for _, l := range resp.Response.LaunchConfigurationSet {
				out.add(KindLaunchConfig, deref(l.LaunchConfigurationId))
			}
			if len(resp.Response.LaunchConfigurationSet) < censusPage {
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
