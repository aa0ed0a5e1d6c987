// The lifecycle of every kind tkeops manages (VPC, subnet, security group, cluster, node
// pool), driven through the emulator by the official Tencent Cloud Node.js SDK
// (tencentcloud-sdk-nodejs), a client tkeops did not write. It creates, reads the way the
// console and the Terraform provider read, modifies, waits for every asynchronous state
// and deletes, and checks what each read answers. The SDK signs for the service named by
// its endpoint (<service>.tencentcloudapi.com), so it reaches the emulator as an HTTPS
// proxy (TC_PROXY) with the emulator's CA trusted (NODE_EXTRA_CA_CERTS).
//
// Environment: TC_SECRET_ID, TC_SECRET_KEY, TC_REGION, TC_PROXY. Prints one JSON line
// {"kinds": {...}, "calls": N} and exits 0, or prints the failure and exits 1.
"use strict";

const { vpc } = require("tencentcloud-sdk-nodejs/tencentcloud/services/vpc");
const { tke } = require("tencentcloud-sdk-nodejs/tencentcloud/services/tke");
const { as } = require("tencentcloud-sdk-nodejs/tencentcloud/services/as");
const { tag } = require("tencentcloud-sdk-nodejs/tencentcloud/services/tag");

const region = process.env.TC_REGION;
const config = (withRegion) => ({
  credential: { secretId: process.env.TC_SECRET_ID, secretKey: process.env.TC_SECRET_KEY },
  region: withRegion ? region : "",
  profile: { httpProfile: { protocol: "https://", proxy: process.env.TC_PROXY, reqTimeout: 30 } },
});
const clients = {
  vpc: new vpc.v20170312.Client(config(true)),
  tke: new tke.v20180525.Client(config(true)),
  as: new as.v20180419.Client(config(true)),
  tag: new tag.v20180813.Client(config(false)),
};

