package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/spec"
)

// MaxStacks is the largest fleet whose CIDR blocks fit without overlap: 2048 /20
// blocks in each of 10.0.0.0/9 (VPCs) and 10.128.0.0/9 (cluster networks). A larger
// fleet reuses the blocks in other regions (stack i+2048 takes stack i's), where
// the API never compares them, up to MaxStacks per region (see Options.check).
const MaxStacks = 2048

// Layout is how resources are spread over files.
type Layout int

const (
	// PerStack writes one directory per stack with four files: network.yaml (VPC and
	// subnets), security-group.yaml, cluster.yaml and nodepools.yaml.
	PerStack Layout = iota
	// PerResource writes one file per resource (eight per stack), for repositories
	// with many files.
	PerResource
	// OneFile writes one file per stack (stack.yaml), for fleets of many resources
	// in few files (the loader reads at most 10,000).
	OneFile
)

// Per-stack resource counts.
const (
	SubnetsPerStack   = 3
	NodePoolsPerStack = 3
	// ResourcesPerStack is every resource of one stack.
	ResourcesPerStack = 1 + SubnetsPerStack + 1 + 1 + NodePoolsPerStack
)

// DefaultRegions are the regions stacks are spread over when Options.Regions is empty.
func DefaultRegions() []string { return []string{"ap-guangzhou", "ap-shanghai", "ap-beijing"} }

// zones are three real availability zones per region; other regions get -1, -2, -3.
var zones = map[string][3]string{
	"ap-guangzhou": {"ap-guangzhou-3", "ap-guangzhou-4", "ap-guangzhou-6"},
	"ap-shanghai":  {"ap-shanghai-2", "ap-shanghai-4", "ap-shanghai-5"},
	"ap-beijing":   {"ap-beijing-5", "ap-beijing-6", "ap-beijing-7"},
}

// Options describe a fleet.
type Options struct {
	// Stacks is S, from 1 to MaxStacks.
	Stacks int
	// Regions the stacks are spread over, round-robin; empty means DefaultRegions.
	Regions []string
	// Layout of the files; the zero value is PerStack.
	Layout Layout
	// Version is the Kubernetes version of every cluster; "" means 1.30.0.
	Version string
	// PoolLabels are added to every node pool's labels, so a test can make a new
	// revision that changes every pool in place.
	PoolLabels map[string]string
	// Desired is the desired node count of each stack's first pool (the others have
	// none); nil means 1.
	Desired *int
	// SpareVPCs adds that many stand-alone VPCs (192.168.N.0/24, one file each, in
	// the first region), to make a repository of an exact number of files.
	SpareVPCs int
}

// ForFiles returns the options of a PerResource fleet of exactly files files: as
// many whole stacks as fit, and spare VPCs for the rest.
func ForFiles(files int) Options {
	return Options{Stacks: files / ResourcesPerStack, Layout: PerResource, SpareVPCs: files % ResourcesPerStack}
}

// Stack is where one stack lives and what it is called.
type Stack struct {
	Index  int
	Name   string // s0000 … s2047; also the VPC's, security group's and cluster's name
	Region string
	VPC    netip.Prefix
	// Subnets are the three /22 blocks of the VPC, one per zone.
	Subnets [SubnetsPerStack]netip.Prefix
	Zones   [SubnetsPerStack]string
	// ClusterCIDR is the cluster's container network (GlobalRouter).
	ClusterCIDR netip.Prefix
}

// SubnetName is the name of the stack's j-th subnet.
func (s Stack) SubnetName(j int) string { return fmt.Sprintf("%s-%c", s.Name, 'a'+j) }

// PoolNames are the names of the stack's node pools.
func (s Stack) PoolNames() [NodePoolsPerStack]string {
	return [NodePoolsPerStack]string{s.Name + "-general", s.Name + "-batch", s.Name + "-infra"}
}

func (o Options) regions() []string {
	if len(o.Regions) == 0 {
		return DefaultRegions()
	}
	return o.Regions
}

func (o Options) check() error {
	regions := len(o.regions())
	if o.Stacks < 1 || o.Stacks > MaxStacks*regions {
		return fmt.Errorf("fleet: %d stacks: want 1 to %d (%d per region)", o.Stacks, MaxStacks*regions, MaxStacks)
	}
	// Stacks i and i+k·MaxStacks share blocks: they must be in different regions.
	for k := 1; k*MaxStacks < o.Stacks; k++ {
		if (k*MaxStacks)%regions == 0 {
			return fmt.Errorf("fleet: %d stacks over %d regions would put two stacks with the same CIDR blocks in one region: at most %d, or another number of regions", o.Stacks, regions, k*MaxStacks)
		}
	}
	if o.SpareVPCs < 0 || o.SpareVPCs > 256 {
		return fmt.Errorf("fleet: %d spare VPCs: want 0 to 256", o.SpareVPCs)
	}
	for _, r := range o.regions() {
		if r == "" {
			return errors.New("fleet: empty region")
		}
	}
	return nil
}

