// Package emulator is an in-process double of the parts of the Tencent Cloud API 3.0
// that tkeops uses: VPC 2017-03-12, TKE 2018-05-25, Auto Scaling 2018-04-19 and
// Tag 2018-08-13.
//
// It speaks the wire protocol exactly as the real service does, so the unmodified
// tencentcloud-sdk-go clients work against it when pointed at its endpoint
// (see ClientProfile): one listener for every product (HTTPS too, and an HTTPS proxy for
// <service>.tencentcloudapi.com, with a local CA: see tls.go), routed by the service
// named in the TC3 credential scope or the Host plus X-TC-Action and X-TC-Version; TC3-HMAC-SHA256
// signatures verified against configured key pairs (AuthFailure.SignatureFailure,
// AuthFailure.SignatureExpire beyond ±5 minutes, AuthFailure.SecretIdNotFound,
// AuthFailure.InvalidAuthorization); requests decoded with the SDK's own request types,
// so unknown parameters at any depth get UnknownParameter; responses encoded with the SDK's
// JSON encoder from the SDK's response types with a RequestId; business errors as HTTP
// 200 with the error envelope.
//
// Resources behave like the real ones rather than like a key-value store. Clusters go
// Creating → Running (Upgrading → Running, Deleting → gone), endpoints Creating →
// Created (Deleting → NotFound), node pools creating/updating/deleting → normal (or
// gone), and each pool's auto-scaling group launches or terminates instances until it
// matches its desired capacity; instances show in DescribeClusterInstances as
// initializing, then running. Transitions are computed from timestamps on the
// emulator's clock (Options.Now), before every request and every 100 ms, so tests with
// a fake clock step them deterministically and a zero Timing makes them instant.
//
// The consistency rules and error codes follow the API digest (research/tencent-api.md
// §3, §4, §8.1): subnet CIDRs inside their VPC and not overlapping; cluster CIDRs not
// overlapping the VPC or other clusters of the VPC; ResourceInUse for a VPC with subnets
// or clusters, a subnet used by nodes, node pools, ENI subnets or endpoints, a security
// group referenced by rules, launch configurations or endpoints; deletion protection;
// MinSize ≤ DesiredCapacity ≤ MaxSize (InvalidParameterValue.Size); quotas (Quotas);
// per-action, per-region, per-SecretId token buckets answering RequestLimitExceeded
// (DefaultRateLimits); and the not-found code each action really uses (DescribeClusters
// returns an empty list, DescribeClusterInstances says InvalidParameter.ClusterNotFound
// once the cluster is gone and lists no instances while it is still being created, and
// so on). Error codes are those the SDK documents for each action; the contract tests
// check every response against the SDK's models (docs/emulator.md says what the emulator
// relied on and where it had to choose).
//
// Choices where the real behaviour is not documented:
//   - ModifySecurityGroupPolicies replaces a direction given in the request (even as [])
//     and leaves an absent (null) direction unchanged; Version "0" clears both. A Version
//     other than "0" must be the current version or the next one (terraform sends
//     current+1). Create/Replace/DeleteSecurityGroupPolicies accept only the current one.
//   - DeleteClusterNodePool on a pool with deletion protection answers
//     FailedOperation.CvmDeletionProtection; on a missing pool InternalError.Param with
//     "Not Found" in the message, as observed by terraform.
//   - Removing an instance with DeleteClusterInstances lowers its group's desired
//     capacity; below the minimum it is reported in FailedInstanceIds.
//   - The Tag API names node pools qcs::tke:<region>:uin/<uin>:nodepool/<np-id>.
//   - AS and Tag actions default to 20 requests/s (not in the digest).
//   - Only the POST + JSON form of API 3.0 is served; GET requests get
//     UnsupportedProtocol.
//
// Each part of the API is a module (module.go), declared in the file of the resource
// type it serves: its actions, the per-region tables of records it keeps (persisted by
// name), the resource types it names to the Tag service, and its asynchronous
// transitions. products.go lists the modules, one line each; adding a resource type is
// one file plus that line.
//
// All configured key pairs are sub-accounts of one account: they see the same resources,
// while rate limits count per SecretId and region.
//
// Faults can be injected per action (SetFault), state can be persisted to a file with
// atomic writes (Options.StateFile), and calls are counted per action for benchmarks
// (Calls, and GET /_emulator/stats; GET /_emulator/healthz answers when serving).
// A ClusterBackend can put a real Kubernetes API server behind emulated clusters: it
// serves DescribeClusterKubeconfig and hears about nodes joining and leaving.
package emulator
