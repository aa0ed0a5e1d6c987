package consistency

// The base: a Guangzhou stack (VPC, three subnets, two security groups, a cluster
// with both endpoints, two node pools) and a small Shanghai network, every optional
// field the scenarios change declared.
func base() files {
	return files{
		"gz-network.yaml": `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: prod}
spec:
  region: ap-guangzhou
  cidrBlock: 10.0.0.0/16
  dnsServers: [10.0.0.2, 10.0.0.3]
  enableMulticast: false
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: sub-a}
spec:
  vpcRef: {name: prod}
  zone: ap-guangzhou-3
  cidrBlock: 10.0.1.0/24
  enableBroadcast: false
  tags: {tier: nodes}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: sub-b}
spec:
  vpcRef: {name: prod}
  zone: ap-guangzhou-4
  cidrBlock: 10.0.2.0/24
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: sub-c}
spec:
  vpcRef: {name: prod}
  zone: ap-guangzhou-3
  cidrBlock: 10.0.3.0/24
`,
		"gz-groups.yaml": `apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: nodes}
spec:
  region: ap-guangzhou
  description: worker nodes
  ingress:
    - {protocol: TCP, port: "22", cidrBlock: 10.0.0.0/16, action: ACCEPT, description: ssh from the VPC}
    - {protocol: ALL, cidrBlock: 172.16.0.0/16, action: ACCEPT}
  egress:
    - {protocol: ALL, cidrBlock: 0.0.0.0/0, action: ACCEPT}
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: api}
spec:
  region: ap-guangzhou
  description: public API server access
  ingress:
    - {protocol: TCP, port: "443", cidrBlock: 203.0.113.0/24, action: ACCEPT}
`,
		"gz-cluster.yaml": `apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: prod}
spec:
  region: ap-guangzhou
  version: 1.28.3
  vpcRef: {name: prod}
  network:
    clusterCIDR: 172.16.0.0/16
  level: L5
  autoUpgradeLevel: false
  deletionProtection: false
  endpoints:
    private:
      subnetRef: {name: sub-a}
    public:
      securityGroupRef: {name: api}
  description: production
  projectID: 0
  tags: {team: platform}
`,
		"gz-pools.yaml": `apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: general}
spec:
  clusterRef: {name: prod}
  subnetRefs: [{name: sub-a}, {name: sub-b}]
  instanceTypes: [SA5.MEDIUM4, S5.MEDIUM4]
  scaling: {min: 1, max: 4, desired: 2}
  systemDisk: {type: CLOUD_PREMIUM, sizeGB: 50}
  dataDisks:
    - {type: CLOUD_PREMIUM, sizeGB: 100, fileSystem: ext4, mountTarget: /data}
  securityGroupRefs: [{name: nodes}]
  labels: {pool: general}
  taints:
    - {key: dedicated, value: general, effect: NoSchedule}
  userData: "echo hello"
  kubeletExtraArgs: ["max-pods=64"]
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: batch}
spec:
  clusterRef: {name: prod}
  subnetRefs: [{name: sub-b}]
  instanceTypes: [SA5.LARGE8]
  scaling: {min: 0, max: 3, desired: 1}
  securityGroupRefs: [{name: nodes}]
`,
		"sh-network.yaml": `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: sh}
spec:
  region: ap-shanghai
  cidrBlock: 10.1.0.0/16
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: sh-a}
spec:
  vpcRef: {name: sh}
  zone: ap-shanghai-2
  cidrBlock: 10.1.1.0/24
---
apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: sh-web}
spec:
  region: ap-shanghai
  ingress:
    - {protocol: TCP, port: "80,443", cidrBlock: 0.0.0.0/0, action: ACCEPT}
`,
	}
}
