package reconcile

import (
	"context"
	"fmt"
	"testing"

	"github.com/tkeops/tkeops/spec"
)

// Stacks generates n stacks of one VPC, one subnet, one security group, one cluster
// and one node pool each, spread over three regions.
func Stacks(n int) *spec.Set {
	set := &spec.Set{}
	regions := []string{"ap-guangzhou", "ap-shanghai", "ap-beijing"}
	add := func(r spec.Resource) {
		spec.Default(r)
		set.Resources = append(set.Resources, r)
	}
	for i := range n {
		region := regions[i%len(regions)]
		name := fmt.Sprintf("s%04d", i)
		v := &spec.VPC{Spec: spec.VPCSpec{Region: region, CIDRBlock: "10.0.0.0/16"}}
		v.APIVersion, v.Kind, v.Metadata.Name = spec.APIVersion, spec.KindVPC, name
		add(v)
		sn := &spec.Subnet{Spec: spec.SubnetSpec{VPCRef: spec.Ref{Name: name}, Zone: region + "-3", CIDRBlock: "10.0.0.0/20"}}
		sn.APIVersion, sn.Kind, sn.Metadata.Name = spec.APIVersion, spec.KindSubnet, name
		add(sn)
		sg := &spec.SecurityGroup{Spec: spec.SecurityGroupSpec{Region: region, Description: "nodes",
			Ingress: []spec.SecurityGroupRule{{Protocol: "TCP", Port: "30000-32768", CIDRBlock: "0.0.0.0/0", Action: "ACCEPT"}}}}
		sg.APIVersion, sg.Kind, sg.Metadata.Name = spec.APIVersion, spec.KindSecurityGroup, name
		add(sg)
		cl := &spec.Cluster{Spec: spec.ClusterSpec{Region: region, Version: "1.30.0", VPCRef: spec.Ref{Name: name},
			Network: spec.ClusterNetwork{ClusterCIDR: "172.20.0.0/16"}}}
		cl.APIVersion, cl.Kind, cl.Metadata.Name = spec.APIVersion, spec.KindCluster, name
		add(cl)
		np := &spec.NodePool{Spec: spec.NodePoolSpec{ClusterRef: spec.Ref{Name: name}, SubnetRefs: []spec.Ref{{Name: name}},
			InstanceTypes: []string{"SA5.LARGE8"}, Scaling: spec.NodePoolScaling{Min: 0, Max: 3, Desired: new1()},
			SecurityGroupRefs: []spec.Ref{{Name: name}}}}
		np.APIVersion, np.Kind, np.Metadata.Name = spec.APIVersion, spec.KindNodePool, name
		add(np)
	}
	return set
}

// BenchmarkPlanner measures the engine's own cost of planning S stacks that need no
// change (observation from an in-memory cloud, diff, graph), apart from the cloud.
//
//	go test -run '^$' -bench BenchmarkPlanner -benchmem ./reconcile/
func BenchmarkPlanner(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("S=%d", n), func(b *testing.B) {
			cloud := newMemCloud()
			set := Stacks(n)
			e := New(cloud, Options{Owner: "bench", Parallelism: 8, Timeouts: Timeouts{PollInitial: 1, PollMax: 1}})
			p, err := e.Plan(context.Background(), set)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Apply(context.Background(), p, set); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				p, err := e.Plan(context.Background(), set)
				if err != nil || !p.Empty() {
					b.Fatalf("plan: %v, %d steps", err, len(p.Steps))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/stack")
		})
	}
}

func new1() *int { one := 1; return &one }
