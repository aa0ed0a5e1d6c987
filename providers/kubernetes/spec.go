package kubernetes

import (
	"fmt"
	"time"

	"github.com/tkeops/tkeops/spec"
)

// DefaultDrainTimeout is the per-node drain timeout when the node pool spec
// sets none.
const DefaultDrainTimeout = 10 * time.Minute

// TemplateFor is what a node pool spec declares for its nodes.
func TemplateFor(np *spec.NodePool) NodeTemplate {
	t := NodeTemplate{Labels: map[string]string{}}
	for k, v := range np.Spec.Labels {
		t.Labels[k] = v
	}
	for _, tn := range np.Spec.Taints {
		t.Taints = append(t.Taints, Taint{Key: tn.Key, Value: tn.Value, Effect: tn.Effect})
	}
	return t
}

// AccessFor is how to reach a cluster from its spec: the endpoints it
// enables. preferExtranet is set when tkeops runs outside the cluster's VPC.
func AccessFor(c *spec.Cluster, clusterID string, preferExtranet bool) Access {
	return Access{
		ClusterID:        clusterID,
		IntranetEndpoint: c.Spec.Endpoints.Private != nil,
		ExtranetEndpoint: c.Spec.Endpoints.Public != nil,
		PreferExtranet:   preferExtranet,
	}
}

// DrainOptionsFor reads a node pool's drain settings: timeout (default
// 10m, at most 24h) and whether PodDisruptionBudgets are honoured (default
// yes).
func DrainOptionsFor(d spec.DrainSettings) (DrainOptions, error) {
	opts := DrainOptions{Timeout: DefaultDrainTimeout}
	if d.Timeout != "" {
		t, err := time.ParseDuration(d.Timeout)
		if err != nil || t <= 0 || t > 24*time.Hour {
			return opts, fmt.Errorf("drain timeout %q: want a Go duration between 1s and 24h, e.g. 10m", d.Timeout)
		}
		opts.Timeout = t
	}
	if d.RespectPDBs != nil && !*d.RespectPDBs {
		opts.DisableEviction = true
	}
	return opts, nil
}
