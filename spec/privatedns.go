package spec

import (
	"regexp"
	"time"
)

// KindPrivateDNSZone is a Private DNS zone resolved inside VPCs.
const KindPrivateDNSZone Kind = "PrivateDNSZone"

// PrivateDNSZone is a private zone (Private DNS) and the records tkeops keeps in it.
// Its use here: a kubeconfig for a cluster's intranet API endpoint names the server
// https://cls-<id>.ccs.tencent-cloud.com, which resolves only where a zone
// tencent-cloud.com holds an A record cls-<id>.ccs pointing at the endpoint (without
// it: "no such host", seeds-catalogue fact 17). List each cluster that should resolve
// under apiServerRecords; tkeops keeps its record on the endpoint's address. A VPC
// resolves in one zone of a domain, so clusters sharing VPCs share the zone. Private
// DNS has no region: tkeops manages the zone from the region the document names.
type PrivateDNSZone struct {
	Object `json:",inline"`
	Spec   PrivateDNSZoneSpec `json:"spec"`
}

// PrivateDNSZoneSpec is the desired state of a PrivateDNSZone.
type PrivateDNSZoneSpec struct {
	// Region tkeops manages the zone from (its tags live there). Fixed at creation.
	Region string `json:"region" tkeops:"lower"`
	// Domain of the zone; tencent-cloud.com (default) for API server names. Fixed at
	// creation.
	Domain string `json:"domain,omitempty" tkeops:"lower"`
	// VPCs the zone resolves in, of any region; at least one.
	VPCs []VPCAttachment `json:"vpcs" tkeops:"set"`
	// APIServerRecords are the clusters whose intranet API endpoint gets an A record
	// cls-<id>.ccs in the zone; each cluster declares endpoints.private.
	APIServerRecords []APIServerRecord `json:"apiServerRecords,omitempty" tkeops:"set,absent=clear"`
	// Remark on the zone; at most 60 characters.
	Remark string `json:"remark,omitempty" tkeops:"absent=clear"`
	// DeletionProtection makes tkeops refuse to delete the zone (recorded in the
	// tkeops.io/deletion-protection tag: the API has no switch of its own).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the zone in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// APIServerRecord is the record of one cluster's intranet API endpoint.
type APIServerRecord struct {
	// ClusterRef is the cluster.
	ClusterRef Ref `json:"clusterRef"`
	// Region of the cluster; tkeops takes it from the cluster's document.
	Region string `json:"region,omitempty" tkeops:"lower,absent=keep"`
	// SubnetRef is the subnet of the cluster's private endpoint; tkeops takes it from
	// the cluster's document, so that a plan moving the endpoint repoints the record
	// in the same apply.
	SubnetRef *Ref `json:"subnetRef,omitempty" tkeops:"absent=keep"`
}

// Defaults and limits of private DNS zones.
const (
	// DefaultPrivateDNSDomain is the domain of TKE's API server names.
	DefaultPrivateDNSDomain = "tencent-cloud.com"
	MaxPrivateDNSRemarkLen  = 60
)

var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// Refs implements Resource.
func (z *PrivateDNSZone) Refs() []RefField {
	var out []RefField
	for i := range z.Spec.VPCs {
		out = append(out, RefField{Path: fmtIndex("spec.vpcs", i) + ".vpcRef", Kind: KindVPC, Ref: &z.Spec.VPCs[i].VPCRef})
	}
	for i := range z.Spec.APIServerRecords {
		out = append(out, RefField{Path: fmtIndex("spec.apiServerRecords", i) + ".clusterRef", Kind: KindCluster, Ref: &z.Spec.APIServerRecords[i].ClusterRef})
		if a := &z.Spec.APIServerRecords[i]; a.SubnetRef != nil {
			out = append(out, RefField{Path: fmtIndex("spec.apiServerRecords", i) + ".subnetRef", Kind: KindSubnet, Ref: a.SubnetRef})
		}
	}
	return out
}

// GetDeletionPolicy implements Resource.
func (z *PrivateDNSZone) GetDeletionPolicy() DeletionPolicy { return z.Spec.DeletionPolicy }

// GetTags implements Resource.
func (z *PrivateDNSZone) GetTags() map[string]string { return z.Spec.Tags }

// DeletionProtectedByTag reports whether the zone is protected from deletion; the
// provider records it in a tag.
func (z *PrivateDNSZone) DeletionProtectedByTag() bool {
	return z.Spec.DeletionProtection != nil && *z.Spec.DeletionProtection
}

// HomeRegion is the region tkeops manages the zone from: every region lists it.
func (z *PrivateDNSZone) HomeRegion() string { return z.Spec.Region }

func privateDNSZoneKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindPrivateDNSZone, IDPrefix: "zone", Timeout: 5 * time.Minute},
		func(r *PrivateDNSZone) {
			setDefault(&r.Spec.Domain, DefaultPrivateDNSDomain)
			setDefaultPtr(&r.Spec.DeletionProtection, false)
			setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
		},
		(*validator).privateDNSZone,
		func(r *PrivateDNSZone, _ *Set) string { return r.Spec.Region })
	info.derive = func(r Resource, s *Set) {
		z := r.(*PrivateDNSZone)
		deriveVPCRegions(z.Spec.VPCs, s)
		for i := range z.Spec.APIServerRecords {
			a := &z.Spec.APIServerRecords[i]
			c := lookup[*Cluster](s, KindCluster, a.ClusterRef)
			if c != nil && a.Region == "" {
				a.Region = c.Spec.Region
			}
			if c != nil && c.Spec.Endpoints.Private != nil && a.SubnetRef == nil {
				ref := c.Spec.Endpoints.Private.SubnetRef
				a.SubnetRef = &ref
			}
		}
	}
	info.validateSet = (*validator).privateDNSZones
	info.schema = []schemaRule{{"PrivateDNSZoneSpec", "domain", pattern(domainRE.String())}}
	return info
}

