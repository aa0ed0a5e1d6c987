// Package tencentcloud implements providers.Client for Tencent Cloud: VPCs, subnets,
// security groups (with their rules), TKE managed clusters (with their API server
// endpoints) and TKE node pools, through the official tencentcloud-sdk-go.
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
// API server endpoints cost one DescribeClusterEndpoints per cluster that declares
// endpoints. Security-group rules are verified through a content hash kept in the
// tkeops.io/rules-hash tag (see securitygroup.go for the trade-off); policies are read
// only when the hash differs, for adopted groups, or on a deep refresh.
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
// # Observation.Extra keys
//
//	status              every kind: raw lifecycle state ("Running", "normal", "AVAILABLE")
//	createdTime         every kind: creation time as the API reports it
//	availableIPs        Subnet: free IP addresses
//	duplicateOf         owned resource carrying the same name tag as the one observed for
//	                    its address (left over from an interrupted create); value is that ID
//	rulesHash           SecurityGroup: hash of the live rules tag; "rulesVerified" says
//	                    whether the rules were read ("true") or trusted from the hash ("false")
//	rulesVerified       SecurityGroup: see rulesHash
//	deletionProtection  Cluster: "true" / "false"
//	masterVersion       Cluster: control-plane Kubernetes version
//	nodeCount           Cluster: ClusterNodeNum; NodePool: nodes in the pool (AutoscalingAdded.Total + ManuallyAdded.Total)
//	networkType         Cluster: GR or VPC-CNI as the API spells it
//	privateEndpoint     Cluster: intranet API server address (when endpoints are observed)
//	publicEndpoint      Cluster: internet API server address (when endpoints are observed)
//	privateEndpointStatus, publicEndpointStatus
//	                    Cluster: Created, Creating, NotFound, … (when endpoints are observed)
//	asgID               NodePool: auto-scaling group ID (asg-…)
//	ascID               NodePool: launch configuration ID (asc-…)
//	clusterID           NodePool: cluster the pool belongs to
//	autoscalingGroupStatus NodePool: enabled, disabled, enabling, disabling
//	readyNodes          NodePool: nodes in state normal
//	desiredNodes        NodePool: DesiredNodesNum
//
// # Calls
//
// Every call goes through a per-action token bucket (defaults below the server limits
// of the API digest §5.1), a per-attempt timeout, the SDK's own RequestLimitExceeded
// retry, and bounded, jittered retries of throttling and transient errors. Creates are
// never retried after a transport failure, because no create call we use is idempotent;
// the caller observes (by tag) instead. Secrets never appear in errors or logs.
package tencentcloud
