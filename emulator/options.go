package emulator

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Options configure an Emulator. The zero value is a usable in-memory emulator with
// instant transitions, default rate limits and default quotas, but it accepts no
// credentials: pass at least one key pair.
type Options struct {
	// Credentials maps SecretId to SecretKey. Requests signed with any other SecretId get
	// AuthFailure.SecretIdNotFound. The command fills it from TENCENTCLOUD_SECRET_ID/KEY
	// when no pair is given; the package never reads the environment.
	Credentials map[string]string
	// Timing sets how long asynchronous transitions take; the zero Timing is instant.
	Timing Timing
	// RateLimits overrides per-action limits in requests per second, keyed
	// "service.Action" (e.g. "tke.DescribeClusters") or "service.*". Entries not given
	// keep the defaults of DefaultRateLimits.
	RateLimits map[string]int
	// DisableRateLimits switches rate limiting off entirely.
	DisableRateLimits bool
	// Quotas; zero fields take the defaults of DefaultQuotas.
	Quotas Quotas
	// StateFile, when set, is loaded at start (if it exists) and rewritten atomically
	// (temp file + rename) after every change. "" keeps state in memory only.
	StateFile string
	// Backend optionally puts a real Kubernetes API server behind emulated clusters.
	Backend ClusterBackend
	// Logger receives request and lifecycle logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests pass a controllable clock to step
	// asynchronous transitions deterministically.
	Now func() time.Time
	// TLS, when set, makes the listener serve HTTPS too, with certificates this CA issues
	// (see LoadOrCreateCA), and answer CONNECT for <service>.tencentcloudapi.com as an
	// HTTPS proxy. Plain HTTP keeps working on the same port.
	TLS *CA
	// Trace, when set, is called after every call routed to an action, with the error
	// code it answered or the response body it sent (for debugging and contract tests).
	Trace func(Exchange)
	// UIN is the account number used in tag resource names (qcs::vpc:<region>:uin/<UIN>:...).
	// "" leaves it empty, as terraform does when building names.
	UIN string
	// Roles are the CAM roles of the account ("qcs::cam::uin/<UIN>:roleName/<name>")
	// that STS may issue temporary keys for.
	Roles []string
	// Accounts are further accounts, each with its own resources and key pairs; a
	// request is served in the account of the key that signed it.
	Accounts []Account
	// InstanceRole is the role (an ARN of Roles or of an Account's Roles) bound to the
	// emulated CVM that asks the metadata service (metadata.go); "" binds none.
	InstanceRole string
}

// Timing is how long each asynchronous transition takes. Zero durations are instant:
// the next request after the call sees the final state.
type Timing struct {
	ClusterCreate  time.Duration // ClusterStatus Creating → Running
	ClusterDelete  time.Duration // Deleting → gone
	ClusterUpgrade time.Duration // Upgrading → Running (UpdateClusterVersion)
	EndpointCreate time.Duration // endpoint Creating → Created
	EndpointDelete time.Duration // endpoint Deleting → NotFound
	NodePoolCreate time.Duration // LifeState creating → normal
	NodePoolUpdate time.Duration // LifeState updating → normal
	NodePoolDelete time.Duration // LifeState deleting → gone
	NodeJoin       time.Duration // instance initializing → running
	TagsUpdate     time.Duration // DescribeBatchModifyTagsStatus running → done
	NatCreate      time.Duration // NAT gateway State PENDING → AVAILABLE
	NatDelete      time.Duration // NAT gateway DELETING → gone
	Addon          time.Duration // add-on Installing, Upgrading, Terminating → settled
	NodeUpgrade    time.Duration // one node of an UpgradeClusterInstances task
}

// InstantTiming is the timing for unit tests: every transition completes before the next request.
func InstantTiming() Timing { return Timing{} }

