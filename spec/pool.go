package spec

import "time"

// What the kinds of node pool share (NodePool, NativeNodePool, SuperNodePool): references and checks.

// poolRefs are a pool's references: its cluster, subnets and security groups (the
// fields point into the given slices).
func poolRefs(cluster *Ref, subnets, securityGroups []Ref) []RefField {
	out := []RefField{{Path: "spec.clusterRef", Kind: KindCluster, Ref: cluster}}
	for i := range subnets {
		out = append(out, RefField{Path: fmtIndex("spec.subnetRefs", i), Kind: KindSubnet, Ref: &subnets[i]})
	}
	for i := range securityGroups {
		out = append(out, RefField{Path: fmtIndex("spec.securityGroupRefs", i), Kind: KindSecurityGroup, Ref: &securityGroups[i]})
	}
	return out
}

// instanceTypes checks a pool's list of instance types.
func (v *validator) instanceTypes(r Resource, path string, types []string) {
	if len(types) == 0 {
		v.errorf(r, path, "at least one instance type is needed, e.g. SA5.MEDIUM4")
	}
	if len(types) > MaxInstanceTypes {
		v.errorf(r, path, "%d instance types; at most %d", len(types), MaxInstanceTypes)
	}
	seen := map[string]bool{}
	for i, t := range types {
		p := fmtIndex(path, i)
		if !instanceTypeRE.MatchString(t) {
			v.errorf(r, p, "%q is not an instance type, e.g. SA5.MEDIUM4", t)
		}
		if seen[t] {
			v.errorf(r, p, "%s is listed twice", t)
		}
		seen[t] = true
	}
}

// bounds checks min ≤ desired ≤ max ≤ MaxPoolSize; desiredName is the desired
// count's field name under path.
func (v *validator) bounds(r Resource, path string, lo, hi int, desired *int, desiredName string) {
	switch {
	case lo < 0:
		v.errorf(r, path+".min", "%d: must not be negative", lo)
	case hi > MaxPoolSize:
		v.errorf(r, path+".max", "%d: a node pool holds at most %d nodes", hi, MaxPoolSize)
	case lo > hi:
		v.errorf(r, path+".min", "min %d is greater than max %d", lo, hi)
	case desired != nil && (*desired < lo || *desired > hi):
		v.errorf(r, path+"."+desiredName, "%s %d is outside min %d and max %d", desiredName, *desired, lo, hi)
	}
}

func (v *validator) systemDisk(r Resource, d Disk) {
	v.enum(r, "spec.systemDisk.type", d.Type, diskTypes)
	if d.SizeGB < MinSystemDiskGB || d.SizeGB > MaxSystemDiskGB {
		v.errorf(r, "spec.systemDisk.sizeGB", "%d GB: the system disk takes %d to %d GB", d.SizeGB, MinSystemDiskGB, MaxSystemDiskGB)
	}
}

// dataDisk checks one data disk; mounts collects the mount targets seen.
func (v *validator) dataDisk(r Resource, p string, d Disk, fileSystem, mountTarget string, mounts map[string]bool) {
	v.enum(r, p+".type", d.Type, diskTypes)
	if d.SizeGB < MinDataDiskGB || d.SizeGB > MaxDataDiskGB {
		v.errorf(r, p+".sizeGB", "%d GB: a data disk takes %d to %d GB", d.SizeGB, MinDataDiskGB, MaxDataDiskGB)
	}
	v.enum(r, p+".fileSystem", fileSystem, fileSystems)
	switch {
	case mountTarget != "":
		if !mountRE.MatchString(mountTarget) {
			v.errorf(r, p+".mountTarget", "%q is not an absolute path", mountTarget)
		}
		if mounts[mountTarget] {
			v.errorf(r, p+".mountTarget", "%s is the mount target of another data disk", mountTarget)
		}
		mounts[mountTarget] = true
	case fileSystem != "":
		v.errorf(r, p+".fileSystem", "a file system needs a mountTarget")
	}
}

// labelsAndTaints checks a pool's node labels and taints.
func (v *validator) labelsAndTaints(r Resource, labels map[string]string, taints []Taint) {
	for _, k := range sortedKeys(labels) {
		p := "spec.labels." + k
		v.check(r, p, checkQualifiedName(k))
		v.check(r, p, checkLabelValue(labels[k]))
	}
	seen := map[string]bool{}
	for i, t := range taints {
		p := fmtIndex("spec.taints", i)
		v.check(r, p+".key", checkQualifiedName(t.Key))
		v.check(r, p+".value", checkLabelValue(t.Value))
		v.enum(r, p+".effect", t.Effect, taintEffects)
		if id := t.Key + ":" + t.Effect; seen[id] {
			v.errorf(r, p, "taint %s with effect %s is declared twice", t.Key, t.Effect)
		} else {
			seen[id] = true
		}
	}
}

func (v *validator) drain(r Resource, d DrainSettings) {
	if t, err := time.ParseDuration(d.Timeout); err != nil || t <= 0 || t > MaxDrainTimeout {
		v.errorf(r, "spec.drain.timeout", "%q: want a duration from 1s to 24h, e.g. 10m", d.Timeout)
	}
}

// placement checks that a pool's subnets lie in its cluster's VPC and its security
// groups in the cluster's region, and that a pool of a cluster referenced by ID has a
// region to live in.
func (v *validator) placement(r Resource, cluster Ref, subnets, groups []Ref) {
	c := lookup[*Cluster](v.set, KindCluster, cluster)
	if c == nil {
		return // a cluster referenced by ID: the engine finds its region
	}
	for i, ref := range subnets {
		if sn := lookup[*Subnet](v.set, KindSubnet, ref); sn != nil && !sameRef(sn.Spec.VPCRef, c.Spec.VPCRef) {
			v.errorf(r, fmtIndex("spec.subnetRefs", i), "subnet %q is in VPC %s, but cluster %q is in VPC %s", sn.Metadata.Name, sn.Spec.VPCRef, c.Metadata.Name, c.Spec.VPCRef)
		}
	}
	for i, ref := range groups {
		if g := lookup[*SecurityGroup](v.set, KindSecurityGroup, ref); g != nil && g.Spec.Region != c.Spec.Region {
			v.errorf(r, fmtIndex("spec.securityGroupRefs", i), "security group %q is in region %s, but cluster %q is in %s", g.Metadata.Name, g.Spec.Region, c.Metadata.Name, c.Spec.Region)
		}
	}
}
