package spec

import "time"

// KindCCN is a Cloud Connect Network: one private network joining VPCs of any region.
const KindCCN Kind = "CCN"

// CCN is a Cloud Connect Network with the VPCs attached to it. Attached VPCs learn
// each other's subnets from the CCN; a cluster's container CIDR is reached through a
// route to the CCN (a RouteTable's peerRoutes with ccnRef plans them from the specs).
// A CCN has no region: tkeops manages it from the region the document names. The
// CIDR blocks and container CIDRs of the attached VPCs must not overlap.
type CCN struct {
	Object `json:",inline"`
	Spec   CCNSpec `json:"spec"`
}

// CCNSpec is the desired state of a CCN.
type CCNSpec struct {
	// Region tkeops manages the CCN from (its API calls and its tags live there); the
	// CCN itself spans every region. Fixed at creation.
	Region string `json:"region" tkeops:"lower"`
	// Description of the CCN; at most 100 characters.
	Description string `json:"description,omitempty" tkeops:"absent=clear"`
	// QosLevel is the service class: PT (platinum), AU (gold, default) or AG (silver).
	// Fixed at creation.
	QosLevel string `json:"qosLevel,omitempty" tkeops:"upper"`
	// Attachments are the VPCs attached to the CCN, of any region of this account.
	Attachments []VPCAttachment `json:"attachments,omitempty" tkeops:"set,absent=clear"`
	// DeletionProtection makes tkeops refuse to delete the CCN (recorded in the
	// tkeops.io/deletion-protection tag: the API has no switch of its own).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the CCN in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// VPCAttachment is a VPC of any region that a regionless resource (a CCN, a private DNS
// zone) takes in.
type VPCAttachment struct {
	// VPCRef is the VPC.
	VPCRef Ref `json:"vpcRef"`
	// Region of the VPC; tkeops takes it from the VPC's document.
	Region string `json:"region,omitempty" tkeops:"lower,absent=keep"`
}

// MaxCCNDescriptionLen is the longest CCN description the API takes.
const MaxCCNDescriptionLen = 100

// Refs implements Resource.
func (c *CCN) Refs() []RefField {
	out := make([]RefField, 0, len(c.Spec.Attachments))
	for i := range c.Spec.Attachments {
		out = append(out, RefField{Path: fmtIndex("spec.attachments", i) + ".vpcRef", Kind: KindVPC, Ref: &c.Spec.Attachments[i].VPCRef})
	}
	return out
}

// GetDeletionPolicy implements Resource.
func (c *CCN) GetDeletionPolicy() DeletionPolicy { return c.Spec.DeletionPolicy }

// GetTags implements Resource.
func (c *CCN) GetTags() map[string]string { return c.Spec.Tags }

// DeletionProtectedByTag reports whether the CCN is protected from deletion; the
// provider records it in a tag.
func (c *CCN) DeletionProtectedByTag() bool {
	return c.Spec.DeletionProtection != nil && *c.Spec.DeletionProtection
}

// HomeRegion is the region tkeops manages the CCN from: the API lists a CCN in every
// region, and only this one's plans may take it for theirs.
func (c *CCN) HomeRegion() string { return c.Spec.Region }

// Attached reports whether vpc is attached to the CCN.
func (c *CCN) Attached(vpc Ref) bool {
	for _, a := range c.Spec.Attachments {
		if refKey(a.VPCRef) == refKey(vpc) {
			return true
		}
	}
	return false
}

func ccnKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindCCN, IDPrefix: "ccn", Timeout: 5 * time.Minute},
		func(r *CCN) {
			setDefault(&r.Spec.QosLevel, DefaultQosLevel)
			setDefaultPtr(&r.Spec.DeletionProtection, false)
			setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
		},
		(*validator).ccn,
		func(r *CCN, _ *Set) string { return r.Spec.Region })
	info.derive = func(r Resource, s *Set) { deriveVPCRegions(r.(*CCN).Spec.Attachments, s) }
	info.validateSet = func(v *validator) {
		for _, r := range v.set.ByKind(KindCCN) {
			c := r.(*CCN)
			var vpcs []Ref
			for _, a := range c.Spec.Attachments {
				vpcs = append(vpcs, a.VPCRef)
			}
			v.disjointNetworks(c, "spec.attachments", vpcs)
		}
	}
	info.schema = []schemaRule{{"CCNSpec", "qosLevel", enum(qosLevels)}}
	return info
}

func (v *validator) ccn(r *CCN) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	if len(s.Description) > MaxCCNDescriptionLen {
		v.errorf(r, "spec.description", "description is %d characters long; at most %d", len(s.Description), MaxCCNDescriptionLen)
	}
	v.enum(r, "spec.qosLevel", s.QosLevel, qosLevels)
	v.vpcAttachments(r, "spec.attachments", s.Attachments)
}

// deriveVPCRegions fills in the region of each VPC the set declares.
func deriveVPCRegions(atts []VPCAttachment, s *Set) {
	for i := range atts {
		a := &atts[i]
		if v := lookup[*VPC](s, KindVPC, a.VPCRef); v != nil && a.Region == "" {
			a.Region = v.Spec.Region
		}
	}
}

// vpcAttachments checks a list of VPCs of any region: each once, each with a region.
func (v *validator) vpcAttachments(r Resource, path string, atts []VPCAttachment) {
	seen := map[string]int{}
	for i, a := range atts {
		p := fmtIndex(path, i)
		if j, dup := seen[refKey(a.VPCRef)]; dup && !a.VPCRef.IsZero() {
			v.errorf(r, p+".vpcRef", "VPC %s is already %s[%d]; a VPC is listed once", a.VPCRef, lastElem(path), j)
		}
		seen[refKey(a.VPCRef)] = i
		vpc := lookup[*VPC](v.set, KindVPC, a.VPCRef)
		switch {
		case a.Region != "" && vpc != nil && vpc.Spec.Region != a.Region:
			v.errorf(r, p+".region", "VPC %q is in region %s, not in %s", vpc.Metadata.Name, vpc.Spec.Region, a.Region)
		case a.Region != "":
			v.check(r, p+".region", checkRegion(a.Region))
		case vpc == nil && a.VPCRef.ID != "":
			v.errorf(r, p+".region", "set region: with the VPC referenced by ID, it is what tells where the VPC is")
		}
	}
}