// DemoTiming makes every transition take a few seconds, so a demo shows each state.
func DemoTiming() Timing {
	return Timing{
		ClusterCreate: 8 * time.Second, ClusterDelete: 4 * time.Second, ClusterUpgrade: 6 * time.Second,
		EndpointCreate: 3 * time.Second, EndpointDelete: 2 * time.Second,
		NodePoolCreate: 4 * time.Second, NodePoolUpdate: 2 * time.Second, NodePoolDelete: 3 * time.Second,
		NodeJoin: 5 * time.Second, TagsUpdate: 2 * time.Second, NatCreate: 3 * time.Second, NatDelete: 2 * time.Second,
		Addon: 3 * time.Second, NodeUpgrade: 3 * time.Second,
	}
}

// SlowTiming approximates the real service: minutes for clusters and nodes.
func SlowTiming() Timing {
	return Timing{
		ClusterCreate: 6 * time.Minute, ClusterDelete: 2 * time.Minute, ClusterUpgrade: 8 * time.Minute,
		EndpointCreate: time.Minute, EndpointDelete: 30 * time.Second,
		NodePoolCreate: time.Minute, NodePoolUpdate: 20 * time.Second, NodePoolDelete: time.Minute,
		NodeJoin: 3 * time.Minute, TagsUpdate: 10 * time.Second, NatCreate: time.Minute, NatDelete: 30 * time.Second,
		Addon: 2 * time.Minute, NodeUpgrade: 4 * time.Minute,
	}
}

// ParseTiming reads "instant", "demo", "slow", or a comma-separated list of
// name=duration overriding the instant timing, for example
// "cluster=30s,nodepool=10s,node=20s,endpoint=5s". Names: cluster (create),
// cluster-delete, upgrade, endpoint, endpoint-delete, nodepool (create),
// nodepool-update, nodepool-delete, node, tags, nat (create), nat-delete, addon,
// node-upgrade; "all" sets every duration.
func ParseTiming(s string) (Timing, error) {
	switch strings.TrimSpace(s) {
	case "", "instant":
		return InstantTiming(), nil
	case "demo":
		return DemoTiming(), nil
	case "slow":
		return SlowTiming(), nil
	}
	var t Timing
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return t, fmt.Errorf("timing %q: want instant, demo, slow or name=duration[,…]", s)
		}
		d, err := time.ParseDuration(val)
		if err != nil || d < 0 {
			return t, fmt.Errorf("timing %q: bad duration for %s: %q", s, name, val)
		}
		fields := map[string]*time.Duration{
			"cluster": &t.ClusterCreate, "cluster-delete": &t.ClusterDelete, "upgrade": &t.ClusterUpgrade,
			"endpoint": &t.EndpointCreate, "endpoint-delete": &t.EndpointDelete,
			"nodepool": &t.NodePoolCreate, "nodepool-update": &t.NodePoolUpdate, "nodepool-delete": &t.NodePoolDelete,
			"node": &t.NodeJoin, "tags": &t.TagsUpdate, "nat": &t.NatCreate, "nat-delete": &t.NatDelete,
			"addon": &t.Addon, "node-upgrade": &t.NodeUpgrade,
		}
		if name == "all" {
			for _, p := range fields {
				*p = d
			}
			continue
		}
		p, ok := fields[name]
		if !ok {
			return t, fmt.Errorf("timing %q: unknown transition %q", s, name)
		}
		*p = d
	}
	return t, nil
}

// Quotas are per-account limits; zero fields take the defaults of DefaultQuotas.
type Quotas struct {
	VpcsPerRegion            int // CreateVpc → LimitExceeded
	SubnetsPerVpc            int // CreateSubnet → LimitExceeded
	SecurityGroupsPerRegion  int // CreateSecurityGroup → LimitExceeded
	PoliciesPerSecurityGroup int // rules per direction → LimitExceeded.SecurityGroupPolicySet
	ClustersPerRegion        int // CreateCluster → FailedOperation.QuotaMaxClsLimit
	NodePoolsPerCluster      int // CreateClusterNodePool → LimitExceeded
	NodesPerCluster          int // desired capacity over all pools → FailedOperation.QuotaMaxNodLimit
}

