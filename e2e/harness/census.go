package harness

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// Kinds the census counts beyond the spec kinds: the Auto Scaling objects behind
// every node pool, which a half-done pool create could leave behind.
const (
	KindScalingGroup = "AutoScalingGroup"
	KindLaunchConfig = "LaunchConfiguration"
)

// Census is what the emulator holds, read through the provider: every object, tagged or
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

// censusPage is the page size of the census' Auto Scaling list calls.
const censusPage = 100

// TakeCensus counts every object of every spec kind, and every scaling group and
// launch configuration, in the regions. Spec kinds are read through the provider's
// Inventory, so a new kind is counted with nothing added here: an object counts in
// the region that manages it, and one the cloud made with its parent (a VPC's
// default route table) only once it is adopted.
func (c Cloud) TakeCensus(ctx context.Context, regions []string) (Census, error) {
	out := Census{Count: map[string]int{}, Names: map[string]map[string]int{}}
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{
		SecretID: c.SecretID, SecretKey: tencentcloud.Secret(c.SecretKey),
		Endpoint: c.Endpoint, Scheme: "HTTP",
		Owner: "census", // reads only: Inventory lists every owner's objects
		// The census shares the emulator's rate limits with whatever else runs.
		RateMargin: 0.25,
	})
	if err != nil {
		return out, fmt.Errorf("census: %w", err)
	}
	cred := common.NewCredential(c.SecretID, c.SecretKey)
	for _, region := range regions {
		client, err := conn.ConnectRegion(region)
		if err != nil {
			return out, fmt.Errorf("census: %w", err)
		}
		for _, kind := range spec.Kinds() {
			obs, err := client.Inventory(ctx, kind)
			if err != nil {
				return out, fmt.Errorf("census %s %s: %w", region, kind, err)
			}
			for _, o := range obs {
				if o.Implicit && o.Addr.Name == "" {
					continue // the cloud's own, not adopted
				}
				name := ""
				if o.Addr.Name != "" {
					name = o.Addr.String()
				}
				out.add(string(kind), name)
			}
		}
		asc, err := as.NewClient(cred, region, c.profile())
		if err != nil {
			return out, fmt.Errorf("census: as client: %w", err)
		}
		for off := uint64(0); ; off += censusPage {
			req := as.NewDescribeAutoScalingGroupsRequest()
			req.Offset, req.Limit = common.Uint64Ptr(off), common.Uint64Ptr(censusPage)
			resp, err := asc.DescribeAutoScalingGroupsWithContext(ctx, req)
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
			resp, err := asc.DescribeLaunchConfigurationsWithContext(ctx, req)
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

// ErrorText flattens problems for a test failure.
func ErrorText(problems []string) string { return strings.Join(problems, "\n  ") }
