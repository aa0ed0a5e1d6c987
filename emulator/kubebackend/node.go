package kubebackend

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/tkeops/tkeops/emulator"
)

// TKE's node labels (seeds §4.1), spelled out here rather than taken from
// providers/kubernetes: the emulator stands for TKE and must not share the
// provider's mistakes.
const (
	labelNodePool     = "tke.cloud.tencent.com/nodepool-id"
	labelInstanceID   = "cloud.tencent.com/node-instance-id"
	labelInstanceType = "node.kubernetes.io/instance-type"
	labelZone         = "topology.kubernetes.io/zone"
	labelRegion       = "topology.kubernetes.io/region"
	labelCBSZone      = "topology.com.tencent.cloud.csi.cbs/zone"
	labelHostname     = "kubernetes.io/hostname"
)

// NodeJoined registers the instance's Node as TKE's kubelet does, marks it
// Ready and removes the not-ready taint (the node lifecycle controller's job
// on a real cluster). A node already registered for the same instance is
// left as it is.
func (b *Backend) NodeJoined(ctx context.Context, n emulator.NodeInfo) error {
	c, err := b.cluster(ctx, n.ClusterID)
	if err != nil {
		return err
	}
	nodes := c.client.CoreV1().Nodes()
	want := nodeObject(n)
	created, err := nodes.Create(ctx, want, metav1.CreateOptions{FieldManager: "kubelet"})
	switch {
	case apierrors.IsAlreadyExists(err):
		existing, gerr := nodes.Get(ctx, want.Name, metav1.GetOptions{})
		if gerr != nil {
			return fmt.Errorf("node %s: %w", want.Name, gerr)
		}
		if id := existing.Labels[labelInstanceID]; id != n.InstanceID {
			return fmt.Errorf("node %s already registered for instance %s, not %s", want.Name, id, n.InstanceID)
		}
		return nil
	case err != nil:
		return fmt.Errorf("register node %s (%s): %w", want.Name, n.InstanceID, err)
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := nodes.Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status = want.Status
		cur, err = nodes.UpdateStatus(ctx, cur, metav1.UpdateOptions{FieldManager: "kubelet"})
		if err != nil {
			return err
		}
		// The API server's TaintNodesByCondition admission adds
		// node.kubernetes.io/not-ready at registration; the node lifecycle
		// controller lifts it once the node is Ready.
		var taints []corev1.Taint
		for _, t := range cur.Spec.Taints {
			if t.Key != corev1.TaintNodeNotReady {
				taints = append(taints, t)
			}
		}
		if len(taints) == len(cur.Spec.Taints) {
			return nil
		}
		cur.Spec.Taints = taints
		_, err = nodes.Update(ctx, cur, metav1.UpdateOptions{FieldManager: "node-lifecycle-controller"})
		return err
	})
	if err != nil {
		return fmt.Errorf("node %s (%s) ready: %w", created.Name, n.InstanceID, err)
	}
	b.log.Debug("node joined", "cluster", n.ClusterID, "node", created.Name, "instance", n.InstanceID, "pool", n.NodePoolID)
	return nil
}

// NodeRemoved deletes the instance's Node. A node already gone is fine.
func (b *Backend) NodeRemoved(ctx context.Context, n emulator.NodeInfo) error {
	c, err := b.cluster(ctx, n.ClusterID)
	if err != nil {
		return err
	}
	name := nodeName(n)
	err = c.client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete node %s (%s): %w", name, n.InstanceID, err)
	}
	b.log.Debug("node removed", "cluster", n.ClusterID, "node", name, "instance", n.InstanceID)
	return nil
}

// nodeObject is the Node TKE's kubelet registers for an instance (seeds
// §4.1): the pool's labels and taints with TKE's own labels on top.
func nodeObject(n emulator.NodeInfo) *corev1.Node {
	name := nodeName(n)
	region := regionOf(n.Zone)
	zone := zoneID(n.Zone)
	labels := map[string]string{}
	for k, v := range n.Labels {
		labels[k] = v
	}
	for k, v := range map[string]string{
		labelNodePool:                              n.NodePoolID,
		labelInstanceID:                            n.InstanceID,
		labelInstanceType:                          n.InstanceType,
		"beta.kubernetes.io/instance-type":         n.InstanceType,
		labelZone:                                  zone,
		"failure-domain.beta.kubernetes.io/zone":   zone,
		labelRegion:                                region,
		"failure-domain.beta.kubernetes.io/region": region,
		labelCBSZone:                               n.Zone,
		labelHostname:                              name,
		"kubernetes.io/os":                         "linux",
		"kubernetes.io/arch":                       "amd64",
		"beta.kubernetes.io/os":                    "linux",
		"beta.kubernetes.io/arch":                  "amd64",
	} {
		if v != "" {
			labels[k] = v
		}
	}
	var taints []corev1.Taint
	for _, t := range n.Taints {
		taints = append(taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
	}
	cpu, mem := shape(n.InstanceType)
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(cpu, resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(mem<<30, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(61, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("50Gi"),
	}
	now := metav1.Now()
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: labels,
			Annotations: map[string]string{
				"node.alpha.kubernetes.io/ttl": "0",
			},
		},
		Spec: corev1.NodeSpec{
			ProviderID:    "qcloud:///" + zone + "/" + n.InstanceID,
			Taints:        taints,
			Unschedulable: n.Unschedulable,
		},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now,
			}},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: n.LanIP},
				{Type: corev1.NodeHostName, Address: name},
			},
			NodeInfo: corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64", ContainerRuntimeVersion: "containerd://1.6.9-tke",
				KubeletVersion: n.KubeletVersion, KubeProxyVersion: n.KubeletVersion}, //nolint:staticcheck // SA1019: kubelets of the versions TKE runs still report it
		},
	}
}

