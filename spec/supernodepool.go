package spec

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	yamlv3 "gopkg.in/yaml.v3"
)

// KindSuperNodePool is a TKE super node pool (超级节点池): virtual nodes whose Pods
// each run in a lightweight VM of their own.
const KindSuperNodePool Kind = "SuperNodePool"

// SuperNodePool is a pool of super nodes, one per subnet. Pods land there by the
// node selector node.kubernetes.io/instance-type: eklet (tolerating the taint
// eks.tke.cloud.tencent.com/eklet) or the annotation
// tke.cloud.tencent.com/pod-type: eklet. Super nodes run no DaemonSets, no Pods of
// kube-system, nothing on ports 61000–65534 and only nfs, CephFS, hostPath and CBS
// volumes: the cluster's baseline manifests that target them are checked for it.
type SuperNodePool struct {
	Object `json:",inline"`
	Spec   SuperNodePoolSpec `json:"spec"`
}

// SuperNodePoolSpec is the desired state of a SuperNodePool.
type SuperNodePoolSpec struct {
	// ClusterRef is the cluster the pool belongs to. Fixed at creation.
	ClusterRef Ref `json:"clusterRef"`
	// SubnetRefs: one super node per subnet; Pods take their IPs from it. Fixed at
	// creation (the API changes no subnets of a pool).
	SubnetRefs []Ref `json:"subnetRefs"`
	// SecurityGroupRefs bound to the Pods of the pool.
	SecurityGroupRefs []Ref `json:"securityGroupRefs,omitempty" tkeops:"absent=keep"`
	// Labels put on the pool's super nodes.
	Labels map[string]string `json:"labels,omitempty" tkeops:"absent=clear"`
	// Taints put on the pool's super nodes.
	Taints []Taint `json:"taints,omitempty" tkeops:"set,absent=clear"`
	// DeletionProtection makes the cloud refuse to delete the pool (default off).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the pool in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Refs implements Resource.
func (p *SuperNodePool) Refs() []RefField {
	return poolRefs(&p.Spec.ClusterRef, p.Spec.SubnetRefs, p.Spec.SecurityGroupRefs)
}

// GetDeletionPolicy implements Resource.
func (p *SuperNodePool) GetDeletionPolicy() DeletionPolicy { return p.Spec.DeletionPolicy }

// GetTags implements Resource.
func (p *SuperNodePool) GetTags() map[string]string { return p.Spec.Tags }

func superNodePoolKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindSuperNodePool, IDPrefix: "np", Parent: "spec.clusterRef", Timeout: 15 * time.Minute},
		func(r *SuperNodePool) {
			setDefaultPtr(&r.Spec.DeletionProtection, false)
			setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
		},
		(*validator).superNodePool,
		func(r *SuperNodePool, s *Set) string { return poolRegion(s, r.Spec.ClusterRef, r.Spec.SubnetRefs) })
	info.validateSet = (*validator).superNodeWorkloads
	return info
}

func (v *validator) superNodePool(r *SuperNodePool) {
	s := &r.Spec
	if len(s.SubnetRefs) == 0 {
		v.errorf(r, "spec.subnetRefs", "at least one subnet is needed (one super node per subnet)")
	}
	v.duplicateRefs(r, "spec.subnetRefs", s.SubnetRefs)
	v.duplicateRefs(r, "spec.securityGroupRefs", s.SecurityGroupRefs)
	v.labelsAndTaints(r, s.Labels, s.Taints)
	v.placement(r, s.ClusterRef, s.SubnetRefs, s.SecurityGroupRefs)
	if c := lookup[*Cluster](v.set, KindCluster, s.ClusterRef); c != nil {
		if m, ok := minorVersion(c.Spec.Version); ok && m < superNodeMinMinor {
			v.errorf(r, "spec.clusterRef", "cluster %q runs Kubernetes %s; super nodes need 1.%d or later", c.Metadata.Name, c.Spec.Version, superNodeMinMinor)
		}
	}
}

// superNodeMinMinor is the first Kubernetes minor super nodes run on (seeds §1.2).
const superNodeMinMinor = 18

// Super-node limits (seeds §2.8).
const (
	superNodePortLow, superNodePortHigh = 61000, 65534
	superNodeInstanceType               = "eklet"
)

// superNodeVolumes are the volume types a Pod on a super node may use: the PV types
// super nodes support (nfs, CephFS, hostPath, CBS through its CSI driver) and those
// that are no storage at all.
var superNodeVolumes = []string{"nfs", "cephfs", "hostPath", "persistentVolumeClaim", "configMap", "secret",
	"emptyDir", "projected", "downwardAPI", "csi"}

