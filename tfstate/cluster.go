package tfstate

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/tkeops/tkeops/spec"
)

func clusterConverter() converter {
	return converter{
		kind:    spec.KindCluster,
		id:      func(a attrs) string { return a.str("id") },
		display: func(a attrs) string { return a.str("cluster_name") },
		region:  func(c *conversion, a attrs) string { return c.regionOf(a.str("vpc_id")) },
		build:   buildCluster,
	}
}

func buildCluster(c *conversion, it *item) (spec.Resource, []string, string) {
	a := it.a
	if t := a.str("cluster_deploy_type"); t != "" && t != "MANAGED_CLUSTER" {
		return nil, nil, "cluster_deploy_type " + t + ": tkeops models managed clusters only"
	}
	var plugin string
	switch nt := a.str("network_type"); nt {
	case "", "GR":
		plugin = "GlobalRouter"
	case "VPC-CNI":
		plugin = "VPC-CNI"
	default:
		return nil, nil, "network_type " + nt + " is not modelled by tkeops (GR and VPC-CNI are)"
	}
	if a.str("kube_proxy_mode") != "" || a.isTrue("data_plane_v2") {
		return nil, nil, "kube_proxy_mode " + a.str("kube_proxy_mode") + " / data_plane_v2 are not modelled by tkeops (iptables and ipvs are)"
	}
	proxy := "iptables"
	if ipvs, set := a.boolean("cluster_ipvs"); ipvs || !set {
		proxy = "ipvs" // the provider's default is true
	}
	cl := &spec.Cluster{Object: object(it.addr), Spec: spec.ClusterSpec{
		Region:  it.region,
		Version: a.str("cluster_version"),
		VPCRef:  c.ref(a.str("vpc_id")),
		Network: spec.ClusterNetwork{
			Plugin:         plugin,
			ServiceCIDR:    a.str("service_cidr"),
			MaxPodsPerNode: a.num("cluster_max_pod_num"),
			MaxServices:    a.num("cluster_max_service_num"),
			KubeProxyMode:  proxy,
			ENISubnetRefs:  c.refs(a.strs("eni_subnet_ids")),
		},
		Runtime:     spec.ClusterRuntime{Name: a.str("container_runtime"), Version: a.str("runtime_version")},
		OSImage:     a.str("cluster_os"),
		Level:       a.str("cluster_level"),
		Description: a.str("cluster_desc"),
		ProjectID:   a.num("project_id"),
		Tags:        userTags(a.strMap("tags")),
	}}
	if plugin == "GlobalRouter" {
		cl.Spec.Network.ClusterCIDR = a.str("cluster_cidr")
	}
	if v, set := a.boolean("auto_upgrade_cluster_level"); set {
		cl.Spec.AutoUpgradeLevel = boolPtr(v)
	}
	if v, set := a.boolean("deletion_protection"); set {
		cl.Spec.DeletionProtection = boolPtr(v)
	}
	var notes []string
	// Endpoints: the cluster's own arguments, or a tencentcloud_kubernetes_cluster_endpoint.
	ep := a
	for _, e := range c.byType["tencentcloud_kubernetes_cluster_endpoint"] {
		if e.a.str("cluster_id") == it.id {
			ep = e.a
		}
	}
	if ep.isTrue("cluster_intranet") {
		if sn := ep.str("cluster_intranet_subnet_id"); sn != "" {
			cl.Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: c.ref(sn)}
		}
	}
	if ep.isTrue("cluster_internet") {
		if sg := ep.str("cluster_internet_security_group"); sg != "" {
			cl.Spec.Endpoints.Public = &spec.PublicEndpoint{SecurityGroupRef: c.ref(sg)}
		} else {
			notes = append(notes, "the public endpoint has no security group (managed_cluster_internet_security_policies): tkeops guards it with a security group; it is left unmanaged")
		}
	}
	if len(a.blocks("worker_config")) > 0 || len(a.blocks("master_config")) > 0 {
		notes = append(notes, "worker_config/master_config CVMs belong to no node pool; tkeops leaves them alone (move their workloads to node pools)")
	}
	return cl, notes, ""
}

// endpointAddition folds tencentcloud_kubernetes_cluster_endpoint into its cluster.
func endpointAddition() converter {
	return converter{
		into: func(c *conversion, a attrs) (spec.Addr, bool) { return c.intoID(a.str("cluster_id")) },
	}
}

func nodePoolConverter() converter {
	return converter{
		kind: spec.KindNodePool,
		// The provider's ID is "<cluster ID>#<node pool ID>".
		id: func(a attrs) string {
			id := a.str("id")
			if _, np, ok := strings.Cut(id, "#"); ok {
				return np
			}
			return id
		},
		display: func(a attrs) string { return a.str("name") },
		region: func(c *conversion, a attrs) string {
			if r := c.regionOf(a.str("cluster_id")); r != "" {
				return r
			}
			for _, sn := range a.strs("subnet_ids") {
				if r := c.regionOf(sn); r != "" {
					return r
				}
			}
			return ""
		},
		build: buildNodePool,
	}
}