func (v *validator) privateDNSZone(r *PrivateDNSZone) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	if !domainRE.MatchString(s.Domain) {
		v.errorf(r, "spec.domain", "%q is not a domain name, e.g. tencent-cloud.com", s.Domain)
	}
	if len(s.VPCs) == 0 {
		v.errorf(r, "spec.vpcs", "a zone resolves in at least one VPC: list the VPCs whose instances use the names")
	}
	v.vpcAttachments(r, "spec.vpcs", s.VPCs)
	if len(s.Remark) > MaxPrivateDNSRemarkLen {
		v.errorf(r, "spec.remark", "remark is %d characters long; at most %d", len(s.Remark), MaxPrivateDNSRemarkLen)
	}
	seen := map[string]int{}
	for i, a := range s.APIServerRecords {
		p := fmtIndex("spec.apiServerRecords", i)
		if j, dup := seen[refKey(a.ClusterRef)]; dup {
			v.errorf(r, p+".clusterRef", "cluster %s is already apiServerRecords[%d]", a.ClusterRef, j)
		}
		seen[refKey(a.ClusterRef)] = i
		c := lookup[*Cluster](v.set, KindCluster, a.ClusterRef)
		switch {
		case c != nil && c.Spec.Endpoints.Private == nil:
			v.errorf(r, p+".clusterRef", "cluster %q declares no private endpoint (endpoints.private): there is no intranet address to name", c.Metadata.Name)
		case c != nil && a.Region != "" && c.Spec.Region != a.Region:
			v.errorf(r, p+".region", "cluster %q is in region %s, not in %s", c.Metadata.Name, c.Spec.Region, a.Region)
		case c != nil && a.SubnetRef != nil && refKey(*a.SubnetRef) != refKey(c.Spec.Endpoints.Private.SubnetRef):
			v.errorf(r, p+".subnetRef", "the private endpoint of cluster %q is in subnet %s, not in %s; leave subnetRef out", c.Metadata.Name, c.Spec.Endpoints.Private.SubnetRef, *a.SubnetRef)
		case c == nil && a.ClusterRef.ID != "" && a.Region == "":
			v.errorf(r, p+".region", "set region: with the cluster referenced by ID, it is what tells where the cluster is")
		}
	}
	if s.Domain == DefaultPrivateDNSDomain && len(s.APIServerRecords) == 0 {
		v.errorf(r, "spec.apiServerRecords", "list the clusters whose API server names the zone resolves (the cloud refuses to empty a zone that resolves in VPCs)")
	}
}

// privateDNSZones reports two zones of one domain resolving in the same VPC: the
// cloud refuses it (InvalidParameter.VpcBinded).
func (v *validator) privateDNSZones() {
	bound := map[[2]string]*PrivateDNSZone{}
	for _, r := range v.set.ByKind(KindPrivateDNSZone) {
		z := r.(*PrivateDNSZone)
		for i, a := range z.Spec.VPCs {
			k := [2]string{z.Spec.Domain, refKey(a.VPCRef)}
			if prev, dup := bound[k]; dup && prev != z {
				v.errorf(z, fmtIndex("spec.vpcs", i)+".vpcRef", "VPC %s already resolves %s through zone %q; a VPC takes one zone of a domain: add the records there", a.VPCRef, z.Spec.Domain, prev.Metadata.Name)
				continue
			}
			bound[k] = z
		}
	}
}