// DefaultQuotas are the commonly cited defaults (digest §5.2); real accounts differ.
func DefaultQuotas() Quotas {
	return Quotas{
		VpcsPerRegion: 20, SubnetsPerVpc: 100, SecurityGroupsPerRegion: 50, PoliciesPerSecurityGroup: 100,
		ClustersPerRegion: 20, NodePoolsPerCluster: 20, NodesPerCluster: 500,
	}
}

func (q Quotas) withDefaults() Quotas {
	d := DefaultQuotas()
	pick := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return Quotas{
		VpcsPerRegion:            pick(q.VpcsPerRegion, d.VpcsPerRegion),
		SubnetsPerVpc:            pick(q.SubnetsPerVpc, d.SubnetsPerVpc),
		SecurityGroupsPerRegion:  pick(q.SecurityGroupsPerRegion, d.SecurityGroupsPerRegion),
		PoliciesPerSecurityGroup: pick(q.PoliciesPerSecurityGroup, d.PoliciesPerSecurityGroup),
		ClustersPerRegion:        pick(q.ClustersPerRegion, d.ClustersPerRegion),
		NodePoolsPerCluster:      pick(q.NodePoolsPerCluster, d.NodePoolsPerCluster),
		NodesPerCluster:          pick(q.NodesPerCluster, d.NodesPerCluster),
	}
}

// Fault makes an action misbehave, for reliability tests.
type Fault struct {
	// ErrorRate is the probability (0..1) that a call is answered with ErrorCode.
	ErrorRate float64
	// ErrorCode defaults to InternalError. "RequestLimitExceeded" simulates throttling
	// (and triggers the SDK's own retry).
	ErrorCode string
	// Latency is added before the call is handled.
	Latency time.Duration
	// Seed makes the error draws reproducible.
	Seed int64
	// Times, when positive, limits the injected errors to the first Times draws that fail.
	Times int
}

// NodeInfo describes an emulated node for a ClusterBackend.
type NodeInfo struct {
	ClusterID, NodePoolID, InstanceID, Zone, InstanceType, LanIP string
	Labels                                                       map[string]string
	Taints                                                       []Taint
	Unschedulable                                                bool
	// NodeName is the Kubernetes node name: the LAN IP, or the instance ID when the
	// cluster's NodeNameType is "hostname".
	NodeName string
	// KubeletVersion is the Kubernetes version the node runs, e.g. "v1.30.0".
	KubeletVersion string
}

// Taint is a Kubernetes node taint.
type Taint struct{ Key, Value, Effect string }

// ClusterBackend lets a real Kubernetes API server stand behind emulated clusters.
// The emulator calls it outside its own lock, after the state change is committed.
type ClusterBackend interface {
	// Kubeconfig is served by DescribeClusterKubeconfig.
	Kubeconfig(ctx context.Context, clusterID string, extranet bool) (string, error)
	// NodeJoined is called when an instance becomes running.
	NodeJoined(ctx context.Context, n NodeInfo) error
	// NodeRemoved is called when a running instance is removed.
	NodeRemoved(ctx context.Context, n NodeInfo) error
}

// NodeVersionUpdater is optionally implemented by a ClusterBackend that wants to hear
// when an in-place upgrade (UpgradeClusterInstances of type major or hot) moved a
// running node to another Kubernetes version. A reinstall (reset) is a NodeRemoved and
// a NodeJoined instead.
type NodeVersionUpdater interface {
	NodeUpgraded(ctx context.Context, n NodeInfo) error
}

// NodeUpdater is optionally implemented by a ClusterBackend that wants to hear when
// ModifyClusterNodePool changes the labels, taints or schedulability of a pool's running
// nodes (unless the request sets IgnoreExistedNode).
type NodeUpdater interface {
	NodeUpdated(ctx context.Context, n NodeInfo) error
}

// Exchange is one call an action answered, as Options.Trace sees it.
type Exchange struct {
	Service, Version, Action string
	// Key is the action's key (ActionInfo.Key).
	Key string
	// Code is the error code answered, "" on success.
	Code string
	// Response is the response body of a success.
	Response []byte
}

// Account is one more emulated account: its UIN, the key pairs of its users, and its
// CAM roles.
type Account struct {
	UIN         string
	Credentials map[string]string
	Roles       []string
}