func buildNodePool(c *conversion, it *item) (spec.Resource, []string, string) {
	a := it.a
	asc := a.block("auto_scaling_config")
	node := a.block("node_config")
	var notes []string
	desired := a.num("desired_capacity")
	p := &spec.NodePool{Object: object(it.addr), Spec: spec.NodePoolSpec{
		ClusterRef:    c.ref(a.str("cluster_id")),
		SubnetRefs:    c.refs(a.strs("subnet_ids")),
		InstanceTypes: append([]string{asc.str("instance_type")}, asc.strs("backup_instance_types")...),
		Scaling: spec.NodePoolScaling{
			Min:     a.num("min_size"),
			Max:     a.num("max_size"),
			Desired: &desired,
		},
		SystemDisk:            spec.Disk{Type: asc.str("system_disk_type"), SizeGB: asc.num("system_disk_size")},
		OSImage:               a.str("node_os"),
		SSHKeyIDs:             asc.strs("key_ids"),
		Labels:                a.strMap("labels"),
		KubeletExtraArgs:      node.strs("extra_args"),
		InstanceChargeType:    asc.str("instance_charge_type"),
		MultiZoneSubnetPolicy: a.str("multi_zone_subnet_policy"),
		Tags:                  userTags(a.strMap("tags")),
	}}
	if on, set := a.boolean("enable_auto_scale"); on || !set {
		p.Spec.Scaling.Autoscaling = boolPtr(true) // the provider's default is true
	} else {
		p.Spec.Scaling.Autoscaling = boolPtr(false)
	}
	sgs := asc.strs("orderly_security_group_ids")
	if len(sgs) == 0 {
		sgs = asc.strs("security_group_ids")
	}
	p.Spec.SecurityGroupRefs = c.refs(sgs)
	// Data disks: sizes and types in the launch configuration, file systems and
	// mount points in node_config, in the same order.
	mounts := node.blocks("data_disk")
	for i, d := range asc.blocks("data_disk") {
		dd := spec.DataDisk{Disk: spec.Disk{Type: d.str("disk_type"), SizeGB: d.num("disk_size")}}
		if i < len(mounts) {
			dd.FileSystem, dd.MountTarget = mounts[i].str("file_system"), mounts[i].str("mount_target")
		}
		p.Spec.DataDisks = append(p.Spec.DataDisks, dd)
	}
	for _, t := range a.blocks("taints") {
		p.Spec.Taints = append(p.Spec.Taints, spec.Taint{Key: t.str("key"), Value: t.str("value"), Effect: t.str("effect")})
	}
	if a.num("unschedulable") == 1 {
		p.Spec.CordonOnJoin = boolPtr(true)
	}
	if ud := node.str("user_data"); ud != "" {
		script, err := base64.StdEncoding.DecodeString(ud)
		if err != nil {
			return nil, nil, "node_config.user_data is not base64: " + err.Error()
		}
		p.Spec.UserData = string(script)
	}
	if t := a.strs("termination_policies"); len(t) > 0 {
		p.Spec.TerminationPolicy = t[0]
	}
	if v, set := a.boolean("deletion_protection"); set {
		p.Spec.DeletionProtection = boolPtr(v)
	}
	// The provider keeps the CVMs of a deleted pool unless told otherwise.
	if keep, set := a.boolean("delete_keep_instance"); keep || !set {
		p.Spec.InstanceDeletionPolicy = "Retain"
	} else {
		p.Spec.InstanceDeletionPolicy = "Delete"
	}
	if asc.isTrue("public_ip_assigned") || asc.num("internet_max_bandwidth_out") > 0 {
		p.Spec.Internet = &spec.InternetAccess{
			ChargeType:          asc.str("internet_charge_type"),
			MaxBandwidthOutMbps: asc.num("internet_max_bandwidth_out"),
			PublicIP:            boolPtr(asc.isTrue("public_ip_assigned")),
		}
	}
	if asc.str("password") != "" {
		notes = append(notes, "password login is not carried over: tkeops logs in with SSH keys (sshKeyIDs)")
	}
	if p.Spec.InstanceChargeType == "SPOTPAID" {
		notes = append(notes, fmt.Sprintf("spot_max_price %q: check the spot settings of the spec", asc.str("spot_max_price")))
	}
	if node.str("docker_graph_path") != "" && node.str("docker_graph_path") != "/var/lib/docker" {
		notes = append(notes, "node_config.docker_graph_path is not modelled by tkeops")
	}
	return p, notes, ""
}
