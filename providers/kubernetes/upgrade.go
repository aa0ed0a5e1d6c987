package kubernetes

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"

	"github.com/tkeops/tkeops/providers"
)

// The in-cluster side of node upgrades (providers.UpgradeNodes).

// AnnotationUpgrading marks a node an upgrade cordoned, with the version it is
// upgraded to: a run that resumes a killed one releases exactly those nodes.
const AnnotationUpgrading = "tkeops.io/upgrading"

var _ providers.UpgradeNodes = (*InCluster)(nil)

// PoolNodeStates implements providers.UpgradeNodes.
func (n *InCluster) PoolNodeStates(ctx context.Context, cl, pool providers.Observation) ([]providers.NodeState, error) {
	c, err := n.open(ctx, cl)
	if err != nil {
		return nil, err
	}
	nodes, err := c.PoolNodes(ctx, pool.ID)
	if err != nil {
		return nil, n.forget(cl.ID, err)
	}
	out := make([]providers.NodeState, 0, len(nodes))
	for i := range nodes {
		nd := &nodes[i]
		out = append(out, providers.NodeState{
			Name: nd.Name, InstanceID: nd.Labels[LabelInstanceID], Version: nd.Status.NodeInfo.KubeletVersion,
			Ready: NodeReady(nd), Unschedulable: nd.Spec.Unschedulable, Upgrading: nd.Annotations[AnnotationUpgrading],
		})
	}
	return out, nil
}

// MarkUpgrading implements providers.UpgradeNodes.
func (n *InCluster) MarkUpgrading(ctx context.Context, cl providers.Observation, node, version string) error {
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	return n.forget(cl.ID, c.setUpgrading(ctx, node, version))
}

// ReleaseUpgraded implements providers.UpgradeNodes.
func (n *InCluster) ReleaseUpgraded(ctx context.Context, cl providers.Observation, node string) error {
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	if err := c.setUpgrading(ctx, node, ""); err != nil {
		if apierrors.IsNotFound(err) {
			// Reinstalled: the node left the cluster with its record and joins
			// again without it, schedulable.
			return nil
		}
		return n.forget(cl.ID, err)
	}
	return n.forget(cl.ID, c.Uncordon(ctx, node))
}

// setUpgrading writes (version "" removes) a node's upgrade record; writing it also
// cordons the node.
func (c *Cluster) setUpgrading(ctx context.Context, node, version string) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		nd, err := c.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if nd.Annotations == nil {
			nd.Annotations = map[string]string{}
		}
		if version == "" {
			delete(nd.Annotations, AnnotationUpgrading)
		} else {
			nd.Annotations[AnnotationUpgrading] = version
			nd.Spec.Unschedulable = true
		}
		_, err = c.client.CoreV1().Nodes().Update(ctx, nd, metav1.UpdateOptions{FieldManager: FieldManager})
		return err
	})
	if err != nil {
		return fmt.Errorf("node %s: upgrade record: %w", node, err)
	}
	return nil
}

// RestartDeployment implements providers.UpgradeNodes: the pod template's
// kubectl.kubernetes.io/restartedAt annotation changes, as kubectl rollout restart does.
func (n *InCluster) RestartDeployment(ctx context.Context, cl providers.Observation, namespace, name string) error {
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":%q}}}}}`, time.Now().UTC().Format(time.RFC3339))
	_, err = c.client.AppsV1().Deployments(namespace).Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return n.forget(cl.ID, fmt.Errorf("restart deployment %s/%s: %w", namespace, name, err))
	}
	return nil
}

// DeploymentVersions implements providers.UpgradeNodes.
func (n *InCluster) DeploymentVersions(ctx context.Context, cl providers.Observation, name string) (map[string]string, error) {
	c, err := n.open(ctx, cl)
	if err != nil {
		return nil, err
	}
	list, err := c.client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		return nil, n.forget(cl.ID, fmt.Errorf("list deployments %s: %w", name, err))
	}
	out := map[string]string{}
	for _, d := range list.Items {
		for _, ct := range d.Spec.Template.Spec.Containers {
			if i := strings.LastIndex(ct.Image, ":"); i >= 0 && !strings.Contains(ct.Image[i:], "/") {
				out[d.Namespace+"/"+d.Name] = ct.Image[i+1:]
				break
			}
		}
	}
	return out, nil
}
