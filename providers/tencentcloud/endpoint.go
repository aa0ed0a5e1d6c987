package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"time"

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
	// acl is the extranet endpoint's access list, read when the spec declares one.
	acl []string
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
		// The access list comes with the endpoint (no call of its own). Declared, it is
		// compared; left out, a list narrower than TKE's open-to-all default still shows
		// (as a value tkeops no longer manages), so taking it out of git is never silent.
		acl := strs(p.ClusterExternalACL)
		declared := w != nil && w.Spec.Endpoints.Public != nil && w.Spec.Endpoints.Public.AllowedCIDRs != nil
		if declared || !slices.Equal(acl, []string{"0.0.0.0/0"}) && len(acl) > 0 {
			st.public.acl = acl
		}
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
		if status == endpointCreated {
			// It was created between the two calls: its address and subnet are not in
			// hand yet, so it counts as still on its way and the next read has them.
			status = endpointCreating
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
		live.Spec.Endpoints.Public = &spec.PublicEndpoint{SecurityGroupRef: spec.Ref{ID: st.public.sgID}, AllowedCIDRs: st.public.acl}
	}
	o.Endpoints = &providers.Endpoints{
		Private: providers.Endpoint{Status: st.private.status, Address: st.private.address},
		Public:  providers.Endpoint{Status: st.public.status, Address: st.public.address},
	}
	for _, s := range []string{st.private.status, st.public.status} {
		if s == endpointCreating || s == endpointDeleting {
			o.Settling = true
		}
	}
}