// StackList describes every stack of the fleet.
func (o Options) StackList() []Stack {
	regions := o.regions()
	out := make([]Stack, o.Stacks)
	vpcBase := netip.MustParseAddr("10.0.0.0").As4()
	clsBase := netip.MustParseAddr("10.128.0.0").As4()
	for i := range out {
		region := regions[i%len(regions)]
		s := Stack{Index: i, Name: fmt.Sprintf("s%04d", i), Region: region}
		b := i % MaxStacks // blocks repeat past MaxStacks, in other regions
		s.VPC = netip.PrefixFrom(offset(vpcBase, b<<12), 20)
		for j := range SubnetsPerStack {
			s.Subnets[j] = netip.PrefixFrom(offset(vpcBase, b<<12+j<<10), 22)
		}
		s.ClusterCIDR = netip.PrefixFrom(offset(clsBase, b<<12), 20)
		if z, ok := zones[region]; ok {
			s.Zones = z
		} else {
			s.Zones = [3]string{region + "-1", region + "-2", region + "-3"}
		}
		out[i] = s
	}
	return out
}

func offset(base [4]byte, n int) netip.Addr {
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Expected is what the fleet holds once applied: resources per kind, and per region
// and kind.
func (o Options) Expected() (total map[spec.Kind]int, byRegion map[string]map[spec.Kind]int) {
	total = map[spec.Kind]int{}
	byRegion = map[string]map[spec.Kind]int{}
	for _, s := range o.StackList() {
		m := byRegion[s.Region]
		if m == nil {
			m = map[spec.Kind]int{}
			byRegion[s.Region] = m
		}
		for k, n := range perStack() {
			total[k] += n
			m[k] += n
		}
	}
	if o.SpareVPCs > 0 {
		total[spec.KindVPC] += o.SpareVPCs
		byRegion[o.regions()[0]][spec.KindVPC] += o.SpareVPCs
	}
	return total, byRegion
}

func perStack() map[spec.Kind]int {
	return map[spec.Kind]int{
		spec.KindVPC: 1, spec.KindSubnet: SubnetsPerStack, spec.KindSecurityGroup: 1,
		spec.KindCluster: 1, spec.KindNodePool: NodePoolsPerStack,
	}
}

// Write writes the fleet under dir (created if missing) and returns the number of
// files written. Existing files of the same names are replaced; others are left.
func Write(dir string, o Options) (int, error) {
	if err := o.check(); err != nil {
		return 0, err
	}
	files := 0
	for _, s := range o.StackList() {
		docs := o.documents(s)
		var groups []fileDocs
		switch o.Layout {
		case OneFile:
			var texts []string
			for _, d := range docs {
				texts = append(texts, d.text)
			}
			groups = append(groups, fileDocs{name: filepath.Join(s.Name, "stack.yaml"), docs: texts})
		case PerResource:
			for _, d := range docs {
				groups = append(groups, fileDocs{name: filepath.Join(s.Name, d.file), docs: []string{d.text}})
			}
		default:
			byFile := map[string][]string{}
			var order []string
			for _, d := range docs {
				if _, ok := byFile[d.group]; !ok {
					order = append(order, d.group)
				}
				byFile[d.group] = append(byFile[d.group], d.text)
			}
			for _, f := range order {
				groups = append(groups, fileDocs{name: filepath.Join(s.Name, f), docs: byFile[f]})
			}
		}
		if err := os.MkdirAll(filepath.Join(dir, s.Name), 0o755); err != nil {
			return files, fmt.Errorf("fleet: %w", err)
		}
		for _, g := range groups {
			body := strings.Join(g.docs, "---\n")
			if err := os.WriteFile(filepath.Join(dir, g.name), []byte(body), 0o644); err != nil {
				return files, fmt.Errorf("fleet: %w", err)
			}
			files++
		}
	}
	for n := range o.SpareVPCs {
		name := fmt.Sprintf("spare-%03d", n)
		body := fmt.Sprintf(`apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: %s
spec:
  region: %s
  cidrBlock: 192.168.%d.0/24
`, name, o.regions()[0], n)
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(body), 0o644); err != nil {
			return files, fmt.Errorf("fleet: %w", err)
		}
		files++
	}
	return files, nil
}

