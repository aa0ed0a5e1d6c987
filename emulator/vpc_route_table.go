package emulator

import (
	"regexp"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// Route tables of VPC 2017-03-12, read-only for now: every VPC has its main ("default")
// route table, created with it (its ID is in the VPC record), associated with every
// subnet of the VPC and holding the VPC's LOCAL route. Terraform's subnet read asks
// DescribeRouteTables for the subnet's table.

var routeTableIDPattern = regexp.MustCompile(`^rtb-[a-z0-9]{8}$`)

// routeTableModule serves route table reads.
func routeTableModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"DescribeRouteTables", op(vpc.NewDescribeRouteTablesRequest, describeRouteTables)},
		},
	}
}

// mainRouteTable is a VPC's main route table as the API shows it.
func mainRouteTable(rs *regionState, v *vpcRec) *vpc.RouteTable {
	assoc := []*vpc.RouteTableAssociation{}
	for _, s := range sortedValues(subnetTable.in(rs)) {
		if s.VpcID == v.ID {
			assoc = append(assoc, &vpc.RouteTableAssociation{SubnetId: ptr(s.ID), RouteTableId: ptr(v.RouteTableID)})
		}
	}
	local := &vpc.Route{
		DestinationCidrBlock: ptr(v.CIDR), GatewayType: ptr("LOCAL"), GatewayId: ptr("Local"), RouteId: ptr(uint64(0)),
		RouteDescription: ptr(""), Enabled: ptr(true), RouteType: ptr("LOCAL"), RouteTableId: ptr(v.RouteTableID),
		DestinationIpv6CidrBlock: ptr(""), RouteItemId: ptr(""), PublishedToVbc: ptr(false), CreatedTime: ptr(vpcTime(v.Created)),
		CdcId: ptr(""),
	}
	return &vpc.RouteTable{
		VpcId: ptr(v.ID), RouteTableId: ptr(v.RouteTableID), RouteTableName: ptr("default"), AssociationSet: assoc,
		RouteSet: []*vpc.Route{local}, Main: ptr(true), CreatedTime: ptr(vpcTime(v.Created)), TagSet: []*vpc.Tag{},
		LocalCidrForCcn: []*vpc.CidrForCcn{{Cidr: ptr(v.CIDR), PublishedToVbc: ptr(false)}},
	}
}

func describeRouteTables(c *call, req *vpc.DescribeRouteTablesRequest) (*vpc.DescribeRouteTablesResponseParams, error) {
	rs := c.regionState()
	if aerr := idsOrFilters(req.RouteTableIds, req.Filters, routeTableIDPattern, "RouteTableIds"); aerr != nil {
		return nil, aerr
	}
	fs, aerr := vpcFilters(req.Filters, "route-table-id", "route-table-name", "vpc-id", "association.main", "visible", "next-hop-type")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := vpcPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	byID := map[string]*vpcRec{}
	for _, v := range vpcTable.in(rs) {
		byID[v.RouteTableID] = v
	}
	var match []*vpcRec
	if ids := derefs(req.RouteTableIds); len(ids) > 0 {
		for _, id := range ids {
			v, ok := byID[id]
			if !ok {
				return nil, apiErr(codeResourceNotFound, "The route table `%s` does not exist.", id)
			}
			match = append(match, v)
		}
	} else {
		for _, v := range sortedValues(vpcTable.in(rs)) {
			if matchFilters(fs, nil, func(name string) ([]string, bool) {
				switch name {
				case "route-table-id":
					return []string{v.RouteTableID}, false
				case "route-table-name":
					return []string{"default"}, false
				case "vpc-id":
					return []string{v.ID}, false
				case "association.main", "visible":
					return []string{"true", "TRUE"}, false
				case "next-hop-type":
					return []string{"LOCAL"}, false
				}
				return nil, false
			}) {
				match = append(match, v)
			}
		}
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*vpc.RouteTable, 0, hi-lo)
	for _, v := range match[lo:hi] {
		set = append(set, mainRouteTable(rs, v))
	}
	return &vpc.DescribeRouteTablesResponseParams{TotalCount: ptr(uint64(len(match))), RouteTableSet: set}, nil
}
