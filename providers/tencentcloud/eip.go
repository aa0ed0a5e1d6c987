package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// EIPs are the VPC product's elastic public IPs (vpc:AllocateAddresses …). They are
// listed with the tag:<key> filter like VPCs. The Tag
// service names them under cvm (qcs::cvm:<region>:uin/:eip/<id>), as terraform does.

// pageEIPs reads one page of DescribeAddresses (Offset/Limit are integers there). An
// address-name filter with several values is sent one value a call (the API honours
// only the first), each answering its first page: name look-ups are small.
func (c *Client) pageEIPs(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.Address, uint64, error) {
	for i, f := range filters {
		if sv(f.Name) != "address-name" || len(f.Values) < 2 {
			continue
		}
		if sv(offset) != "0" {
			return nil, 0, nil
		}
		var out []*vpc.Address
		for _, v := range f.Values {
			one := append(append([]*vpc.Filter(nil), filters[:i]...), vpcFilter("address-name", sv(v)))
			xs, _, err := c.pageEIPs(ctx, append(one, filters[i+1:]...), offset, limit)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, xs...)
		}
		return out, uint64(len(out)), nil
	}
	off, lim, err := pageInts(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	req := vpc.NewDescribeAddressesRequest()
	req.Filters, req.Offset, req.Limit = filters, common.Int64Ptr(off), common.Int64Ptr(lim)
	resp, err := invoke(ctx, c, "vpc", "DescribeAddresses", kindRead, func(ctx context.Context) (*vpc.DescribeAddressesResponse, error) {
		return c.vpc.DescribeAddressesWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.AddressSet, uint64(i64(resp.Response.TotalCount)), nil
}

// pageInts reads the string Offset/Limit the shared pager hands for APIs that take
// integers.
func pageInts(offset, limit *string) (int64, int64, error) {
	off, err := strconv.ParseInt(sv(offset), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("offset %q: %w", sv(offset), err)
	}
	lim, err := strconv.ParseInt(sv(limit), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("limit %q: %w", sv(limit), err)
	}
	return off, lim, nil
}

func (c *Client) eipCandidate(a *vpc.Address) candidate {
	user, own := splitTags(vpcTagMap(a.TagSet))
	cd := candidate{id: sv(a.AddressId), created: sv(a.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindEIP, cd, sv(a.AddressStatus))
		o.DeletionProtection = own.protected
		o.Live = &spec.EIP{
			Object: meta(spec.KindEIP, want, own, sv(a.AddressName)),
			Spec: spec.EIPSpec{
				Region:                  c.region,
				InternetChargeType:      sv(a.InternetChargeType),
				BandwidthOutMbps:        int(u64(a.Bandwidth)),
				InternetServiceProvider: sv(a.InternetServiceProvider),
				DeletionProtection:      boolPtr(own.protected),
				Tags:                    user,
				DeletionPolicy:          own.policy,
			},
		}
		return o
	}
	return cd
}

// eips describes EIPs to the shared observe and delete paths.
func (c *Client) eips() vpcProduct[*vpc.Address] {
	return vpcProduct[*vpc.Address]{
		kind: spec.KindEIP, noun: "EIP", nouns: "EIPs", idFilter: "address-id", nameFilter: "address-name",
		page:      c.pageEIPs,
		id:        func(a *vpc.Address) string { return sv(a.AddressId) },
		name:      func(a *vpc.Address) string { return sv(a.AddressName) },
		tags:      func(a *vpc.Address) []*vpc.Tag { return a.TagSet },
		candidate: c.eipCandidate,
	}
}

// eipKind is the typed client of EIPs.
type eipKind struct {
	vpcReads[*spec.EIP, *vpc.Address]
}

func (eipKind) kind() spec.Kind { return spec.KindEIP }

func (eipKind) actions() Actions {
	return Actions{
		Read: []string{"vpc:DescribeAddresses"},
		Write: []string{"vpc:AllocateAddresses", "vpc:ModifyAddressAttribute", "vpc:ModifyAddressInternetChargeType",
			"vpc:ModifyAddressesBandwidth", "vpc:ReleaseAddresses", actionModifyResourceTags},
	}
}

func (eipKind) rules() []rule {
	return slices.Concat(commonRules("vpc:ModifyAddressAttribute"), []rule{
		{path: "spec.region", class: spec.ClassReplace, note: "An address cannot move between regions."},
		{path: "spec.internetChargeType", class: spec.ClassInPlace, action: "vpc:ModifyAddressInternetChargeType",
			note: "The cloud lets an address change its charge type twice in its life; a third change is refused (LimitExceeded.ModifyAddressInternetChargeTypeQuota)."},
		{path: "spec.bandwidthOutMbps", class: spec.ClassInPlace, action: "vpc:ModifyAddressesBandwidth"},
		{path: "spec.internetServiceProvider", class: spec.ClassReplace, note: "The line of an address is fixed at allocation: a new address (a new IP) is allocated."},
	}, tagProtectedRules())
}

func (eipKind) createCalls(*spec.EIP) []string { return []string{"vpc:AllocateAddresses"} }
func (eipKind) deleteCalls(*spec.EIP) []string { return []string{"vpc:ReleaseAddresses"} }

func (eipKind) create(ctx context.Context, c *Client, r *spec.EIP) (providers.Observation, error) {
	addr := r.GetAddr()
	existing, found, err := alreadyCreated(ctx, c, c.eips(), addr)
	tags, err := c.createTags(r, found, err)
	if err != nil {
		return providers.Observation{}, err
	}
	if found {
		return c.eipCandidate(existing).build(r), nil
	}
	req := vpc.NewAllocateAddressesRequest()
	req.AddressCount = common.Int64Ptr(1)
	req.AddressName = common.StringPtr(addr.Name)
	req.InternetChargeType = common.StringPtr(r.Spec.InternetChargeType)
	req.InternetMaxBandwidthOut = common.Int64Ptr(int64(r.Spec.BandwidthOutMbps))
	req.InternetServiceProvider = common.StringPtr(r.Spec.InternetServiceProvider)
	req.Tags = vpcTags(tags)
	resp, err := invoke(ctx, c, "vpc", "AllocateAddresses", kindCreate, func(ctx context.Context) (*vpc.AllocateAddressesResponse, error) {
		return c.vpc.AllocateAddressesWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	if len(resp.Response.AddressSet) != 1 || resp.Response.AddressSet[0] == nil {
		return providers.Observation{}, fmt.Errorf("create %s: AllocateAddresses answered %d addresses for 1", addr, len(resp.Response.AddressSet))
	}
	id := *resp.Response.AddressSet[0]
	c.log.Info("created", "addr", addr.String(), "id", id)
	a, err := reread(ctx, c.eips(), id)
	if err != nil {
		// Allocation can take a moment to show: report what was asked for, settling.
		return providers.Observation{Addr: addr, Exists: true, ID: id, Owned: true, Settling: true, Status: "CREATING"}, nil //nolint:nilerr // allocated: the next poll reads it
	}
	return c.eipCandidate(a).build(r), nil
}

func (eipKind) calls(ctx context.Context, c *Client, r *spec.EIP, o providers.Observation) ([]call, error) {
	return []call{
		{name: "vpc:ModifyAddressAttribute", run: func([]diff.Change) error {
			req := vpc.NewModifyAddressAttributeRequest()
			req.AddressId, req.AddressName = common.StringPtr(o.ID), common.StringPtr(r.GetAddr().Name)
			_, err := invoke(ctx, c, "vpc", "ModifyAddressAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifyAddressAttributeResponse, error) {
				return c.vpc.ModifyAddressAttributeWithContext(ctx, req)
			})
			return wrapCall("name", err)
		}},
		{name: "vpc:ModifyAddressInternetChargeType", run: func([]diff.Change) error {
			req := vpc.NewModifyAddressInternetChargeTypeRequest()
			req.AddressId, req.InternetChargeType = common.StringPtr(o.ID), common.StringPtr(r.Spec.InternetChargeType)
			_, err := invoke(ctx, c, "vpc", "ModifyAddressInternetChargeType", kindWrite, func(ctx context.Context) (*vpc.ModifyAddressInternetChargeTypeResponse, error) {
				return c.vpc.ModifyAddressInternetChargeTypeWithContext(ctx, req)
			})
			return wrapCall("charge type", err)
		}},
		{name: "vpc:ModifyAddressesBandwidth", run: func([]diff.Change) error {
			req := vpc.NewModifyAddressesBandwidthRequest()
			req.AddressIds = common.StringPtrs([]string{o.ID})
			req.InternetMaxBandwidthOut = common.Int64Ptr(int64(r.Spec.BandwidthOutMbps))
			_, err := invoke(ctx, c, "vpc", "ModifyAddressesBandwidth", kindWrite, func(ctx context.Context) (*vpc.ModifyAddressesBandwidthResponse, error) {
				return c.vpc.ModifyAddressesBandwidthWithContext(ctx, req)
			})
			return wrapCall("bandwidth", err)
		}},
		tagsCall(ctx, c, r, c.eips(), c.tagResource("cvm", "eip", o.ID), o.ID),
	}, nil
}

// wrapCall names the part of an update a failed call was making.
func wrapCall(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func (eipKind) reobserve(ctx context.Context, c *Client, r *spec.EIP, o providers.Observation) (providers.Observation, error) {
	a, err := reread(ctx, c.eips(), o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return c.eipCandidate(a).build(r), nil
}

func (eipKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.eips(), o, func(ctx context.Context, id string) error {
		req := vpc.NewReleaseAddressesRequest()
		req.AddressIds = common.StringPtrs([]string{id})
		_, err := invoke(ctx, c, "vpc", "ReleaseAddresses", kindWrite, func(ctx context.Context) (*vpc.ReleaseAddressesResponse, error) {
			return c.vpc.ReleaseAddressesWithContext(ctx, req)
		})
		return err
	})
}
