package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// The access endpoints of a TKE cluster (kept in its record) and its kubeconfig.

// Endpoint statuses (DescribeClusterEndpointStatus.Status).
const (
	endpointCreating = "Creating"
	endpointCreated  = "Created"
	endpointDeleting = "Deleting"
	endpointNotFound = "NotFound"
)

type endpointRec struct {
	Status        string    `json:"status"`
	Until         time.Time `json:"until"`
	SubnetID      string    `json:"subnetId,omitempty"`
	SecurityGroup string    `json:"securityGroup,omitempty"`
	Domain        string    `json:"domain,omitempty"`
	Address       string    `json:"address"`
	// ACL is the internet endpoint's access list (ModifyClusterEndpointSP
	// SecurityPolicies); nil: open to all (0.0.0.0/0) as when it was opened.
	ACL []string `json:"acl,omitempty"`
}

// acl is the endpoint's access list as DescribeClusterEndpoints shows it.
func (ep *endpointRec) acl() []*string {
	if ep.ACL == nil {
		return []*string{ptr("0.0.0.0/0")}
	}
	out := []*string{}
	for _, a := range ep.ACL {
		out = append(out, ptr(a))
	}
	return out
}

func endpointKey(extranet bool) string {
	if extranet {
		return "extranet"
	}
	return "intranet"
}

// clusterEndpointModule serves cluster endpoints and the kubeconfig.
func clusterEndpointModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"DescribeClusterKubeconfig", op(tke.NewDescribeClusterKubeconfigRequest, describeClusterKubeconfig)},
			{"CreateClusterEndpoint", op(tke.NewCreateClusterEndpointRequest, createClusterEndpoint)},
			{"DescribeClusterEndpointStatus", op(tke.NewDescribeClusterEndpointStatusRequest, describeClusterEndpointStatus)},
			{"DescribeClusterEndpoints", op(tke.NewDescribeClusterEndpointsRequest, describeClusterEndpoints)},
			{"DeleteClusterEndpoint", op(tke.NewDeleteClusterEndpointRequest, deleteClusterEndpoint)},
			{"ModifyClusterEndpointSP", op(tke.NewModifyClusterEndpointSPRequest, modifyClusterEndpointSP)},
		},
		advance: advanceEndpoints,
	}
}

// advanceEndpoints finishes due endpoint transitions: Creating → Created, Deleting → gone.
func advanceEndpoints(_ *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
	changed := false
	for _, cl := range sortedValues(clusterTable.in(rs)) {
		for key, ep := range cl.Endpoints {
			if now.Before(ep.Until) {
				continue
			}
			switch ep.Status {
			case endpointCreating:
				ep.Status, changed = endpointCreated, true
			case endpointDeleting:
				delete(cl.Endpoints, key)
				changed = true
			}
		}
	}
	return nil, changed
}

func clusterDomain(id string) string { return id + ".ccs.tencent-cloud.com" }

func createClusterEndpoint(c *call, req *tke.CreateClusterEndpointRequest) (*tke.CreateClusterEndpointResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(r); aerr != nil {
		return nil, aerr
	}
	extranet := deref(req.IsExtranet)
	key := endpointKey(extranet)
	if ep, ok := r.Endpoints[key]; ok {
		return nil, apiErr(codeResourceInUse, "The %s endpoint of cluster `%s` is already %s.", key, r.ID, ep.Status)
	}
	ep := &endpointRec{Status: endpointCreating, Until: c.now.Add(c.e.timing.EndpointCreate), Domain: deref(req.Domain)}
	if extranet {
		if sg := deref(req.SecurityGroup); sg != "" {
			if _, ok := sgTable.in(rs)[sg]; !ok {
				return nil, apiErr(codeResourceNotFound, "The security group `%s` does not exist.", sg)
			}
			ep.SecurityGroup = sg
		}
		if p := deref(req.ExtensiveParameters); p != "" && !json.Valid([]byte(p)) {
			return nil, apiErr(codeInvalidParameter, "ExtensiveParameters is not valid JSON.")
		}
		ep.Address = fmt.Sprintf("119.28.%d.%d", 1+len(r.ID)%200, 10+int(r.Seq%200))
	} else {
		if req.SubnetId == nil || *req.SubnetId == "" {
			return nil, missing("SubnetId")
		}
		s, ok := subnetOf(rs, *req.SubnetId)
		if !ok || s.VpcID != r.VpcID {
			return nil, apiErr(codeInvalidParameter, "The subnet `%s` is not a subnet of the cluster VPC `%s`.", *req.SubnetId, r.VpcID)
		}
		ep.SubnetID = s.ID
		ep.Address = nthHost(s.CIDR, 250%(1<<(32-mustBits(s.CIDR))-3))
	}
	r.Endpoints[key] = ep
	return &tke.CreateClusterEndpointResponseParams{}, nil
}

func mustBits(cidr string) int {
	p, _ := parsePrefix(cidr)
	return p.Bits()
}

func describeClusterEndpointStatus(c *call, req *tke.DescribeClusterEndpointStatusRequest) (*tke.DescribeClusterEndpointStatusResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	status := endpointNotFound
	if ep, ok := r.Endpoints[endpointKey(deref(req.IsExtranet))]; ok {
		status = ep.Status
	}
	return &tke.DescribeClusterEndpointStatusResponseParams{Status: ptr(status), ErrorMsg: ptr("")}, nil
}

