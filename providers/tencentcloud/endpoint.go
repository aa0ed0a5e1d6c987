package tencentcloud

import (
	"context"
	"fmt"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Endpoint statuses of DescribeClusterEndpointStatus that mean an operation is in flight.
const (
	endpointCreated  = "Created"
	endpointCreating = "Creating"
	endpointDeleting = "Deleting"
	endpointNotFound = "NotFound"
)

// endpoint is the observed state of one API server endpoint.
type endpoint struct {
	status   string // Created, Creating, Deleting, NotFound, CreateFailed, …
	address  string
	subnetID string // intranet
	sgID     string // extranet
}

func (e endpoint) exists() bool { return e.status == endpointCreated }

// endpointState is the observed state of both endpoints of a cluster.
type endpointState struct {
	private, public endpoint
}

// readEndpoints reads the endpoints of one cluster: DescribeClusterEndpoints (one
// call) answers for those that exist; DescribeClusterEndpointStatus is asked only
// for an endpoint w declares that is not there yet, to tell "Creating" from
// "NotFound". w nil means check both that way.
func (c *Client) readEndpoints(ctx context.Context, clusterID string, w *spec.Cluster) (*endpointState, error) {
	req := tke.NewDescribeClusterEndpointsRequest()
	req.ClusterId = common.StringPtr(clusterID)
	resp, err := invoke(ctx, c, "tke", "DescribeClusterEndpoints", kindRead, func(ctx context.Context) (*tke.DescribeClusterEndpointsResponse, error) {
		return c.tke.DescribeClusterEndpointsWithContext(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	p := resp.Response
	st := &endpointState{
		private: endpoint{status: endpointNotFound},
		public:  endpoint{status: endpointNotFound},
	}
	if a := sv(p.ClusterIntranetEndpoint); a != "" {
		st.private = endpoint{status: endpointCreated, address: a, subnetID: sv(p.ClusterIntranetSubnetId)}
	}
	if a := sv(p.ClusterExternalEndpoint); a != "" {
		st.public = endpoint{status: endpointCreated, address: a, sgID: sv(p.SecurityGroup)}
	}
	for _, x := range []struct {
		extranet bool
		ep       *endpoint
		declared bool
	}{
		{false, &st.private, w == nil || w.Spec.Endpoints.Private != nil},
		{true, &st.public, w == nil || w.Spec.Endpoints.Public != nil},
	} {
		if x.ep.exists() || !x.declared {
			continue
		}
		status, err := c.endpointStatus(ctx, clusterID, x.extranet)
		if err != nil {
			return nil, err
		}
		x.ep.status = status
	}
	return st, nil
}

func (c *Client) endpointStatus(ctx context.Context, clusterID string, extranet bool) (string, error) {
	req := tke.NewDescribeClusterEndpointStatusRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.IsExtranet = common.BoolPtr(extranet)
	resp, err := invoke(ctx, c, "tke", "DescribeClusterEndpointStatus", kindRead, func(ctx context.Context) (*tke.DescribeClusterEndpointStatusResponse, error) {
		return c.tke.DescribeClusterEndpointStatusWithContext(ctx, req)
	})
	if err != nil {
		return "", err
	}
	s := sv(resp.Response.Status)
	if s == "" {
		s = endpointNotFound
	}
	return s, nil
}

// apply puts the endpoints into a live cluster and its observation.
func (st *endpointState) apply(live *spec.Cluster, o *providers.Observation) {
	if st.private.exists() {
		live.Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: spec.Ref{ID: st.private.subnetID}}
	}
	if st.public.exists() {
		live.Spec.Endpoints.Public = &spec.PublicEndpoint{SecurityGroupRef: spec.Ref{ID: st.public.sgID}}
	}
	o.Endpoints = providers.Endpoints{
		Private: providers.Endpoint{Status: st.private.status, Address: st.private.address},
		Public:  providers.Endpoint{Status: st.public.status, Address: st.public.address},
	}
	for _, s := range []string{st.private.status, st.public.status} {
		if s == endpointCreating || s == endpointDeleting {
			o.Settling = true
		}
	}
}

// reconcileEndpoints creates or deletes the endpoints the changes touch, from the
// state read now (not the plan's), so repeating it is harmless: an endpoint that is
// already there or on its way is left alone.
func (c *Client) reconcileEndpoints(ctx context.Context, r *spec.Cluster, o providers.Observation, changes []diff.Change) error {
	st, err := c.readEndpoints(ctx, o.ID, nil)
	if err != nil {
		return fmt.Errorf("endpoints: read: %w", err)
	}
	whole := hasChange(changes, "spec.endpoints") && !hasChange(changes, "spec.endpoints.private", "spec.endpoints.public")
	if whole || hasChange(changes, "spec.endpoints.private") {
		var want *string
		if p := r.Spec.Endpoints.Private; p != nil {
			if p.SubnetRef.ID == "" {
				return fmt.Errorf("endpoints: spec.endpoints.private.subnetRef %q is not resolved to an ID", p.SubnetRef.Name)
			}
			want = &p.SubnetRef.ID
		}
		if err := c.reconcileEndpoint(ctx, o.ID, false, st.private, want); err != nil {
			return err
		}
	}
	if whole || hasChange(changes, "spec.endpoints.public") {
		var want *string
		if p := r.Spec.Endpoints.Public; p != nil {
			if p.SecurityGroupRef.ID == "" && p.SecurityGroupRef.Name != "" {
				return fmt.Errorf("endpoints: spec.endpoints.public.securityGroupRef %q is not resolved to an ID", p.SecurityGroupRef.Name)
			}
			want = &p.SecurityGroupRef.ID
		}
		if err := c.reconcileEndpoint(ctx, o.ID, true, st.public, want); err != nil {
			return err
		}
	}
	return nil
}

// reconcileEndpoint makes one endpoint exist (want non-nil: the subnet or security
// group ID) or not (want nil).
func (c *Client) reconcileEndpoint(ctx context.Context, clusterID string, extranet bool, have endpoint, want *string) error {
	which := "private"
	if extranet {
		which = "public"
	}
	switch {
	case want == nil && (have.exists() || have.status == "CreateFailed" || have.status == "DeletedFailed"):
		req := tke.NewDeleteClusterEndpointRequest()
		req.ClusterId = common.StringPtr(clusterID)
		req.IsExtranet = common.BoolPtr(extranet)
		if _, err := invoke(ctx, c, "tke", "DeleteClusterEndpoint", kindWrite, func(ctx context.Context) (*tke.DeleteClusterEndpointResponse, error) {
			return c.tke.DeleteClusterEndpointWithContext(ctx, req)
		}); err != nil && !IsNotFound(err) {
			return fmt.Errorf("delete %s endpoint: %w", which, err)
		}
		c.log.Info("deleting endpoint", "cluster", clusterID, "endpoint", which)
	case want != nil && have.exists() && extranet:
		if *want != "" && have.sgID != *want {
			// Only the security group changes: the endpoint stays open.
			req := tke.NewModifyClusterEndpointSPRequest()
			req.ClusterId = common.StringPtr(clusterID)
			req.SecurityGroup = common.StringPtr(*want)
			if _, err := invoke(ctx, c, "tke", "ModifyClusterEndpointSP", kindWrite, func(ctx context.Context) (*tke.ModifyClusterEndpointSPResponse, error) {
				return c.tke.ModifyClusterEndpointSPWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("public endpoint security group: %w", err)
			}
		}
	case want != nil && have.exists():
		if have.subnetID != *want {
			// Moving the intranet endpoint means closing and reopening it. Closing is
			// asynchronous: the observation settles (Deleting), and the next plan, which
			// finds the endpoint missing, reopens it in the new subnet.
			req := tke.NewDeleteClusterEndpointRequest()
			req.ClusterId = common.StringPtr(clusterID)
			req.IsExtranet = common.BoolPtr(false)
			if _, err := invoke(ctx, c, "tke", "DeleteClusterEndpoint", kindWrite, func(ctx context.Context) (*tke.DeleteClusterEndpointResponse, error) {
				return c.tke.DeleteClusterEndpointWithContext(ctx, req)
			}); err != nil && !IsNotFound(err) {
				return fmt.Errorf("close private endpoint to move it from %s to %s: %w", have.subnetID, *want, err)
			}
			c.log.Info("closing endpoint to move it; it reopens on the next apply", "cluster", clusterID, "from", have.subnetID, "to", *want)
		}
	case want != nil && (have.status == endpointNotFound || have.status == "Deleted" || have.status == "CreateFailed"):
		req := tke.NewCreateClusterEndpointRequest()
		req.ClusterId = common.StringPtr(clusterID)
		req.IsExtranet = common.BoolPtr(extranet)
		if extranet {
			if *want != "" {
				req.SecurityGroup = common.StringPtr(*want)
			}
		} else {
			req.SubnetId = common.StringPtr(*want)
		}
		if _, err := invoke(ctx, c, "tke", "CreateClusterEndpoint", kindWrite, func(ctx context.Context) (*tke.CreateClusterEndpointResponse, error) {
			return c.tke.CreateClusterEndpointWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("create %s endpoint: %w", which, err)
		}
		c.log.Info("creating endpoint", "cluster", clusterID, "endpoint", which)
	}
	// Creating / Deleting: already on its way.
	return nil
}

// decidePrivateEndpoint names the action of a change of the intranet endpoint:
// opening it, closing it, or moving it (closed in the old subnet, then opened in the
// new one: the API cannot move it).
func decidePrivateEndpoint(before, after any) (spec.Class, string, string) {
	switch {
	case before == nil:
		return spec.ClassInPlace, "tke:CreateClusterEndpoint", "Opens the intranet endpoint in the subnet (once the cluster has nodes)."
	case after == nil:
		return spec.ClassInPlace, "tke:DeleteClusterEndpoint", "Closes the intranet endpoint."
	}
	return spec.ClassInPlace, "tke:CreateClusterEndpoint", "The API cannot move the intranet endpoint: tkeops closes it (tke:DeleteClusterEndpoint), " +
		"waits until it is gone and opens it in the new subnet (tke:CreateClusterEndpoint); it is unreachable in between."
}

// decidePublicEndpoint names the action of a change of the internet endpoint:
// opening it, closing it, or giving it another security group in place.
func decidePublicEndpoint(before, after any) (spec.Class, string, string) {
	switch {
	case before == nil:
		return spec.ClassInPlace, "tke:CreateClusterEndpoint", "Opens the internet endpoint."
	case after == nil:
		return spec.ClassInPlace, "tke:DeleteClusterEndpoint", "Closes the internet endpoint."
	}
	return spec.ClassInPlace, "tke:ModifyClusterEndpointSP", "Sets the endpoint's security group; the endpoint stays open."
}