type fileDocs struct {
	name string
	docs []string
}

type document struct {
	group string // file of the PerStack layout
	file  string // file of the PerResource layout
	text  string
}

func (o Options) documents(s Stack) []document {
	version := o.Version
	if version == "" {
		version = "1.30.0"
	}
	desired := 1
	if o.Desired != nil {
		desired = *o.Desired
	}
	var docs []document
	add := func(group, file, text string) { docs = append(docs, document{group: group, file: file, text: text}) }

	add("network.yaml", "vpc.yaml", fmt.Sprintf(`# Stack %[1]s: network in %[2]s.
apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: %[1]s
  labels: {fleet: bench}
spec:
  region: %[2]s
  cidrBlock: %[3]s
  tags: {stack: %[1]s}
`, s.Name, s.Region, s.VPC))
	for j := range SubnetsPerStack {
		add("network.yaml", fmt.Sprintf("subnet-%c.yaml", 'a'+j), fmt.Sprintf(`apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata:
  name: %s
spec:
  vpcRef: {name: %s}
  zone: %s
  cidrBlock: %s
`, s.SubnetName(j), s.Name, s.Zones[j], s.Subnets[j]))
	}
	add("security-group.yaml", "security-group.yaml", fmt.Sprintf(`# Worker nodes accept the VPC, the container network and NodePorts.
apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata:
  name: %[1]s
spec:
  region: %[2]s
  description: worker nodes of stack %[1]s
  ingress:
    - {protocol: ALL, cidrBlock: %[3]s, action: ACCEPT, description: node network}
    - {protocol: ALL, cidrBlock: %[4]s, action: ACCEPT, description: container network}
    - {protocol: TCP, port: 30000-32768, cidrBlock: 0.0.0.0/0, action: ACCEPT, description: NodePorts}
  egress:
    - {protocol: ALL, cidrBlock: 0.0.0.0/0, action: ACCEPT}
`, s.Name, s.Region, s.VPC, s.ClusterCIDR))
	add("cluster.yaml", "cluster.yaml", fmt.Sprintf(`apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata:
  name: %[1]s
  labels: {fleet: bench}
spec:
  region: %[2]s
  version: %[3]s
  vpcRef: {name: %[1]s}
  network:
    clusterCIDR: %[4]s
  description: bench stack %[1]s
  tags: {stack: %[1]s}
`, s.Name, s.Region, version, s.ClusterCIDR))
	pools := s.PoolNames()
	labels := labelYAML(o.PoolLabels)
	add("nodepools.yaml", "nodepool-general.yaml", fmt.Sprintf(`apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata:
  name: %[1]s
spec:
  clusterRef: {name: %[2]s}
  subnetRefs: [{name: %[3]s}, {name: %[4]s}, {name: %[5]s}]
  instanceTypes: [SA5.LARGE8]
  scaling: {min: 0, max: 3, desired: %[6]d}
  securityGroupRefs: [{name: %[2]s}]
  labels: {pool: general%[7]s}
`, pools[0], s.Name, s.SubnetName(0), s.SubnetName(1), s.SubnetName(2), desired, labels))
	add("nodepools.yaml", "nodepool-batch.yaml", fmt.Sprintf(`apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata:
  name: %[1]s
spec:
  clusterRef: {name: %[2]s}
  subnetRefs: [{name: %[3]s}]
  instanceTypes: [SA5.2XLARGE16]
  scaling: {min: 0, max: 2, desired: 0}
  securityGroupRefs: [{name: %[2]s}]
  labels: {pool: batch%[4]s}
  taints: [{key: example.com/batch, effect: NoSchedule}]
`, pools[1], s.Name, s.SubnetName(1), labels))
	add("nodepools.yaml", "nodepool-infra.yaml", fmt.Sprintf(`apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata:
  name: %[1]s
spec:
  clusterRef: {name: %[2]s}
  subnetRefs: [{name: %[3]s}]
  instanceTypes: [SA5.LARGE8]
  scaling: {min: 0, max: 2, desired: 0}
  securityGroupRefs: [{name: %[2]s}]
  labels: {pool: infra%[4]s}
`, pools[2], s.Name, s.SubnetName(2), labels))
	return docs
}

// labelYAML renders extra labels as ", k: v" pairs of a flow mapping, sorted.
func labelYAML(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s: %q", k, m[k])
	}
	return b.String()
}
