package export

import (
	"slices"

	"github.com/tkeops/tkeops/spec"
)

// A hook tidies the live document of one kind into what a person would write,
// beyond leaving defaults out (which specfile does for every kind). docs holds the
// other exported documents, references by name. It returns notes for the report.
// Most kinds need none: their live state is already in spec shape.
type hook func(r spec.Resource, docs map[spec.Addr]spec.Resource) []string

// hooks lists the kinds that have one; a new kind adds a line only if it needs one.
func hooks() map[spec.Kind]hook {
	return map[spec.Kind]hook{
		spec.KindVPC:      tidyVPC,
		spec.KindNodePool: tidyNodePool,
	}
}

// cloudDNS are the DNS servers a VPC gets when it is created without any.
var cloudDNS = []string{"183.60.82.98", "183.60.83.19"}

// tidyVPC leaves out DNS servers that are the cloud's own default.
func tidyVPC(r spec.Resource, _ map[spec.Addr]spec.Resource) []string {
	v, ok := r.(*spec.VPC)
	if ok && slices.Equal(slices.Sorted(slices.Values(v.Spec.DNSServers)), cloudDNS) {
		v.Spec.DNSServers = nil
	}
	return nil
}

// tidyNodePool leaves out the desired node count of an autoscaled pool (the cluster
// autoscaler owns it, and tkeops does not compare it) and an OS image that is its
// cluster's (a pool without one takes the cluster's).
func tidyNodePool(r spec.Resource, docs map[spec.Addr]spec.Resource) []string {
	p, ok := r.(*spec.NodePool)
	if !ok {
		return nil
	}
	if s := &p.Spec.Scaling; s.Autoscaling != nil && *s.Autoscaling {
		s.Desired = nil
	}
	if ref := p.Spec.ClusterRef; ref.Name != "" {
		if c, ok := docs[spec.Addr{Kind: spec.KindCluster, Name: ref.Name}].(*spec.Cluster); ok {
			os := c.Spec.OSImage
			if os == "" {
				os = spec.DefaultOSImage
			}
			if p.Spec.OSImage == os {
				p.Spec.OSImage = ""
			}
		}
	}
	return nil
}
