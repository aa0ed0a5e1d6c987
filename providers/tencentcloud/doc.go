// Package tencentcloud implements providers.Client for Tencent Cloud: VPCs, subnets,
// security groups (with their rules), TKE managed clusters (with their API server
// endpoints) and TKE node pools, through the official tencentcloud-sdk-go.
//
// # Kinds
//
// Each kind is one typed client in its own file (vpc.go, subnet.go, securitygroup.go,
// cluster.go, nodepool.go) registered by one line in kinds (kind.go), the pattern of
// crossplane-runtime's typed external clients: a generic wrapper does the type
// assertion once, and Client's methods find the kind's client there. Each kind's
// file also holds its mutability table (Rules, RuleFor, Decide): for every field,
// whether a change is made in place, for new nodes only, by replacement, or not at
// all, and the API action that makes it. Update routes every change to the call its
// rule names, so the table and the calls cannot drift apart.
//
// # Ownership without a state file
//
// Every resource the package creates carries the tags providers.TagOwner,
// providers.TagName and providers.TagDeletionPolicy, sent in the create call itself.
// Observation lists resources by the owner tag, so a crash between a create call and
// anything after it never leads to a duplicate: Create looks the resource up by its
// tags first. Resources without this instance's owner tag are never reported as
// Owned and Delete refuses them. Existing resources are adopted only through explicit
// IDs (spec.Ref{ID}); (*Client).ObserveIDs reads them.
//
// # Batched reads
//
// Observe spends list calls, not describe calls per resource: one paged
// DescribeVpcs/DescribeSubnets/DescribeSecurityGroups/DescribeClusters with the owner
// tag filter (100 per page) covers every stack of an instance; node pools cost one
// DescribeClusterNodePools per cluster (the API has no paging or cross-cluster list)
// plus AS DescribeAutoScalingGroups/DescribeLaunchConfigurations by 100 IDs a page;
// API server endpoints cost one DescribeClusterEndpoints per wanted cluster, declared
// or not (an endpoint left open after its block left the spec must show); security-group rules cost one DescribeSecurityGroupPolicies per group
// (the API reads one group per call). Every field a spec declares is read from the
// cloud itself, never from a tag tkeops wrote.
//
// # Live state
//
// Observation.Live is a spec-shaped resource whose references hold IDs
// (spec.Ref{ID: "vpc-…"}), normalised so that a freshly created resource compares
// equal to its defaulted spec: CIDRs in canonical form; tags without tkeops' own;
// security-group rules by content (upper-case protocol and action, ALL for port-less
// protocols, references as IDs). Lists keep the order the cloud returns, which for
// every list we send is the order we sent; the diff package compares the lists whose
// order carries no meaning (dnsServers, sshKeyIDs, taints, kubeletExtraArgs,
// eniSubnetRefs) as sets. Fields that exist only in tkeops (Cluster spec.baseline,
// NodePool spec.drain and spec.instanceDeletionPolicy) have no cloud state and are
// copied from the wanted resource.
//
// Creating a cluster does not open its endpoints (the API needs a Running cluster):
// they follow as an Update at spec.endpoints.private / spec.endpoints.public once
// the cluster has settled.
//
// # Observation facts
//
// Besides Live, observations carry what the engine reads and the spec does not
// model: DeletionProtection (clusters, node pools), DuplicateOf (an owned resource
// with the same name tag as the one observed for its address, left over from an
// interrupted create), Created, ParentID (a node pool's cluster), Nodes (a cluster's
// node count; a pool's total, ready and desired nodes) and Endpoints (a cluster's
// endpoint statuses and addresses, when they were read).
//
// # The apply lock and the owner's regions
//
// Connector.Lock takes the owner's apply lock in the account's Tag service (lock.go
// says how), so concurrent applies of one owner never interleave without a state
// file. Connector.OwnedRegions lists the regions where the owner has resources, from
// tag:GetResources over the owner tag, so regions without specs are observed too.
// Within a full plan's pass the same read tells which kinds the owner has where, so
// a network kind nothing declares in a region is listed there only when the owner
// has some of it (ownedkinds.go).
//
// # Calls
//
// Every call goes through a per-action token bucket (defaults below the server limits
// of the API digest §5.1), a per-attempt timeout, the SDK's own RequestLimitExceeded
// retry, and bounded, jittered retries of throttling and transient errors. Creates are
// never retried after a transport failure, because no create call we use is idempotent;
// the caller observes (by tag) instead. Secrets never appear in errors or logs.
package tencentcloud