let calls = 0;
const kinds = {};
// call sends one action and counts it; any error fails the suite.
async function call(service, action, params) {
  calls++;
  try {
    return await clients[service][action](params);
  } catch (e) {
    throw new Error(`${service}:${action} ${JSON.stringify(params)}: ${e.code || ""} ${e.message}`);
  }
}
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}
function isList(v) {
  return Array.isArray(v);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// waitFor polls read until done(result) holds, as a client waits on an async state.
async function waitFor(what, read, done, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await read();
    if (done(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(r)}`);
    await sleep(150);
  }
}
function step(kind, name) {
  (kinds[kind] = kinds[kind] || []).push(name);
}
const owner = [{ Key: "tkeops.io/owner", Value: "conformance" }];

async function vpcCreate() {
  const r = await call("vpc", "CreateVpc", { VpcName: "conf-net", CidrBlock: "10.20.0.0/16", Tags: owner });
  const id = r.Vpc.VpcId;
  check(isList(r.Vpc.TagSet) && r.Vpc.TagSet.length === 1, "CreateVpc returns the tags");
  step("vpc", "create");
  const d = await call("vpc", "DescribeVpcs", { VpcIds: [id] });
  check(d.TotalCount === 1 && d.VpcSet[0].CidrBlock === "10.20.0.0/16" && isList(d.VpcSet[0].DnsServerSet), "DescribeVpcs reads the VPC");
  await call("vpc", "ModifyVpcAttribute", { VpcId: id, VpcName: "conf-net-2" });
  const m = await call("vpc", "DescribeVpcs", { Filters: [{ Name: "vpc-id", Values: [id] }] });
  check(m.VpcSet[0].VpcName === "conf-net-2", "the VPC is renamed");
  step("vpc", "read, modify");
  return id;
}

async function subnetsCreate(vpcId) {
  const ids = [];
  for (const [i, zone] of ["ap-guangzhou-3", "ap-guangzhou-4", "ap-guangzhou-6"].entries()) {
    const r = await call("vpc", "CreateSubnet", { VpcId: vpcId, SubnetName: `conf-sn${i}`, CidrBlock: `10.20.${i + 1}.0/24`, Zone: zone, Tags: owner });
    ids.push(r.Subnet.SubnetId);
  }
  step("subnet", "create");
  const d = await call("vpc", "DescribeSubnets", { SubnetIds: ids });
  check(d.TotalCount === 3 && d.SubnetSet.every((s) => s.AvailableIpAddressCount > 0 && isList(s.TagSet)), "DescribeSubnets reads the subnets");
  // What Terraform reads for each subnet besides DescribeSubnets.
  const rt = await call("vpc", "DescribeRouteTables", { Filters: [{ Name: "vpc-id", Values: [vpcId] }] });
  check(rt.TotalCount === 1 && rt.RouteTableSet[0].AssociationSet.length === 3, "the main route table holds the subnets");
  const tags = await call("tag", "DescribeResourceTagsByResourceIds", { ServiceType: "vpc", ResourcePrefix: "subnet", ResourceRegion: region, ResourceIds: ids });
  check(tags.TotalCount === 3 && isList(tags.Tags), "the subnets' tags");
  await call("vpc", "ModifySubnetAttribute", { SubnetId: ids[2], SubnetName: "conf-sn2-renamed" });
  await call("tag", "ModifyResourceTags", { Resource: `qcs::vpc:${region}:uin/:subnet/${ids[2]}`, ReplaceTags: [{ TagKey: "tier", TagValue: "private" }] });
  const again = await call("tag", "DescribeResourceTagsByResourceIds", { ServiceType: "vpc", ResourcePrefix: "subnet", ResourceRegion: region, ResourceIds: [ids[2]] });
  check(again.Tags.some((t) => t.TagKey === "tier"), "ModifyResourceTags adds a tag");
  step("subnet", "read, modify");
  return ids;
}

async function securityGroupCreate() {
  const r = await call("vpc", "CreateSecurityGroupWithPolicies", {
    GroupName: "conf-nodes",
    GroupDescription: "nodes",
    SecurityGroupPolicySet: { Ingress: [{ Protocol: "TCP", Port: "22", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" }] },
  });
  const id = r.SecurityGroup.SecurityGroupId;
  await call("tag", "ModifyResourceTags", { Resource: `qcs::cvm:${region}:uin/:sg/${id}`, ReplaceTags: [{ TagKey: "tkeops.io/owner", TagValue: "conformance" }] });
  step("securitygroup", "create");
  const d = await call("vpc", "DescribeSecurityGroups", { SecurityGroupIds: [id] });
  check(d.TotalCount === 1 && d.SecurityGroupSet[0].TagSet.length === 1, "DescribeSecurityGroups reads the group and its tags");
  let p = await call("vpc", "DescribeSecurityGroupPolicies", { SecurityGroupId: id });
  check(p.SecurityGroupPolicySet.Ingress.length === 1 && isList(p.SecurityGroupPolicySet.Egress), "the group's rules");
  await call("vpc", "CreateSecurityGroupPolicies", {
    SecurityGroupId: id,
    SecurityGroupPolicySet: { Version: p.SecurityGroupPolicySet.Version, Egress: [{ Protocol: "ALL", CidrBlock: "0.0.0.0/0", Action: "ACCEPT" }] },
  });
  // Terraform writes back what it read, empty templates included.
  p = await call("vpc", "DescribeSecurityGroupPolicies", { SecurityGroupId: id });
  const ingress = p.SecurityGroupPolicySet.Ingress.map((r) => ({
    Protocol: r.Protocol, Port: r.Port, CidrBlock: r.CidrBlock, Action: r.Action, PolicyDescription: r.PolicyDescription,
    ServiceTemplate: r.ServiceTemplate, AddressTemplate: r.AddressTemplate,
  }));
  ingress.push({ Protocol: "TCP", Port: "443", CidrBlock: "10.0.0.0/8", Action: "ACCEPT" });
  await call("vpc", "ModifySecurityGroupPolicies", { SecurityGroupId: id, SecurityGroupPolicySet: { Ingress: ingress } });
  p = await call("vpc", "DescribeSecurityGroupPolicies", { SecurityGroupId: id });
  check(p.SecurityGroupPolicySet.Ingress.length === 2 && p.SecurityGroupPolicySet.Egress.length === 1, "ModifySecurityGroupPolicies replaces only the direction given");
  await call("vpc", "DeleteSecurityGroupPolicies", {
    SecurityGroupId: id,
    SecurityGroupPolicySet: { Version: p.SecurityGroupPolicySet.Version, Ingress: [{ PolicyIndex: 0 }] },
  });
  await call("vpc", "ModifySecurityGroupAttribute", { SecurityGroupId: id, GroupDescription: "worker nodes" });
  const stats = await call("vpc", "DescribeSecurityGroupAssociationStatistics", { SecurityGroupIds: [id] });
  check(stats.SecurityGroupAssociationStatisticsSet[0].TotalCount === 0, "an unused group has no associations");
  const tags = await call("tag", "DescribeResourceTagsByResourceIds", { ServiceType: "cvm", ResourcePrefix: "sg", ResourceRegion: region, ResourceIds: [id] });
  check(tags.TotalCount === 1, "the group's tags");
  step("securitygroup", "read, modify rules");
  return id;
}

async function clusterCreate(vpcId, subnetIds, sgId) {
  const conflicts = await call("tke", "DescribeRouteTableConflicts", { RouteTableCidrBlock: "10.20.0.0/18", VpcId: vpcId });
  check(conflicts.HasConflict === true, "a CIDR inside the VPC conflicts");
  const free = await call("tke", "DescribeRouteTableConflicts", { RouteTableCidrBlock: "172.20.0.0/16", VpcId: vpcId });
  check(free.HasConflict === false && isList(free.RouteTableConflictSet), "a free CIDR does not");
  const r = await call("tke", "CreateCluster", {
    ClusterType: "MANAGED_CLUSTER",
    ClusterCIDRSettings: { ClusterCIDR: "172.20.0.0/16", ServiceCIDR: "172.21.0.0/20", MaxNodePodNum: 64 },
    ClusterBasicSettings: {
      ClusterName: "conf", VpcId: vpcId, ClusterVersion: "1.28.3", ClusterOs: "tlinux3.1x86_64",
      TagSpecification: [{ ResourceType: "cluster", Tags: owner }],
    },
    ClusterAdvancedSettings: { NetworkType: "GR", ContainerRuntime: "containerd" },
  });
  const id = r.ClusterId;
  step("cluster", "create");
  const creating = await call("tke", "DescribeClusters", { ClusterIds: [id] });
  check(creating.Clusters[0].ClusterStatus === "Creating", "a new cluster is Creating");
  const none = await call("tke", "DescribeClusterInstances", { ClusterId: id });
  check(none.TotalCount === 0 && isList(none.InstanceSet), "a creating cluster lists no instances, without an error");
  const running = await waitFor("the cluster to run", () => call("tke", "DescribeClusters", { ClusterIds: [id] }), (d) => d.Clusters[0].ClusterStatus === "Running");
  const c = running.Clusters[0];
  check(c.ImageId === "" && c.ClusterOs === "tlinux3.1x86_64" && JSON.parse(c.Property).NetworkType === "GR", "the cluster as created");
  step("cluster", "wait Running");
  // The reads the Terraform provider's kubernetes_cluster makes on every refresh.
  const sec = await call("tke", "DescribeClusterSecurity", { ClusterId: id });
  check(isList(sec.SecurityPolicy) && sec.Domain !== "", "DescribeClusterSecurity");
  const asOpt = await call("tke", "DescribeClusterAsGroupOption", { ClusterId: id });
  check(asOpt.ClusterAsGroupOption.IsScaleDownEnabled === true, "DescribeClusterAsGroupOption");
  await call("tke", "DescribeClusterExtraArgs", { ClusterId: id });
  await call("tke", "DescribeClusterVirtualNode", { ClusterId: id });
  for (const IsExtranet of [false, true]) {
    const st = await call("tke", "DescribeClusterEndpointStatus", { ClusterId: id, IsExtranet });
    check(st.Status === "NotFound", "no endpoint yet");
  }
  step("cluster", "read");

  // Upgrade to what the API offers, and wait.
  const av = await call("tke", "DescribeAvailableClusterVersion", { ClusterId: id });
  check(av.Versions.length === 1 && av.Versions[0] === "1.30.0", "the next minor is offered");
  await call("tke", "UpdateClusterVersion", { ClusterId: id, DstVersion: av.Versions[0] });
  await waitFor("the upgrade", () => call("tke", "DescribeClusters", { ClusterIds: [id] }), (d) => d.Clusters[0].ClusterStatus === "Running" && d.Clusters[0].ClusterVersion === "1.30.0");
  await call("tke", "ModifyClusterAttribute", { ClusterId: id, ClusterDesc: "conformance", ClusterLevel: "L20" });
  await call("tke", "ModifyClusterTags", { ClusterId: id, Tags: owner.concat([{ Key: "env", Value: "test" }]) });
  await waitFor("the cluster tags", () => call("tke", "DescribeBatchModifyTagsStatus", { ClusterId: id }), (d) => d.Status === "done");
  await call("tke", "EnableClusterDeletionProtection", { ClusterId: id });
  const prot = await call("tke", "DescribeClusters", { ClusterIds: [id] });
  check(prot.Clusters[0].DeletionProtection === true && prot.Clusters[0].TagSpecification[0].Tags.length === 2, "protection on, two tags");
  await call("tke", "DisableClusterDeletionProtection", { ClusterId: id });
  step("cluster", "upgrade, modify, tags, protection");

  // Endpoints: open both, wait, read, change the public one's group, close it.
  await call("tke", "CreateClusterEndpoint", { ClusterId: id, SubnetId: subnetIds[0], IsExtranet: false });
  await call("tke", "CreateClusterEndpoint", { ClusterId: id, IsExtranet: true, SecurityGroup: sgId });
  for (const IsExtranet of [false, true]) {
    await waitFor("the endpoint", () => call("tke", "DescribeClusterEndpointStatus", { ClusterId: id, IsExtranet }), (d) => d.Status === "Created");
  }
  const eps = await call("tke", "DescribeClusterEndpoints", { ClusterId: id });
  check(eps.ClusterExternalEndpoint !== "" && eps.ClusterIntranetSubnetId === subnetIds[0], "both endpoints open");
  const kc = await call("tke", "DescribeClusterKubeconfig", { ClusterId: id, IsExtranet: true });
  check(kc.Kubeconfig.includes("apiVersion: v1"), "a kubeconfig");
  await call("tke", "ModifyClusterEndpointSP", { ClusterId: id, SecurityGroup: sgId });
  await call("tke", "DeleteClusterEndpoint", { ClusterId: id, IsExtranet: true });
  await waitFor("the public endpoint to close", () => call("tke", "DescribeClusterEndpointStatus", { ClusterId: id, IsExtranet: true }), (d) => d.Status === "NotFound");
  step("cluster", "endpoints");
  return id;
}

async function nodePoolLifecycle(clusterId, vpcId, subnetIds, sgId) {
  const r = await call("tke", "CreateClusterNodePool", {
    ClusterId: clusterId,
    Name: "conf-workers",
    AutoScalingGroupPara: JSON.stringify({ MinSize: 1, MaxSize: 4, DesiredCapacity: 2, VpcId: vpcId, SubnetIds: subnetIds.slice(0, 2) }),
    LaunchConfigurePara: JSON.stringify({ InstanceType: "SA5.LARGE8", SecurityGroupIds: [sgId], SystemDisk: { DiskType: "CLOUD_PREMIUM", DiskSize: 50 } }),
    InstanceAdvancedSettings: {},
    EnableAutoscale: true,
    Labels: [{ Name: "pool", Value: "workers" }],
    NodePoolOs: "tlinux3.1x86_64",
  });
  const id = r.NodePoolId;
  step("nodepool", "create");
  const detail = () => call("tke", "DescribeClusterNodePoolDetail", { ClusterId: clusterId, NodePoolId: id });
  let np = (await waitFor("the pool to be normal", detail, (d) => d.NodePool.LifeState === "normal")).NodePool;
  check(isList(np.Tags) && np.Tags.length === 0 && np.ImageId === "" && np.NodePoolOs === "tlinux3.1x86_64", "an untagged pool reads Tags [] and no ImageId");
  const running = (d) => d.InstanceSet.length === 2 && d.InstanceSet.every((i) => i.InstanceState === "running");
  await waitFor("two nodes", () => call("tke", "DescribeClusterInstances", { ClusterId: clusterId, Filters: [{ Name: "nodepool-id", Values: [id] }] }), running);
  step("nodepool", "wait normal and nodes running");
  // The reads Terraform's node pool makes: the pool, its group and its launch configuration.
  const list = await call("tke", "DescribeClusterNodePools", { ClusterId: clusterId });
  check(list.TotalCount === 1, "DescribeClusterNodePools");
  const g = await call("as", "DescribeAutoScalingGroups", { AutoScalingGroupIds: [np.AutoscalingGroupId] });
  check(isList(g.AutoScalingGroupSet[0].ZoneSet) && g.AutoScalingGroupSet[0].ZoneSet.length === 0 && g.AutoScalingGroupSet[0].SubnetIdSet.length === 2, "the group: subnets given, no zones");
  const lcRead = () => call("as", "DescribeLaunchConfigurations", { LaunchConfigurationIds: [np.LaunchConfigurationId] });
  let lc = (await lcRead()).LaunchConfigurationSet[0];
  check(lc.EnhancedService.SecurityService.Enabled === true && lc.EnhancedService.MonitorService.Enabled === true, "both enhanced services on by default");
  step("nodepool", "read");

  // Modify: attributes, capacity, instance types, launch configuration.
  await call("tke", "ModifyClusterNodePool", { ClusterId: clusterId, NodePoolId: id, Labels: [{ Name: "pool", Value: "web" }], Taints: [{ Key: "dedicated", Value: "web", Effect: "NoSchedule" }] });
  np = (await waitFor("the pool update", detail, (d) => d.NodePool.LifeState === "normal")).NodePool;
  check(np.Labels[0].Value === "web" && np.Taints.length === 1, "labels and taints changed");
  await call("tke", "ModifyNodePoolDesiredCapacityAboutAsg", { ClusterId: clusterId, NodePoolId: id, DesiredCapacity: 3 });
  await waitFor("three nodes", () => call("tke", "DescribeClusterInstances", { ClusterId: clusterId }), (d) => d.InstanceSet.length === 3 && d.InstanceSet.every((i) => i.InstanceState === "running"));
  await call("tke", "ModifyNodePoolInstanceTypes", { ClusterId: clusterId, NodePoolId: id, InstanceTypes: ["SA5.LARGE8", "S5.LARGE8"] });
  await call("as", "ModifyLaunchConfigurationAttributes", { LaunchConfigurationId: np.LaunchConfigurationId, EnhancedService: { SecurityService: { Enabled: false } } });
  lc = (await lcRead()).LaunchConfigurationSet[0];
  check(lc.EnhancedService.SecurityService.Enabled === false && lc.EnhancedService.MonitorService.Enabled === true && lc.InstanceTypes.length === 2, "a partial EnhancedService change keeps MonitorService");
  await call("as", "ModifyAutoScalingGroup", { AutoScalingGroupId: np.AutoscalingGroupId, MultiZoneSubnetPolicy: "EQUALITY" });
  step("nodepool", "modify, scale");

  await call("tke", "DeleteClusterNodePool", { ClusterId: clusterId, NodePoolIds: [id], KeepInstance: false });
  await waitFor("the pool to go", () => call("tke", "DescribeClusterNodePools", { ClusterId: clusterId }), (d) => d.TotalCount === 0);
  await waitFor("its nodes to go", () => call("tke", "DescribeClusterInstances", { ClusterId: clusterId }), (d) => d.TotalCount === 0);
  step("nodepool", "delete");
}

async function teardown(clusterId, sgId, subnetIds, vpcId) {
  await call("tke", "DeleteCluster", { ClusterId: clusterId, InstanceDeleteMode: "terminate" });
  const deleting = await call("tke", "DescribeClusters", { ClusterIds: [clusterId] });
  check(deleting.Clusters.length === 0 || deleting.Clusters[0].ClusterStatus === "Deleting", "the cluster is deleting");
  await waitFor("the cluster to go", () => call("tke", "DescribeClusters", { ClusterIds: [clusterId] }), (d) => d.TotalCount === 0);
  step("cluster", "delete");
  await waitFor("the group to be free", () => call("vpc", "DescribeSecurityGroupAssociationStatistics", { SecurityGroupIds: [sgId] }), (d) => d.SecurityGroupAssociationStatisticsSet[0].TotalCount === 0);
  await call("vpc", "DeleteSecurityGroup", { SecurityGroupId: sgId });
  const sgs = await call("vpc", "DescribeSecurityGroups", { Filters: [{ Name: "security-group-id", Values: [sgId] }] });
  check(sgs.TotalCount === 0, "the group is gone");
  step("securitygroup", "delete");
  for (const id of subnetIds) await call("vpc", "DeleteSubnet", { SubnetId: id });
  const sns = await call("vpc", "DescribeSubnets", { Filters: [{ Name: "vpc-id", Values: [vpcId] }] });
  check(sns.TotalCount === 0, "the subnets are gone");
  step("subnet", "delete");
  await call("vpc", "DeleteVpc", { VpcId: vpcId });
  const vpcs = await call("vpc", "DescribeVpcs", { Filters: [{ Name: "vpc-id", Values: [vpcId] }] });
  check(vpcs.TotalCount === 0, "the VPC is gone");
  step("vpc", "delete");
  // Region discovery through the Tag service finds nothing of the owner left.
  const left = await call("tag", "GetResources", { TagFilters: [{ TagKey: "tkeops.io/owner", TagValue: ["conformance"] }] });
  check(left.ResourceTagMappingList.length === 0, "no owned resource is left");
}

async function main() {
  const vpcId = await vpcCreate();
  const subnetIds = await subnetsCreate(vpcId);
  const sgId = await securityGroupCreate();
  const clusterId = await clusterCreate(vpcId, subnetIds, sgId);
  await nodePoolLifecycle(clusterId, vpcId, subnetIds, sgId);
  await teardown(clusterId, sgId, subnetIds, vpcId);
  console.log(JSON.stringify({ kinds, calls }));
}

main().catch((e) => {
  console.error(`conformance failed: ${e.message}`);
  process.exit(1);
});
