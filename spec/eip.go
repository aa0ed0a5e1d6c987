package spec

import (
	"strings"
	"time"
)

// KindEIP is an elastic public IP address.
const KindEIP Kind = "EIP"

// EIP is an elastic public IP address of a region, for a NAT gateway's egress (see
// NatGateway.spec.eipRefs). tkeops allocates it, keeps its bandwidth and charge type
// as declared, and releases it once nothing uses it.
type EIP struct {
	Object `json:",inline"`
	Spec   EIPSpec `json:"spec"`
}

// EIPSpec is the desired state of an EIP.
type EIPSpec struct {
	// Region, e.g. ap-guangzhou. Fixed at allocation.
	Region string `json:"region" tkeops:"lower"`
	// InternetChargeType: TRAFFIC_POSTPAID_BY_HOUR (default, billed by traffic) or
	// BANDWIDTH_POSTPAID_BY_HOUR (billed by bandwidth). The cloud lets an address change
	// its charge type twice in its life.
	InternetChargeType string `json:"internetChargeType,omitempty" tkeops:"upper"`
	// BandwidthOutMbps caps the outbound bandwidth: 1–100 Mbps (default 1).
	BandwidthOutMbps int `json:"bandwidthOutMbps,omitempty"`
	// InternetServiceProvider is the line: BGP (default), or CMCC, CTCC, CUCC where the
	// account may use static single-line addresses. Fixed at allocation.
	InternetServiceProvider string `json:"internetServiceProvider,omitempty" tkeops:"upper"`
	// DeletionProtection makes tkeops refuse to release the address (recorded in the
	// tkeops.io/deletion-protection tag: this API version has no switch of its own).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the address in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Enumerations and limits of EIPs (vpc:AllocateAddresses).
var (
	eipChargeTypes = []string{"TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR"}
	eipProviders   = []string{"BGP", "CMCC", "CTCC", "CUCC"}
)

// Defaults of EIPs: the API's own.
const (
	DefaultEIPChargeType   = "TRAFFIC_POSTPAID_BY_HOUR"
	DefaultEIPBandwidth    = 1
	DefaultEIPProvider     = "BGP"
	MaxEIPBandwidthOutMbps = 100
)

// Refs implements Resource.
func (e *EIP) Refs() []RefField { return nil }

// GetDeletionPolicy implements Resource.
func (e *EIP) GetDeletionPolicy() DeletionPolicy { return e.Spec.DeletionPolicy }

// GetTags implements Resource.
func (e *EIP) GetTags() map[string]string { return e.Spec.Tags }

// DeletionProtectedByTag reports whether the address is protected from deletion; the
// provider records it in a tag.
func (e *EIP) DeletionProtectedByTag() bool {
	return e.Spec.DeletionProtection != nil && *e.Spec.DeletionProtection
}

func eipKind() KindInfo {
	return kindOf(KindInfo{Kind: KindEIP, IDPrefix: "eip", Timeout: 2 * time.Minute},
		func(r *EIP) {
			s := &r.Spec
			setDefault(&s.InternetChargeType, DefaultEIPChargeType)
			setDefault(&s.BandwidthOutMbps, DefaultEIPBandwidth)
			setDefault(&s.InternetServiceProvider, DefaultEIPProvider)
			setDefaultPtr(&s.DeletionProtection, false)
			setDefault(&s.DeletionPolicy, DeletionPolicyDelete)
		},
		(*validator).eip,
		func(r *EIP, _ *Set) string { return r.Spec.Region })
}

func (v *validator) eip(r *EIP) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	switch s.InternetChargeType {
	case "BANDWIDTH_PREPAID_BY_MONTH", "BANDWIDTH_PACKAGE":
		v.errorf(r, "spec.internetChargeType", "%s needs a prepaid period or a bandwidth package, which tkeops does not manage; use %s", s.InternetChargeType, strings.Join(eipChargeTypes, " or "))
	default:
		v.enum(r, "spec.internetChargeType", s.InternetChargeType, eipChargeTypes)
	}
	if s.BandwidthOutMbps < 1 || s.BandwidthOutMbps > MaxEIPBandwidthOutMbps {
		v.errorf(r, "spec.bandwidthOutMbps", "%d Mbps: an address billed by the hour takes 1 to %d", s.BandwidthOutMbps, MaxEIPBandwidthOutMbps)
	}
	v.enum(r, "spec.internetServiceProvider", s.InternetServiceProvider, eipProviders)
}
