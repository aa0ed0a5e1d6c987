package providers

import "context"

// Node upgrades (issue 16): the cloud side upgrades a cluster's nodes
// (NodeUpgrader, on the Tencent Cloud client); the in-cluster side reads the nodes'
// versions and readiness and cordons and releases them around a batch (UpgradeNodes,
// on the in-cluster access). The engine runs the procedure (reconcile/upgrade.go).

// ActionUpgradeNodes is the API action of a step that upgrades a cluster's nodes.
const ActionUpgradeNodes = "tke:UpgradeClusterInstances"

// ActionRestartCoreDNS is the API action of the step that restarts CoreDNS after
// an upgrade across Kubernetes 1.25/1.26.
const ActionRestartCoreDNS = "k8s:RolloutRestart"

// NodeUpgrader upgrades a cluster's nodes to its control plane's version.
type NodeUpgrader interface {
	// NextVersions lists the versions the cluster's control plane can be upgraded to
	// now, oldest first.
	NextVersions(ctx context.Context, clusterID string) ([]string, error)
	// UpgradableNodes lists the cluster's nodes that lag its control plane: instance
	// ID → the version they run.
	UpgradableNodes(ctx context.Context, clusterID string) (map[string]string, error)
	// UpgradeNodes starts one task that upgrades the instances, in place or by
	// reinstalling them (spec.UpgradeInPlace, spec.UpgradeReinstall). It does not wait.
	UpgradeNodes(ctx context.Context, clusterID string, instanceIDs []string, mode string) error
	// UpgradeProgress reads the cluster's latest upgrade task; Exists is false when
	// it has none.
	UpgradeProgress(ctx context.Context, clusterID string) (UpgradeProgress, error)
}

// UpgradeProgress is a node upgrade task as the cloud reports it.
type UpgradeProgress struct {
	Exists bool
	// State is the task's life state (pending, process, paused, done, aborted, timeout).
	State string
	// Running is true while the task may still move nodes (pending, process, paused,
	// pausing).
	Running bool
	// Instances maps each instance of the task to its state.
	Instances map[string]string
}

// NodeState is one Kubernetes node as an upgrade sees it.
type NodeState struct {
	Name, InstanceID string
	// Version is the kubelet's version, as the node reports it ("v1.30.0").
	Version       string
	Ready         bool
	Unschedulable bool
	// Upgrading is the version an upgrade cordoned the node for ("" when none did).
	Upgrading string
}

// UpgradeNodes is the in-cluster side of node upgrades.
type UpgradeNodes interface {
	// PoolNodeStates lists the nodes of a pool.
	PoolNodeStates(ctx context.Context, cluster, pool Observation) ([]NodeState, error)
	// MarkUpgrading records on a node that an upgrade to version cordons it, so a run
	// that resumes a killed one knows whose cordon it is.
	MarkUpgrading(ctx context.Context, cluster Observation, node, version string) error
	// ReleaseUpgraded uncordons a node an upgrade cordoned and drops the record.
	ReleaseUpgraded(ctx context.Context, cluster Observation, node string) error
	// RestartDeployment restarts a deployment's pods (kubectl rollout restart).
	RestartDeployment(ctx context.Context, cluster Observation, namespace, name string) error
	// DeploymentVersions lists the image tags of the deployments of that name, in any
	// namespace (namespace/name → tag), for add-on compatibility checks.
	DeploymentVersions(ctx context.Context, cluster Observation, name string) (map[string]string, error)
}
