package spec

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestSuperNodeWorkloadLimits: workloads of a cluster's baseline that target its
// super nodes must be ones super nodes run (seeds §2.8).
func TestSuperNodeWorkloadLimits(t *testing.T) {
	fsys := fstest.MapFS{
		"cluster.yaml": {Data: []byte(`apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: net}
spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: net-a}
spec: {vpcRef: {name: net}, zone: ap-guangzhou-3, cidrBlock: 10.0.1.0/24}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: prod}
spec:
  region: ap-guangzhou
  version: 1.30.0
  vpcRef: {name: net}
  network: {clusterCIDR: 172.16.0.0/16}
  baseline: {path: baseline}
---
apiVersion: tkeops.io/v1alpha1
kind: SuperNodePool
metadata: {name: prod-burst}
spec:
  clusterRef: {name: prod}
  subnetRefs: [{name: net-a}]
`)},
		".tkeopsignore": {Data: []byte("baseline/\n")},
		"baseline/ok.yaml": {Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  template:
    spec:
      nodeSelector: {node.kubernetes.io/instance-type: eklet}
      containers: [{name: web, image: web:1, ports: [{containerPort: 8080}]}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  template:
    spec:
      containers: [{name: agent, image: agent:1}]
`)},
		"baseline/bad.yaml": {Data: []byte(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, namespace: default}
spec:
  template:
    spec:
      nodeSelector: {node.kubernetes.io/instance-type: eklet}
      containers: [{name: logs, image: logs:1}]
---
apiVersion: v1
kind: Pod
metadata:
  name: probe
  namespace: kube-system
  annotations: {tke.cloud.tencent.com/pod-type: eklet}
spec:
  containers:
  - name: probe
    image: probe:1
    ports: [{containerPort: 62000}]
    readinessProbe: {tcpSocket: {port: 61001}}
  volumes:
  - {name: disk, gcePersistentDisk: {pdName: x}}
  - {name: other, csi: {driver: other.csi.example}}
`)},
	}
	_, diags := Load(fsys, ".")
	var got []string
	for _, d := range diags {
		got = append(got, d.Pos.String()+": "+d.Summary)
	}
	want := []string{
		"baseline/bad.yaml:1: DaemonSet logs: a DaemonSet: super nodes cannot run it",
		"baseline/bad.yaml:10: Pod probe: a Pod of kube-system: super nodes cannot run it",
		"baseline/bad.yaml:10: Pod probe: port 62000 (61000–65534 are the super node's own): super nodes cannot run it",
		"baseline/bad.yaml:10: Pod probe: port 61001 (61000–65534 are the super node's own): super nodes cannot run it",
		"baseline/bad.yaml:10: Pod probe: a gcePersistentDisk volume: super nodes cannot run it",
		"baseline/bad.yaml:10: Pod probe: a CSI volume of driver other.csi.example: super nodes cannot run it",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