// reconcileEndpoints opens, closes or moves the endpoints the changes touch, from
// the state read now (not the plan's), so repeating it is harmless: an endpoint
// already as wanted, or on its way there, is left alone. A change whose live value
// is set and whose desired value is not (After nil) closes its endpoint whatever r
// declares: that is a plan's close step.
func (c *Client) reconcileEndpoints(ctx context.Context, r *spec.Cluster, o providers.Observation, changes []diff.Change) error {
	st, err := c.readEndpoints(ctx, o.ID, nil)
	if err != nil {
		return fmt.Errorf("endpoints: read: %w", err)
	}
	whole := hasChange(changes, "spec.endpoints") && !hasChange(changes, "spec.endpoints.private", "spec.endpoints.public")
	closes := func(path string) bool {
		return slices.ContainsFunc(changes, func(ch diff.Change) bool { return hasPath(ch.Path, path) && ch.Before != nil && ch.After == nil })
	}
	if whole || hasChange(changes, "spec.endpoints.private") {
		var want *string
		if p := r.Spec.Endpoints.Private; p != nil && !closes("spec.endpoints.private") {
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
		if p := r.Spec.Endpoints.Public; p != nil && !closes("spec.endpoints.public") {
			if p.SecurityGroupRef.ID == "" && p.SecurityGroupRef.Name != "" {
				return fmt.Errorf("endpoints: spec.endpoints.public.securityGroupRef %q is not resolved to an ID", p.SecurityGroupRef.Name)
			}
			want = &p.SecurityGroupRef.ID
		}
		if err := c.reconcileEndpoint(ctx, o.ID, true, st.public, want); err != nil {
			return err
		}
		if p := r.Spec.Endpoints.Public; want != nil && p.AllowedCIDRs != nil && hasChange(changes, "spec.endpoints.public.allowedCIDRs") {
			if err := c.setEndpointACL(ctx, o.ID, p.AllowedCIDRs); err != nil {
				return err
			}
		}
	}
	return nil
}

// setEndpointACL sets the internet endpoint's access list, once the endpoint is open
// (it may just have been opened by the same step).
func (c *Client) setEndpointACL(ctx context.Context, clusterID string, cidrs []string) error {
	err := c.waitEndpoint(ctx, clusterID, true, func(status string) (bool, error) {
		switch status {
		case endpointCreated:
			return true, nil
		case endpointCreating:
			return false, nil
		}
		return false, fmt.Errorf("the endpoint is %s", status)
	})
	if err != nil {
		return fmt.Errorf("public endpoint access list: waiting for the endpoint to open: %w", err)
	}
	req := tke.NewModifyClusterEndpointSPRequest()
	req.ClusterId, req.SecurityPolicies = common.StringPtr(clusterID), common.StringPtrs(cidrs)
	if _, err := invoke(ctx, c, "tke", "ModifyClusterEndpointSP", kindWrite, func(ctx context.Context) (*tke.ModifyClusterEndpointSPResponse, error) {
		return c.tke.ModifyClusterEndpointSPWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("public endpoint access list: %w", err)
	}
	return nil
}

// reconcileEndpoint makes one endpoint exist as want says (the subnet or security
// group ID) or not (want nil). The API cannot move the intranet endpoint to another
// subnet: it is closed, tkeops waits until it is gone, and opens it in the new one,
// all in this call, so one step does the whole move.
func (c *Client) reconcileEndpoint(ctx context.Context, clusterID string, extranet bool, have endpoint, want *string) error {
	which := "private"
	if extranet {
		which = "public"
	}
	moving := want != nil && !extranet && have.exists() && have.subnetID != *want
	switch {
	case want == nil:
		if have.exists() || have.status == "CreateFailed" || have.status == "DeletedFailed" {
			if err := c.closeEndpoint(ctx, clusterID, extranet); err != nil {
				return fmt.Errorf("close %s endpoint: %w", which, err)
			}
		}
		return nil
	case moving || have.status == endpointDeleting:
		if moving {
			c.log.Info("moving endpoint: closing it first", "cluster", clusterID, "from", have.subnetID, "to", *want)
			if err := c.closeEndpoint(ctx, clusterID, extranet); err != nil {
				return fmt.Errorf("move %s endpoint from %s to %s: close: %w", which, have.subnetID, *want, err)
			}
		}
		if err := c.waitEndpointGone(ctx, clusterID, extranet); err != nil {
			return fmt.Errorf("reopen %s endpoint: %w", which, err)
		}
		return c.openEndpoint(ctx, clusterID, extranet, *want)
	case extranet && have.exists():
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
		return nil
	case have.status == endpointNotFound || have.status == "Deleted" || have.status == "CreateFailed":
		return c.openEndpoint(ctx, clusterID, extranet, *want)
	}
	return nil // Created as wanted, or Creating: on its way
}

func (c *Client) openEndpoint(ctx context.Context, clusterID string, extranet bool, id string) error {
	req := tke.NewCreateClusterEndpointRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.IsExtranet = common.BoolPtr(extranet)
	switch {
	case !extranet:
		req.SubnetId = common.StringPtr(id)
	case id != "":
		req.SecurityGroup = common.StringPtr(id)
	}
	if _, err := invoke(ctx, c, "tke", "CreateClusterEndpoint", kindWrite, func(ctx context.Context) (*tke.CreateClusterEndpointResponse, error) {
		return c.tke.CreateClusterEndpointWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("open endpoint: %w", err)
	}
	c.log.Info("opening endpoint", "cluster", clusterID, "extranet", extranet)
	return nil
}

func (c *Client) closeEndpoint(ctx context.Context, clusterID string, extranet bool) error {
	req := tke.NewDeleteClusterEndpointRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.IsExtranet = common.BoolPtr(extranet)
	if _, err := invoke(ctx, c, "tke", "DeleteClusterEndpoint", kindWrite, func(ctx context.Context) (*tke.DeleteClusterEndpointResponse, error) {
		return c.tke.DeleteClusterEndpointWithContext(ctx, req)
	}); err != nil && !IsNotFound(err) {
		return err
	}
	c.log.Info("closing endpoint", "cluster", clusterID, "extranet", extranet)
	return nil
}

// endpointMoveTimeout bounds the wait for a closed endpoint to be gone before it is
// opened again (terraform waits 10 × its read timeout for the same).
const endpointMoveTimeout = 10 * time.Minute

// waitEndpointGone polls DescribeClusterEndpointStatus until the endpoint is gone.
func (c *Client) waitEndpointGone(ctx context.Context, clusterID string, extranet bool) error {
	err := c.waitEndpoint(ctx, clusterID, extranet, func(status string) (bool, error) {
		switch status {
		case endpointNotFound, "Deleted":
			return true, nil
		case endpointDeleting:
			return false, nil
		}
		return false, fmt.Errorf("it is %s", status)
	})
	if err != nil {
		return fmt.Errorf("wait for the closed endpoint to go: %w", err)
	}
	return nil
}

// waitEndpoint polls DescribeClusterEndpointStatus, backing off, until done says the
// status is the one awaited (or fails), for at most endpointMoveTimeout.
func (c *Client) waitEndpoint(ctx context.Context, clusterID string, extranet bool, done func(status string) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, endpointMoveTimeout)
	defer cancel()
	delay := 250 * time.Millisecond
	for {
		status, err := c.endpointStatus(ctx, clusterID, extranet)
		if err != nil {
			return err
		}
		if ok, err := done(status); ok || err != nil {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("still %s: %w", status, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, 5*time.Second)
	}
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
