package spec

// VPC is a Tencent Cloud virtual private cloud.
type VPC struct {
	Object `json:",inline"`
	Spec   VPCSpec `json:"spec"`
}

// VPCSpec is the desired state of a VPC.
type VPCSpec struct {
	// Region, e.g. ap-guangzhou. Fixed at creation.
	Region string `json:"region"`
	// CIDRBlock of the VPC: 10.0.0.0/12-28, 172.16.0.0/12-28 or 192.168.0.0/16-28. Fixed at creation.
	CIDRBlock string `json:"cidrBlock"`
	// DNSServers for instances in the VPC: 1–4 IPv4 addresses. Empty keeps the cloud's
	// default (183.60.83.19, 183.60.82.98).
	DNSServers []string `json:"dnsServers,omitempty"`
	// EnableMulticast turns on multicast in the VPC (default off).
	EnableMulticast *bool `json:"enableMulticast,omitempty"`
	// Tags put on the VPC in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Refs implements Resource.
func (v *VPC) Refs() []RefField { return nil }

// GetDeletionPolicy implements Resource.
func (v *VPC) GetDeletionPolicy() DeletionPolicy { return v.Spec.DeletionPolicy }

// GetTags implements Resource.
func (v *VPC) GetTags() map[string]string { return v.Spec.Tags }

// Subnet is a subnet of a VPC in one availability zone.
type Subnet struct {
	Object `json:",inline"`
	Spec   SubnetSpec `json:"spec"`
}

// SubnetSpec is the desired state of a Subnet.
type SubnetSpec struct {
	// VPCRef is the VPC the subnet belongs to. Fixed at creation.
	VPCRef Ref `json:"vpcRef"`
	// Zone, e.g. ap-guangzhou-3. The region is the zone without its last part. Fixed at creation.
	Zone string `json:"zone"`
	// CIDRBlock inside the VPC's CIDR block, mask /16–/28; subnets of a VPC must not
	// overlap. Fixed at creation.
	CIDRBlock string `json:"cidrBlock"`
	// EnableBroadcast turns on broadcast in the subnet (default off).
	EnableBroadcast *bool `json:"enableBroadcast,omitempty"`
	// Tags put on the subnet in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Refs implements Resource.
func (s *Subnet) Refs() []RefField {
	return []RefField{{Path: "spec.vpcRef", Kind: KindVPC, Ref: &s.Spec.VPCRef}}
}

// GetDeletionPolicy implements Resource.
func (s *Subnet) GetDeletionPolicy() DeletionPolicy { return s.Spec.DeletionPolicy }

// GetTags implements Resource.
func (s *Subnet) GetTags() map[string]string { return s.Spec.Tags }

// SecurityGroup is a regional security group with its ingress and egress rules.
// tkeops manages the full rule set: rules not declared are removed.
type SecurityGroup struct {
	Object `json:",inline"`
	Spec   SecurityGroupSpec `json:"spec"`
}

// SecurityGroupSpec is the desired state of a SecurityGroup.
type SecurityGroupSpec struct {
	// Region, e.g. ap-guangzhou. Fixed at creation.
	Region string `json:"region"`
	// Description shown in the console; at most 100 characters.
	Description string `json:"description,omitempty"`
	// Ingress rules, evaluated in order.
	Ingress []SecurityGroupRule `json:"ingress,omitempty"`
	// Egress rules, evaluated in order.
	Egress []SecurityGroupRule `json:"egress,omitempty"`
	// Tags put on the group in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// SecurityGroupRule is one rule. Exactly one of CIDRBlock and SecurityGroupRef is set.
type SecurityGroupRule struct {
	// Protocol: TCP, UDP, ICMP, GRE or ALL. (ICMPv6 needs IPv6 addresses, which
	// tkeops does not model.)
	Protocol string `json:"protocol"`
	// Port: a single port ("443"), a range ("30000-32768"), a list ("80,443") or ALL.
	// Required for TCP and UDP; must be ALL (the default) for ICMP, GRE and ALL.
	Port string `json:"port,omitempty"`
	// CIDRBlock the rule matches (IPv4).
	CIDRBlock string `json:"cidrBlock,omitempty"`
	// SecurityGroupRef: the rule matches instances in that security group.
	SecurityGroupRef *Ref `json:"securityGroupRef,omitempty"`
	// Action: ACCEPT or DROP.
	Action string `json:"action"`
	// Description of the rule; at most 100 characters.
	Description string `json:"description,omitempty"`
}

// Refs implements Resource.
func (g *SecurityGroup) Refs() []RefField {
	var out []RefField
	add := func(dir string, rules []SecurityGroupRule) {
		for i := range rules {
			if rules[i].SecurityGroupRef != nil {
				out = append(out, RefField{
					Path: fmtIndex("spec."+dir, i) + ".securityGroupRef",
					Kind: KindSecurityGroup, Ref: rules[i].SecurityGroupRef,
				})
			}
		}
	}
	add("ingress", g.Spec.Ingress)
	add("egress", g.Spec.Egress)
	return out
}

// GetDeletionPolicy implements Resource.
func (g *SecurityGroup) GetDeletionPolicy() DeletionPolicy { return g.Spec.DeletionPolicy }

// GetTags implements Resource.
func (g *SecurityGroup) GetTags() map[string]string { return g.Spec.Tags }