// superNodeWorkloads checks the baseline manifests of every cluster with a super
// node pool: a workload that targets super nodes must be one they can run.
func (v *validator) superNodeWorkloads() {
	done := map[Addr]bool{}
	for _, res := range v.set.ByKind(KindSuperNodePool) {
		p := res.(*SuperNodePool)
		c := lookup[*Cluster](v.set, KindCluster, p.Spec.ClusterRef)
		if c == nil || c.Spec.Baseline == nil || done[c.GetAddr()] || v.fsys == nil {
			continue
		}
		done[c.GetAddr()] = true
		dir := path.Join(path.Dir(c.fsFile), c.Spec.Baseline.Path)
		_ = fs.WalkDir(v.fsys, dir, func(file string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(file, ".yaml") || strings.HasSuffix(file, ".yml")) {
				return nil //nolint:nilerr // this check only looks; reading the baseline fails loudly when the cluster is planned (reconcile/baseline.go)
			}
			b, err := fs.ReadFile(v.fsys, file)
			if err != nil {
				return nil //nolint:nilerr // see above
			}
			for _, f := range superNodeFindings(b) {
				v.diags = append(v.diags, Diagnostic{Severity: SeverityError, Pos: Pos{File: file, Line: f.line}, Addr: p.GetAddr(),
					Summary: f.what + ": super nodes cannot run it",
					Detail:  "super node pool " + p.Metadata.Name + " of cluster " + c.Metadata.Name + " runs no DaemonSets, no Pods of kube-system, nothing on ports 61000–65534 and only nfs, CephFS, hostPath and CBS volumes; schedule this workload on a node pool instead"})
			}
			return nil
		})
	}
}

// finding is one workload of a manifest super nodes cannot run.
type finding struct {
	line int
	what string
}

// superNodeFindings lists what in one manifest file targets super nodes and breaks
// their limits.
func superNodeFindings(b []byte) []finding {
	var out []finding
	dec := yamlv3.NewDecoder(strings.NewReader(string(b)))
	for {
		var doc yamlv3.Node
		if err := dec.Decode(&doc); err != nil {
			return out
		}
		var obj map[string]any
		if doc.Decode(&obj) != nil || obj == nil {
			continue
		}
		kind, _ := obj["kind"].(string)
		meta, _ := obj["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		tmpl, pod := podTemplate(kind, obj)
		if pod == nil || !targetsSuperNodes(tmpl, pod) {
			continue
		}
		line := doc.Line
		if len(doc.Content) > 0 {
			line = doc.Content[0].Line
		}
		at := func(what string) {
			out = append(out, finding{line: line, what: fmt.Sprintf("%s %s: %s", kind, name, what)})
		}
		if kind == "DaemonSet" {
			at("a DaemonSet")
		}
		if ns == "kube-system" {
			at("a Pod of kube-system")
		}
		for _, port := range podPorts(pod) {
			if port >= superNodePortLow && port <= superNodePortHigh {
				at(fmt.Sprintf("port %d (61000–65534 are the super node's own)", port))
			}
		}
		vols, _ := pod["volumes"].([]any)
		for _, vol := range vols {
			vm, _ := vol.(map[string]any)
			for k, val := range vm {
				switch {
				case k == "name":
				case !slices.Contains(superNodeVolumes, k):
					at(fmt.Sprintf("a %s volume", k))
				case k == "csi":
					if d, _ := val.(map[string]any)["driver"].(string); d != "com.tencent.cloud.csi.cbs" {
						at(fmt.Sprintf("a CSI volume of driver %s", d))
					}
				}
			}
		}
	}
}

// podTemplate finds the Pod template (metadata and spec) of a workload.
func podTemplate(kind string, obj map[string]any) (meta, pod map[string]any) {
	get := func(m map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			if m == nil {
				return nil
			}
			m, _ = m[k].(map[string]any)
		}
		return m
	}
	switch kind {
	case "Pod":
		return get(obj, "metadata"), get(obj, "spec")
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		return get(obj, "spec", "template", "metadata"), get(obj, "spec", "template", "spec")
	case "CronJob":
		return get(obj, "spec", "jobTemplate", "spec", "template", "metadata"), get(obj, "spec", "jobTemplate", "spec", "template", "spec")
	}
	return nil, nil
}

// targetsSuperNodes reports whether a Pod template asks for super nodes: their node
// selector or TKE's pod-type annotation.
func targetsSuperNodes(meta, pod map[string]any) bool {
	sel, _ := pod["nodeSelector"].(map[string]any)
	if sel["node.kubernetes.io/instance-type"] == superNodeInstanceType {
		return true
	}
	ann, _ := meta["annotations"].(map[string]any)
	return ann["tke.cloud.tencent.com/pod-type"] == superNodeInstanceType
}

// podPorts lists the numeric container, host and probe ports of a Pod spec.
func podPorts(pod map[string]any) []int {
	var out []int
	num := func(v any) {
		switch n := v.(type) {
		case int:
			out = append(out, n)
		case string:
			if i, err := strconv.Atoi(n); err == nil {
				out = append(out, i)
			}
		}
	}
	for _, key := range []string{"containers", "initContainers"} {
		cs, _ := pod[key].([]any)
		for _, ct := range cs {
			cm, _ := ct.(map[string]any)
			ports, _ := cm["ports"].([]any)
			for _, p := range ports {
				pm, _ := p.(map[string]any)
				num(pm["containerPort"])
				num(pm["hostPort"])
			}
			for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
				pr, _ := cm[probe].(map[string]any)
				for _, h := range []string{"httpGet", "tcpSocket", "grpc"} {
					hm, _ := pr[h].(map[string]any)
					num(hm["port"])
				}
			}
		}
	}
	return out
}