func deleteClusterEndpoint(c *call, req *tke.DeleteClusterEndpointRequest) (*tke.DeleteClusterEndpointResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, "InternalError.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	key := endpointKey(deref(req.IsExtranet))
	ep, ok := r.Endpoints[key]
	if !ok {
		return nil, apiErr(codeResourceNotFound, "Cluster `%s` has no %s endpoint.", r.ID, key)
	}
	if ep.Status == endpointCreating {
		return nil, apiErr(codeResourceInUse, "The %s endpoint of cluster `%s` is still being created.", key, r.ID)
	}
	if ep.Status != endpointDeleting {
		ep.Status, ep.Until = endpointDeleting, c.now.Add(c.e.timing.EndpointDelete)
	}
	return &tke.DeleteClusterEndpointResponseParams{}, nil
}

func describeClusterEndpoints(c *call, req *tke.DescribeClusterEndpointsRequest) (*tke.DescribeClusterEndpointsResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	resp := &tke.DescribeClusterEndpointsResponseParams{
		CertificationAuthority: ptr(fakeCA(r.ID)), ClusterExternalEndpoint: ptr(""), ClusterIntranetEndpoint: ptr(""),
		ClusterDomain: ptr(clusterDomain(r.ID)), ClusterExternalACL: []*string{}, ClusterExternalDomain: ptr(""),
		ClusterIntranetDomain: ptr(""), SecurityGroup: ptr(""), ClusterIntranetSubnetId: ptr(""), IntranetSecurityGroup: ptr(""),
	}
	if ep, ok := r.Endpoints["extranet"]; ok && ep.Status == endpointCreated {
		resp.ClusterExternalEndpoint = ptr(ep.Address)
		resp.ClusterExternalDomain = ptr(orDefault(ep.Domain, clusterDomain(r.ID)))
		resp.SecurityGroup = ptr(ep.SecurityGroup)
		resp.ClusterExternalACL = ep.acl()
	}
	if ep, ok := r.Endpoints["intranet"]; ok && ep.Status == endpointCreated {
		resp.ClusterIntranetEndpoint = ptr(ep.Address)
		resp.ClusterIntranetDomain = ptr(orDefault(ep.Domain, clusterDomain(r.ID)))
		resp.ClusterIntranetSubnetId = ptr(ep.SubnetID)
	}
	return resp, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func fakeCA(clusterID string) string {
	body := base64.StdEncoding.EncodeToString([]byte("tkeops emulator CA for " + clusterID))
	return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n"
}

func describeClusterKubeconfig(c *call, req *tke.DescribeClusterKubeconfigRequest) (*tke.DescribeClusterKubeconfigResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	if r.Status == clusterCreating || r.Status == clusterDeleting {
		return nil, apiErr("ResourceUnavailable.ClusterInAbnormalStat", "Cluster `%s` is %s.", r.ID, r.Status)
	}
	extranet := deref(req.IsExtranet)
	if b := c.e.backend; b != nil {
		id := r.ID
		c.deferred = func(ctx context.Context) (any, error) {
			kc, err := b.Kubeconfig(ctx, id, extranet)
			if err != nil {
				return nil, apiErr("FailedOperation.KubeCommon", "Fetching the kubeconfig of cluster `%s` failed: %v", id, err)
			}
			return &tke.DescribeClusterKubeconfigResponseParams{Kubeconfig: ptr(kc)}, nil
		}
		return nil, nil
	}
	return &tke.DescribeClusterKubeconfigResponseParams{Kubeconfig: ptr(clusterKubeconfig(r, extranet))}, nil
}

func modifyClusterEndpointSP(c *call, req *tke.ModifyClusterEndpointSPRequest) (*tke.ModifyClusterEndpointSPResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	ep, ok := r.Endpoints[endpointKey(true)]
	if !ok || ep.Status != endpointCreated {
		return nil, apiErr("ResourceUnavailable", "The internet endpoint of cluster `%s` is not open.", r.ID)
	}
	if sg := deref(req.SecurityGroup); sg != "" {
		if _, ok := sgTable.in(rs)[sg]; !ok {
			return nil, apiErr(codeResourceNotFound, "The security group `%s` does not exist.", sg)
		}
		ep.SecurityGroup = sg
	}
	if req.SecurityPolicies != nil {
		acl := []string{}
		for _, p := range derefs(req.SecurityPolicies) {
			if !validIPOrCIDR(p) {
				return nil, apiErr("InvalidParameter.Param", "SecurityPolicies: `%s` is not an IP address or CIDR block.", p)
			}
			acl = append(acl, p)
		}
		ep.ACL = acl
	}
	return &tke.ModifyClusterEndpointSPResponseParams{}, nil
}

// clusterKubeconfig is the kubeconfig of a cluster without a backend: its endpoint's
// address when that is open, else the cluster domain.
func clusterKubeconfig(r *clusterRec, extranet bool) string {
	server := "https://" + clusterDomain(r.ID)
	if ep, ok := r.Endpoints[endpointKey(extranet)]; ok && ep.Status == endpointCreated {
		server = "https://" + ep.Address
	}
	return fmt.Sprintf(`apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: %s
    server: %s
  name: %s
contexts:
- context:
    cluster: %s
    user: %s-admin
  name: %s-context-default
current-context: %s-context-default
kind: Config
preferences: {}
users:
- name: %s-admin
  user:
    token: emulator-%s
`, base64.StdEncoding.EncodeToString([]byte(fakeCA(r.ID))), server, r.ID, r.ID, r.ID, r.ID, r.ID, r.ID, r.ID)
}

// staticKubeconfig is the kubeconfig DescribeClusterSecurity embeds (the intranet one).
func staticKubeconfig(r *clusterRec) string { return clusterKubeconfig(r, false) }