// regionShort is TKE's short region name used in node labels ("gz").
func regionShort(region string) (string, bool) {
	switch region {
	case "ap-guangzhou":
		return "gz", true
	case "ap-shanghai":
		return "sh", true
	case "ap-beijing":
		return "bj", true
	case "ap-chengdu":
		return "cd", true
	case "ap-chongqing":
		return "cq", true
	case "ap-nanjing":
		return "nj", true
	case "ap-hongkong":
		return "hk", true
	case "ap-singapore":
		return "sg", true
	}
	return "", false
}

// zonePrefix is the numeric zone ID's region part: ap-guangzhou-2 → 100002.
func zonePrefix(region string) (int, bool) {
	switch region {
	case "ap-guangzhou":
		return 100000, true
	case "ap-shanghai":
		return 200000, true
	case "ap-hongkong":
		return 300000, true
	case "ap-nanjing":
		return 330000, true
	case "ap-beijing":
		return 800000, true
	case "ap-singapore":
		return 900000, true
	case "ap-chengdu":
		return 160000, true
	case "ap-chongqing":
		return 190000, true
	}
	return 0, false
}

func regionOf(zone string) string {
	i := strings.LastIndexByte(zone, '-')
	if i < 0 {
		return zone
	}
	r := zone[:i]
	if s, ok := regionShort(r); ok {
		return s
	}
	return r
}

// zoneID is TKE's numeric zone ID for the topology labels; the zone name
// when the region is not in the table.
func zoneID(zone string) string {
	i := strings.LastIndexByte(zone, '-')
	if i < 0 {
		return zone
	}
	p, ok := zonePrefix(zone[:i])
	n, err := strconv.Atoi(zone[i+1:])
	if !ok || err != nil {
		return zone
	}
	return strconv.Itoa(p + n)
}

var sizeRE = regexp.MustCompile(`^(SMALL|MEDIUM|LARGE|(\d*)XLARGE)(\d+)$`)

// shape reads CPU cores and memory GiB from a CVM instance type such as
// S5.MEDIUM4 (2 cores, 4 GiB) or SA2.2XLARGE16 (8, 16).
func shape(instanceType string) (cpu, memGiB int64) {
	_, size, ok := strings.Cut(instanceType, ".")
	m := sizeRE.FindStringSubmatch(size)
	if !ok || m == nil {
		return 2, 4
	}
	mem, _ := strconv.ParseInt(m[3], 10, 64)
	switch m[1] {
	case "SMALL":
		cpu = 1
	case "MEDIUM":
		cpu = 2
	case "LARGE":
		cpu = 4
	default:
		mult := int64(1)
		if m[2] != "" {
			mult, _ = strconv.ParseInt(m[2], 10, 64)
		}
		cpu = 4 * mult
	}
	return cpu, mem
}

// NodeUpgraded moves a node to the Kubernetes version an in-place upgrade installed,
// as its kubelet reports it after the restart.
func (b *Backend) NodeUpgraded(ctx context.Context, n emulator.NodeInfo) error {
	c, err := b.cluster(ctx, n.ClusterID)
	if err != nil {
		return err
	}
	nodes := c.client.CoreV1().Nodes()
	name := nodeName(n)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := nodes.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status.NodeInfo.KubeletVersion, cur.Status.NodeInfo.KubeProxyVersion = n.KubeletVersion, n.KubeletVersion //nolint:staticcheck // SA1019: see nodeObject
		_, err = nodes.UpdateStatus(ctx, cur, metav1.UpdateOptions{FieldManager: "kubelet"})
		return err
	})
	if err != nil {
		return fmt.Errorf("node %s (%s) upgraded to %s: %w", name, n.InstanceID, n.KubeletVersion, err)
	}
	b.log.Debug("node upgraded", "cluster", n.ClusterID, "node", name, "version", n.KubeletVersion)
	return nil
}

var _ emulator.NodeVersionUpdater = (*Backend)(nil)
