package emulator

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

type sgRec struct {
	ID        string                     `json:"id"`
	Name      string                     `json:"name"`
	Desc      string                     `json:"desc"`
	ProjectID string                     `json:"projectId"`
	Tags      []tagKV                    `json:"tags"`
	Created   time.Time                  `json:"created"`
	Updated   time.Time                  `json:"updated"`
	Seq       int64                      `json:"seq"`
	Version   int64                      `json:"version"`
	Ingress   []*vpc.SecurityGroupPolicy `json:"ingress"`
	Egress    []*vpc.SecurityGroupPolicy `json:"egress"`
}

func (r *sgRec) order() int64      { return r.Seq }
func (r *sgRec) ident() string     { return r.ID }
func (r *sgRec) tagList() *[]tagKV { return &r.Tags }

var sgTable = table[*sgRec]{"securityGroups"}

// securityGroupModule serves security groups and their policies. The Tag service names
// security groups under cvm (qcs::cvm:<region>:uin/<uin>:sg/<id>).
func securityGroupModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateSecurityGroup", op(vpc.NewCreateSecurityGroupRequest, createSecurityGroup)},
			{"CreateSecurityGroupWithPolicies", op(vpc.NewCreateSecurityGroupWithPoliciesRequest, createSecurityGroupWithPolicies)},
			{"DescribeSecurityGroups", op(vpc.NewDescribeSecurityGroupsRequest, describeSecurityGroups)},
			{"ModifySecurityGroupAttribute", op(vpc.NewModifySecurityGroupAttributeRequest, modifySecurityGroupAttribute)},
			{"DeleteSecurityGroup", op(vpc.NewDeleteSecurityGroupRequest, deleteSecurityGroup)},
			{"CreateSecurityGroupPolicies", op(vpc.NewCreateSecurityGroupPoliciesRequest, createSecurityGroupPolicies)},
			{"ReplaceSecurityGroupPolicies", op(vpc.NewReplaceSecurityGroupPoliciesRequest, replaceSecurityGroupPolicies)},
			{"DeleteSecurityGroupPolicies", op(vpc.NewDeleteSecurityGroupPoliciesRequest, deleteSecurityGroupPolicies)},
			{"DescribeSecurityGroupPolicies", op(vpc.NewDescribeSecurityGroupPoliciesRequest, describeSecurityGroupPolicies)},
			{"ModifySecurityGroupPolicies", op(vpc.NewModifySecurityGroupPoliciesRequest, modifySecurityGroupPolicies)},
			{"DescribeSecurityGroupLimits", op(vpc.NewDescribeSecurityGroupLimitsRequest, describeSecurityGroupLimits)},
			{"DescribeSecurityGroupAssociationStatistics", op(vpc.NewDescribeSecurityGroupAssociationStatisticsRequest, describeSecurityGroupAssociationStatistics)},
		},
		tables: []tableDef{sgTable.def()},
		tagged: []tagType{tagsOf("cvm", "sg", sgTable)},
	}
}

func (r *sgRec) sdk() *vpc.SecurityGroup {
	upd := ""
	if !r.Updated.IsZero() {
		upd = vpcTime(r.Updated)
	}
	return &vpc.SecurityGroup{
		SecurityGroupId: ptr(r.ID), SecurityGroupName: ptr(r.Name), SecurityGroupDesc: ptr(r.Desc),
		ProjectId: ptr(r.ProjectID), IsDefault: ptr(false), CreatedTime: ptr(vpcTime(r.Created)),
		TagSet: vpcTagsOut(r.Tags), UpdateTime: ptr(upd),
	}
}

func createSecurityGroup(c *call, req *vpc.CreateSecurityGroupRequest) (*vpc.CreateSecurityGroupResponseParams, error) {
	rs := c.regionState()
	if aerr := checkName("GroupName", deref(req.GroupName), 60); aerr != nil {
		return nil, aerr
	}
	if req.GroupDescription == nil {
		return nil, missing("GroupDescription")
	}
	if len(*req.GroupDescription) > 100 {
		return nil, apiErr("InvalidParameterValue.TooLong", "The parameter `GroupDescription` is longer than 100 bytes.")
	}
	project := deref(req.ProjectId)
	if project == "" {
		project = "0"
	}
	if _, err := strconv.ParseUint(project, 10, 64); err != nil {
		return nil, apiErr("InvalidParameterValue.Malformed", "The project ID `%s` is malformed.", project)
	}
	tags, aerr := vpcTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if len(sgTable.in(rs)) >= c.e.quotas.SecurityGroupsPerRegion {
		return nil, apiErr(codeLimitExceeded, "The quota of %d security groups in region %s is used up.", c.e.quotas.SecurityGroupsPerRegion, c.region)
	}
	r := &sgRec{
		ID: newID("sg"), Name: *req.GroupName, Desc: *req.GroupDescription, ProjectID: project, Tags: tags,
		Created: c.now, Seq: c.e.st.nextSeq(), Ingress: []*vpc.SecurityGroupPolicy{}, Egress: []*vpc.SecurityGroupPolicy{},
	}
	sgTable.in(rs)[r.ID] = r
	c.noteTags(r.Tags)
	return &vpc.CreateSecurityGroupResponseParams{SecurityGroup: r.sdk()}, nil
}

// createSecurityGroupWithPolicies creates the group, its rules and its tags in one call,
// all or nothing, so a group is never seen without its rules.
func createSecurityGroupWithPolicies(c *call, req *vpc.CreateSecurityGroupWithPoliciesRequest) (*vpc.CreateSecurityGroupWithPoliciesResponseParams, error) {
	cr := vpc.NewCreateSecurityGroupRequest()
	cr.GroupName, cr.GroupDescription, cr.ProjectId, cr.Tags = req.GroupName, req.GroupDescription, req.ProjectId, req.Tags
	created, err := createSecurityGroup(c, cr)
	if err != nil {
		return nil, err
	}
	id := deref(created.SecurityGroup.SecurityGroupId)
	if set := req.SecurityGroupPolicySet; set != nil && (len(set.Ingress) > 0 || len(set.Egress) > 0) {
		mr := vpc.NewModifySecurityGroupPoliciesRequest()
		mr.SecurityGroupId = ptr(id)
		mr.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: orEmptyPolicies(set.Ingress), Egress: orEmptyPolicies(set.Egress)}
		if _, err := modifySecurityGroupPolicies(c, mr); err != nil {
			delete(sgTable.in(c.regionState()), id) // all or nothing
			return nil, err
		}
	}
	return &vpc.CreateSecurityGroupWithPoliciesResponseParams{SecurityGroup: sgTable.in(c.regionState())[id].sdk()}, nil
}

func orEmptyPolicies(p []*vpc.SecurityGroupPolicy) []*vpc.SecurityGroupPolicy {
	if p == nil {
		return []*vpc.SecurityGroupPolicy{}
	}
	return p
}

func describeSecurityGroups(c *call, req *vpc.DescribeSecurityGroupsRequest) (*vpc.DescribeSecurityGroupsResponseParams, error) {
	rs := c.regionState()
	if aerr := idsOrFilters(req.SecurityGroupIds, req.Filters, sgIDPattern, "SecurityGroupIds"); aerr != nil {
		return nil, aerr
	}
	fs, aerr := vpcFilters(req.Filters, "security-group-id", "project-id", "security-group-name")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := vpcPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	match, aerr := selectRecords(sgTable.in(rs), req.SecurityGroupIds, "security group", func(r *sgRec) bool {
		return matchFilters(fs, r.Tags, func(name string) ([]string, bool) {
			switch name {
			case "security-group-id":
				return []string{r.ID}, false
			case "project-id":
				return []string{r.ProjectID}, false
			case "security-group-name":
				return []string{r.Name}, true
			}
			return nil, false
		})
	})
	if aerr != nil {
		return nil, aerr
	}
	switch deref(req.OrderField) {
	case "", "CreatedTime":
	case "UpdateTime":
		slices.SortStableFunc(match, func(a, b *sgRec) int { return a.Updated.Compare(b.Updated) })
	default:
		return nil, apiErr("InvalidParameterValue.Range", "OrderField must be CreatedTime or UpdateTime.")
	}
	switch strings.ToUpper(deref(req.OrderDirection)) {
	case "", "ASC":
	case "DESC":
		slices.Reverse(match)
	default:
		return nil, apiErr("InvalidParameterValue.Range", "OrderDirection must be ASC or DESC.")
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*vpc.SecurityGroup, 0, hi-lo)
	for _, r := range match[lo:hi] {
		set = append(set, r.sdk())
	}
	return &vpc.DescribeSecurityGroupsResponseParams{TotalCount: ptr(uint64(len(match))), SecurityGroupSet: set}, nil
}

func lookupSG(rs *regionState, id *string) (*sgRec, *APIError) {
	return lookupRecord(sgTable.in(rs), id, "SecurityGroupId", sgIDPattern, "security group")
}

func modifySecurityGroupAttribute(c *call, req *vpc.ModifySecurityGroupAttributeRequest) (*vpc.ModifySecurityGroupAttributeResponseParams, error) {
	r, aerr := lookupSG(c.regionState(), req.SecurityGroupId)
	if aerr != nil {
		return nil, aerr
	}
	if req.GroupName == nil && req.GroupDescription == nil {
		return nil, missing("GroupName")
	}
	if req.GroupName != nil {
		if aerr := checkName("GroupName", *req.GroupName, 60); aerr != nil {
			return nil, aerr
		}
	}
	if req.GroupDescription != nil && len(*req.GroupDescription) > 100 {
		return nil, apiErr("InvalidParameterValue.TooLong", "The parameter `GroupDescription` is longer than 100 bytes.")
	}
	if req.GroupName != nil {
		r.Name = *req.GroupName
	}
	if req.GroupDescription != nil {
		r.Desc = *req.GroupDescription
	}
	r.Updated = c.now
	return &vpc.ModifySecurityGroupAttributeResponseParams{}, nil
}

// sgUser names what still references a security group, or "".
func sgUser(rs *regionState, id string) string {
	for _, other := range sortedValues(sgTable.in(rs)) {
		if other.ID == id {
			continue
		}
		for _, p := range slices.Concat(other.Ingress, other.Egress) {
			if deref(p.SecurityGroupId) == id {
				return "a rule of security group " + other.ID
			}
		}
	}
	for _, lc := range launchConfigTable.in(rs) {
		if contains(derefs(lc.SecurityGroupIds), id) {
			return "launch configuration " + deref(lc.LaunchConfigurationId)
		}
	}
	for _, cl := range sortedValues(clusterTable.in(rs)) {
		for _, ep := range cl.Endpoints {
			if ep.SecurityGroup == id {
				return "the access endpoint of TKE cluster " + cl.ID
			}
		}
	}
	return ""
}

func deleteSecurityGroup(c *call, req *vpc.DeleteSecurityGroupRequest) (*vpc.DeleteSecurityGroupResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupSG(rs, req.SecurityGroupId)
	if aerr != nil {
		return nil, aerr
	}
	if user := sgUser(rs, r.ID); user != "" {
		return nil, apiErr(codeResourceInUse, "The security group `%s` is referenced by %s.", r.ID, user)
	}
	delete(sgTable.in(rs), r.ID)
	return &vpc.DeleteSecurityGroupResponseParams{}, nil
}

func describeSecurityGroupLimits(c *call, _ *vpc.DescribeSecurityGroupLimitsRequest) (*vpc.DescribeSecurityGroupLimitsResponseParams, error) {
	return &vpc.DescribeSecurityGroupLimitsResponseParams{SecurityGroupLimitSet: &vpc.SecurityGroupLimitSet{
		SecurityGroupLimit:         ptr(uint64(c.e.quotas.SecurityGroupsPerRegion)),
		SecurityGroupPolicyLimit:   ptr(uint64(c.e.quotas.PoliciesPerSecurityGroup)),
		ReferedSecurityGroupLimit:  ptr(uint64(10)),
		SecurityGroupInstanceLimit: ptr(uint64(2000)),
		InstanceSecurityGroupLimit: ptr(uint64(2000)),
		// Values of the console's defaults for an account without raised quotas.
		SecurityGroupExtendedPolicyLimit:   ptr(uint64(0)),
		SecurityGroupReferedCvmAndEniLimit: ptr(uint64(2000)),
		SecurityGroupReferedSvcLimit:       ptr(uint64(2000)),
	}}, nil
}

// --- policies -------------------------------------------------------------------------------

var portPattern = regexp.MustCompile(`^(\d{1,5}(-\d{1,5})?)(,\d{1,5}(-\d{1,5})?)*$`)

// normalizePolicy validates one rule and returns the stored form: upper-case Protocol and
// Action, "ALL" port for port-less protocols, 0.0.0.0/n as 0.0.0.0/0, no PolicyIndex.
func normalizePolicy(rs *regionState, p *vpc.SecurityGroupPolicy, now time.Time) (*vpc.SecurityGroupPolicy, *APIError) {
	if p == nil {
		return nil, apiErr(codeInvalidParameter, "A security group policy is null.")
	}
	// Empty template objects, as DescribeSecurityGroupPolicies shows them for a rule
	// without templates, mean no template: a rule read back can be written back.
	cp := *p
	if t := cp.ServiceTemplate; t != nil && deref(t.ServiceId) == "" && deref(t.ServiceGroupId) == "" {
		cp.ServiceTemplate = nil
	}
	if t := cp.AddressTemplate; t != nil && deref(t.AddressId) == "" && deref(t.AddressGroupId) == "" {
		cp.AddressTemplate = nil
	}
	p = &cp
	out := &vpc.SecurityGroupPolicy{
		ServiceTemplate: p.ServiceTemplate, AddressTemplate: p.AddressTemplate,
		PolicyDescription: ptr(deref(p.PolicyDescription)), ModifyTime: ptr(vpcTime(now)),
	}
	action := strings.ToUpper(deref(p.Action))
	if action != "ACCEPT" && action != "DROP" {
		return nil, apiErr("InvalidParameterValue.Range", "The policy Action `%s` must be ACCEPT or DROP.", deref(p.Action))
	}
	out.Action = ptr(action)
	if p.ServiceTemplate != nil && (p.Protocol != nil || p.Port != nil) {
		return nil, apiErr("InvalidParameter.Coexist", "ServiceTemplate cannot be combined with Protocol/Port.")
	}
	if p.ServiceTemplate == nil {
		proto := strings.ToUpper(deref(p.Protocol))
		if proto == "" {
			proto = "ALL"
		}
		switch proto {
		case "TCP", "UDP":
			port := strings.ToUpper(deref(p.Port))
			if port == "" {
				port = "ALL"
			}
			if port != "ALL" {
				if !portPattern.MatchString(port) {
					return nil, apiErr("InvalidParameterValue.Malformed", "The policy Port `%s` is malformed.", port)
				}
				for _, part := range strings.FieldsFunc(port, func(r rune) bool { return r == ',' || r == '-' }) {
					if n, _ := strconv.Atoi(part); n < 1 || n > 65535 {
						return nil, apiErr("InvalidParameterValue.Range", "The policy Port `%s` is out of range 1-65535.", port)
					}
				}
			}
			out.Port = ptr(port)
		case "ICMP", "ICMPV6", "GRE", "ALL":
			if port := strings.ToUpper(deref(p.Port)); port != "" && port != "ALL" {
				return nil, apiErr("InvalidParameterValue.Range", "A port cannot be given for protocol %s.", proto)
			}
			out.Port = ptr("ALL")
		default:
			return nil, apiErr("InvalidParameterValue.Range", "The policy Protocol `%s` must be TCP, UDP, ICMP, ICMPv6, GRE or ALL.", deref(p.Protocol))
		}
		out.Protocol = ptr(proto)
	}
	sources := 0
	for _, set := range []bool{p.CidrBlock != nil && *p.CidrBlock != "", p.Ipv6CidrBlock != nil && *p.Ipv6CidrBlock != "", p.SecurityGroupId != nil && *p.SecurityGroupId != "", p.AddressTemplate != nil} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return nil, apiErr("InvalidParameter.Coexist", "Only one of CidrBlock, Ipv6CidrBlock, SecurityGroupId and AddressTemplate may be given in a policy.")
	}
	switch {
	case p.CidrBlock != nil && *p.CidrBlock != "":
		cidr := *p.CidrBlock
		if !strings.Contains(cidr, "/") {
			cidr += "/32"
		}
		pr, err := netipParse(cidr)
		if err != nil {
			return nil, apiErr("InvalidParameterValue.Malformed", "The policy CidrBlock `%s` is malformed.", *p.CidrBlock)
		}
		if pr.Addr().IsUnspecified() {
			cidr = "0.0.0.0/0"
		} else {
			cidr = pr.Masked().String()
		}
		out.CidrBlock = ptr(cidr)
		out.Ipv6CidrBlock = ptr("")
		out.SecurityGroupId = ptr("")
	case p.Ipv6CidrBlock != nil && *p.Ipv6CidrBlock != "":
		if _, err := netipParse(*p.Ipv6CidrBlock); err != nil {
			return nil, apiErr("InvalidParameterValue.Malformed", "The policy Ipv6CidrBlock `%s` is malformed.", *p.Ipv6CidrBlock)
		}
		if deref(out.Protocol) == "ICMP" {
			return nil, apiErr("InvalidParameter.Coexist", "Use ICMPv6 with an IPv6 CIDR block.")
		}
		out.CidrBlock, out.Ipv6CidrBlock, out.SecurityGroupId = ptr(""), p.Ipv6CidrBlock, ptr("")
	case p.SecurityGroupId != nil && *p.SecurityGroupId != "":
		if _, ok := sgTable.in(rs)[*p.SecurityGroupId]; !ok {
			return nil, apiErr(codeResourceNotFound, "The security group `%s` referenced by a policy does not exist.", *p.SecurityGroupId)
		}
		out.CidrBlock, out.Ipv6CidrBlock, out.SecurityGroupId = ptr(""), ptr(""), p.SecurityGroupId
	default:
		out.CidrBlock, out.Ipv6CidrBlock, out.SecurityGroupId = ptr(""), ptr(""), ptr("")
	}
	return out, nil
}

// policyKey is a rule's content, the identity used for duplicate checks and delete-by-content.
func policyKey(p *vpc.SecurityGroupPolicy) string {
	st, at := "", ""
	if p.ServiceTemplate != nil {
		st = deref(p.ServiceTemplate.ServiceId) + "/" + deref(p.ServiceTemplate.ServiceGroupId)
	}
	if p.AddressTemplate != nil {
		at = deref(p.AddressTemplate.AddressId) + "/" + deref(p.AddressTemplate.AddressGroupId)
	}
	return strings.Join([]string{deref(p.Protocol), deref(p.Port), st, deref(p.CidrBlock), deref(p.Ipv6CidrBlock),
		deref(p.SecurityGroupId), at, deref(p.Action)}, "|")
}

func checkVersion(r *sgRec, v *string) *APIError {
	if v == nil {
		return nil
	}
	if *v != strconv.FormatInt(r.Version, 10) {
		return apiErr("UnsupportedOperation.VersionMismatch", "The policy version `%s` does not match the current version `%d` of security group `%s`.", *v, r.Version, r.ID)
	}
	return nil
}

// policyTarget checks what a Create/Delete/Replace policies request aims at, in the
// API's order: the group, the single direction the set touches, then the set's
// version against the group's.
func policyTarget(rs *regionState, id *string, set *vpc.SecurityGroupPolicySet) (*sgRec, string, []*vpc.SecurityGroupPolicy, *APIError) {
	r, aerr := lookupSG(rs, id)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	dir, in, aerr := oneDirection(set)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	if aerr := checkVersion(r, set.Version); aerr != nil {
		return nil, "", nil, aerr
	}
	return r, dir, in, nil
}

// oneDirection returns the single direction a Create/Delete/Replace request touches.
func oneDirection(set *vpc.SecurityGroupPolicySet) (string, []*vpc.SecurityGroupPolicy, *APIError) {
	if set == nil {
		return "", nil, missing("SecurityGroupPolicySet")
	}
	switch {
	case len(set.Ingress) > 0 && len(set.Egress) > 0:
		return "", nil, apiErr("InvalidParameter.Coexist", "Ingress and Egress cannot be given in the same request.")
	case len(set.Ingress) > 0:
		return "ingress", set.Ingress, nil
	case len(set.Egress) > 0:
		return "egress", set.Egress, nil
	}
	return "", nil, apiErr("InvalidParameterValue.Empty", "SecurityGroupPolicySet has no Ingress or Egress policy.")
}

func (r *sgRec) rules(dir string) *[]*vpc.SecurityGroupPolicy {
	if dir == "ingress" {
		return &r.Ingress
	}
	return &r.Egress
}

func (r *sgRec) changed(now time.Time) {
	r.Version++
	r.Updated = now
}

func createSecurityGroupPolicies(c *call, req *vpc.CreateSecurityGroupPoliciesRequest) (*vpc.CreateSecurityGroupPoliciesResponseParams, error) {
	rs := c.regionState()
	r, dir, in, aerr := policyTarget(rs, req.SecurityGroupId, req.SecurityGroupPolicySet)
	if aerr != nil {
		return nil, aerr
	}
	rules := r.rules(dir)
	var index *int64
	for i, p := range in {
		if p != nil && p.PolicyIndex != nil {
			if index != nil && *index != *p.PolicyIndex || index == nil && i > 0 {
				return nil, apiErr(codeInvalidParamValue, "All policies of one request must carry the same PolicyIndex.")
			}
			index = p.PolicyIndex
		} else if index != nil {
			return nil, apiErr(codeInvalidParamValue, "All policies of one request must carry the same PolicyIndex.")
		}
	}
	have := map[string]bool{}
	for _, p := range *rules {
		have[policyKey(p)] = true
	}
	add := make([]*vpc.SecurityGroupPolicy, 0, len(in))
	for _, p := range in {
		np, aerr := normalizePolicy(rs, p, c.now)
		if aerr != nil {
			return nil, aerr
		}
		if have[policyKey(np)] {
			return nil, apiErr("UnsupportedOperation.DuplicatePolicy", "An identical %s policy already exists in security group `%s`.", dir, r.ID)
		}
		have[policyKey(np)] = true
		add = append(add, np)
	}
	if len(*rules)+len(add) > c.e.quotas.PoliciesPerSecurityGroup {
		return nil, apiErr("LimitExceeded.SecurityGroupPolicySet", "A security group may hold at most %d %s policies.", c.e.quotas.PoliciesPerSecurityGroup, dir)
	}
	at := len(*rules)
	if index != nil {
		if *index < 0 || int(*index) > len(*rules) {
			return nil, apiErr("InvalidParameterValue.Range", "PolicyIndex %d is out of range [0, %d].", *index, len(*rules))
		}
		at = int(*index)
	}
	*rules = slices.Insert(*rules, at, add...)
	r.changed(c.now)
	return &vpc.CreateSecurityGroupPoliciesResponseParams{}, nil
}

func modifySecurityGroupPolicies(c *call, req *vpc.ModifySecurityGroupPoliciesRequest) (*vpc.ModifySecurityGroupPoliciesResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupSG(rs, req.SecurityGroupId)
	if aerr != nil {
		return nil, aerr
	}
	set := req.SecurityGroupPolicySet
	if set == nil {
		return nil, missing("SecurityGroupPolicySet")
	}
	if deref(set.Version) == "0" {
		// Version "0" clears every rule in both directions and ignores the lists.
		r.Ingress, r.Egress = []*vpc.SecurityGroupPolicy{}, []*vpc.SecurityGroupPolicy{}
		r.changed(c.now)
		return &vpc.ModifySecurityGroupPoliciesResponseParams{}, nil
	}
	if set.Version != nil {
		// Terraform sends the version the change will create (current+1); a precondition
		// on the current version is accepted too. Anything else is stale.
		cur := strconv.FormatInt(r.Version, 10)
		next := strconv.FormatInt(r.Version+1, 10)
		if *set.Version != cur && *set.Version != next {
			// The SDK documents no VersionMismatch for this action (unlike Create, Delete
			// and Replace): the generic UnsupportedOperation.
			return nil, apiErr("UnsupportedOperation", "The policy version `%s` does not match the current version `%d` of security group `%s`.", *set.Version, r.Version, r.ID)
		}
	}
	if set.Ingress == nil && set.Egress == nil {
		return nil, apiErr("InvalidParameterValue.Empty", "SecurityGroupPolicySet has neither Ingress nor Egress; use Version \"0\" to clear all policies.")
	}
	// A direction that is absent (null) is left as it is; a direction given, even as [],
	// is replaced entirely.
	replace := func(in []*vpc.SecurityGroupPolicy, dir string) ([]*vpc.SecurityGroupPolicy, *APIError) {
		out := make([]*vpc.SecurityGroupPolicy, 0, len(in))
		seen := map[string]bool{}
		for _, p := range in {
			np, aerr := normalizePolicy(rs, p, c.now)
			if aerr != nil {
				return nil, aerr
			}
			if seen[policyKey(np)] {
				return nil, apiErr("UnsupportedOperation.DuplicatePolicy", "The %s policies contain the same rule twice.", dir)
			}
			seen[policyKey(np)] = true
			out = append(out, np)
		}
		if len(out) > c.e.quotas.PoliciesPerSecurityGroup {
			return nil, apiErr(codeLimitExceeded, "A security group may hold at most %d %s policies.", c.e.quotas.PoliciesPerSecurityGroup, dir)
		}
		return out, nil
	}
	ingress, egress := r.Ingress, r.Egress
	if set.Ingress != nil {
		if ingress, aerr = replace(set.Ingress, "ingress"); aerr != nil {
			return nil, aerr
		}
	}
	if set.Egress != nil {
		if egress, aerr = replace(set.Egress, "egress"); aerr != nil {
			return nil, aerr
		}
	}
	r.Ingress, r.Egress = ingress, egress
	r.changed(c.now)
	return &vpc.ModifySecurityGroupPoliciesResponseParams{}, nil
}

func replaceSecurityGroupPolicies(c *call, req *vpc.ReplaceSecurityGroupPoliciesRequest) (*vpc.ReplaceSecurityGroupPoliciesResponseParams, error) {
	rs := c.regionState()
	r, dir, in, aerr := policyTarget(rs, req.SecurityGroupId, req.SecurityGroupPolicySet)
	if aerr != nil {
		return nil, aerr
	}
	switch deref(req.UpdateType) {
	case "", "Policy", "Priority", "Both":
	default:
		return nil, apiErr("InvalidParameterValue.Range", "UpdateType must be Policy, Priority or Both.")
	}
	rules := r.rules(dir)
	next := slices.Clone(*rules)
	var orig []*vpc.SecurityGroupPolicy
	if o := req.OriginalSecurityGroupPolicySet; o != nil {
		if dir == "ingress" {
			orig = o.Ingress
		} else {
			orig = o.Egress
		}
	}
	for i, p := range in {
		if p == nil || p.PolicyIndex == nil {
			return nil, missing("SecurityGroupPolicySet." + map[string]string{"ingress": "Ingress", "egress": "Egress"}[dir] + ".PolicyIndex")
		}
		idx := int(*p.PolicyIndex)
		if idx < 0 || idx >= len(next) {
			return nil, apiErr("InvalidParameterValue.Range", "PolicyIndex %d is out of range [0, %d).", idx, len(next))
		}
		if i < len(orig) && orig[i] != nil {
			op, aerr := normalizePolicy(rs, orig[i], c.now)
			if aerr != nil {
				return nil, aerr
			}
			if policyKey(op) != policyKey(next[idx]) {
				return nil, apiErr("InvalidParameterValue.Invalid", "The original policy at index %d does not match the current rule.", idx)
			}
		}
		np, aerr := normalizePolicy(rs, p, c.now)
		if aerr != nil {
			return nil, aerr
		}
		next[idx] = np
	}
	seen := map[string]bool{}
	for _, p := range next {
		if seen[policyKey(p)] {
			return nil, apiErr("UnsupportedOperation.DuplicatePolicy", "The replacement duplicates an existing %s policy.", dir)
		}
		seen[policyKey(p)] = true
	}
	*rules = next
	r.changed(c.now)
	return &vpc.ReplaceSecurityGroupPoliciesResponseParams{}, nil
}

func deleteSecurityGroupPolicies(c *call, req *vpc.DeleteSecurityGroupPoliciesRequest) (*vpc.DeleteSecurityGroupPoliciesResponseParams, error) {
	rs := c.regionState()
	r, dir, in, aerr := policyTarget(rs, req.SecurityGroupId, req.SecurityGroupPolicySet)
	if aerr != nil {
		return nil, aerr
	}
	rules := r.rules(dir)
	byIndex := in[0] != nil && in[0].PolicyIndex != nil
	drop := map[int]bool{}
	for _, p := range in {
		if p == nil {
			return nil, apiErr(codeInvalidParameter, "A security group policy is null.")
		}
		if (p.PolicyIndex != nil) != byIndex {
			return nil, apiErr("InvalidParameter.Coexist", "Delete policies either by PolicyIndex or by content, not both.")
		}
		if byIndex {
			if p.Protocol != nil || p.CidrBlock != nil || p.Port != nil || p.SecurityGroupId != nil {
				return nil, apiErr("InvalidParameter.Coexist", "Delete policies either by PolicyIndex or by content, not both.")
			}
			idx := int(*p.PolicyIndex)
			if idx < 0 || idx >= len(*rules) {
				return nil, apiErr("InvalidParameterValue.Range", "PolicyIndex %d is out of range [0, %d).", idx, len(*rules))
			}
			drop[idx] = true
			continue
		}
		np, aerr := normalizePolicy(rs, p, c.now)
		if aerr != nil {
			return nil, aerr
		}
		found := false
		for i, have := range *rules {
			if policyKey(have) == policyKey(np) {
				drop[i], found = true, true
				break
			}
		}
		if !found {
			return nil, apiErr(codeResourceNotFound, "No %s policy of security group `%s` matches the given content.", dir, r.ID)
		}
	}
	kept := make([]*vpc.SecurityGroupPolicy, 0, len(*rules))
	for i, p := range *rules {
		if !drop[i] {
			kept = append(kept, p)
		}
	}
	*rules = kept
	r.changed(c.now)
	return &vpc.DeleteSecurityGroupPoliciesResponseParams{}, nil
}

func describeSecurityGroupPolicies(c *call, req *vpc.DescribeSecurityGroupPoliciesRequest) (*vpc.DescribeSecurityGroupPoliciesResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupSG(rs, req.SecurityGroupId)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := vpcFilters(req.Filters, "security-group-id", "ip", "address-module", "service-module", "protocol-type", "port", "poly", "direction", "description")
	if aerr != nil {
		return nil, aerr
	}
	out := func(dir string, in []*vpc.SecurityGroupPolicy) []*vpc.SecurityGroupPolicy {
		set := make([]*vpc.SecurityGroupPolicy, 0, len(in))
		for i, p := range in {
			keep := matchFilters(fs, nil, func(name string) ([]string, bool) {
				switch name {
				case "security-group-id":
					return []string{deref(p.SecurityGroupId)}, false
				case "ip":
					return []string{deref(p.CidrBlock), deref(p.Ipv6CidrBlock)}, false
				case "protocol-type":
					return []string{deref(p.Protocol)}, false
				case "port":
					return []string{deref(p.Port)}, false
				case "poly":
					return []string{"ALL", deref(p.Action)}, false
				case "direction":
					if dir == "ingress" {
						return []string{"ALL", "INBOUND"}, false
					}
					return []string{"ALL", "OUTBOUND"}, false
				case "description":
					return []string{deref(p.PolicyDescription)}, true
				}
				return nil, false
			})
			if !keep {
				continue
			}
			cp := *p
			cp.PolicyIndex, cp.Priority = ptr(int64(i)), ptr(int64(i))
			// A rule without templates reads back empty template objects.
			if cp.ServiceTemplate == nil {
				cp.ServiceTemplate = &vpc.ServiceTemplateSpecification{ServiceId: ptr(""), ServiceGroupId: ptr("")}
			}
			if cp.AddressTemplate == nil {
				cp.AddressTemplate = &vpc.AddressTemplateSpecification{AddressId: ptr(""), AddressGroupId: ptr("")}
			}
			set = append(set, &cp)
		}
		return set
	}
	count := func(in []*vpc.SecurityGroupPolicy, v6 bool) uint64 {
		n := uint64(0)
		for _, p := range in {
			if (deref(p.Ipv6CidrBlock) != "") == v6 {
				n++
			}
		}
		return n
	}
	return &vpc.DescribeSecurityGroupPoliciesResponseParams{SecurityGroupPolicySet: &vpc.SecurityGroupPolicySet{
		Version: ptr(strconv.FormatInt(r.Version, 10)),
		Ingress: out("ingress", r.Ingress),
		Egress:  out("egress", r.Egress),
		PolicyStatistics: &vpc.PolicyStatistics{
			IngressIPv4TotalCount: ptr(count(r.Ingress, false)), IngressIPv6TotalCount: ptr(count(r.Ingress, true)),
			EgressIPv4TotalCount: ptr(count(r.Egress, false)), EgressIPv6TotalCount: ptr(count(r.Egress, true)),
		},
	}}, nil
}

// describeSecurityGroupAssociationStatistics counts what a group is bound to: the
// instances launched from launch configurations that name it (CVM), the cluster
// endpoints it guards (CLB, as TKE endpoints are load balancers) and the rules of other
// groups that reference it (SG, not in TotalCount). Terraform's security-group delete
// waits for TotalCount to reach 0.
func describeSecurityGroupAssociationStatistics(c *call, req *vpc.DescribeSecurityGroupAssociationStatisticsRequest) (*vpc.DescribeSecurityGroupAssociationStatisticsResponseParams, error) {
	rs := c.regionState()
	ids := derefs(req.SecurityGroupIds)
	if len(ids) == 0 {
		return nil, missing("SecurityGroupIds")
	}
	if len(ids) > 100 {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "At most 100 values are allowed in `SecurityGroupIds`.")
	}
	out := make([]*vpc.SecurityGroupAssociationStatistics, 0, len(ids))
	for _, id := range ids {
		if _, aerr := lookupSG(rs, &id); aerr != nil {
			return nil, aerr
		}
		var cvm, clb, sg uint64
		for _, in := range instanceTable.in(rs) {
			if lc := launchConfigTable.in(rs)[launchConfigOfGroup(rs, in.ASGID)]; lc != nil && contains(derefs(lc.SecurityGroupIds), id) {
				cvm++
			}
		}
		for _, cl := range clusterTable.in(rs) {
			for _, ep := range cl.Endpoints {
				if ep.SecurityGroup == id {
					clb++
				}
			}
		}
		for _, other := range sgTable.in(rs) {
			if other.ID == id {
				continue
			}
			for _, p := range slices.Concat(other.Ingress, other.Egress) {
				if deref(p.SecurityGroupId) == id {
					sg++
					break
				}
			}
		}
		out = append(out, &vpc.SecurityGroupAssociationStatistics{
			SecurityGroupId: ptr(id), CVM: ptr(cvm), CDB: ptr(uint64(0)), ENI: ptr(uint64(0)), SG: ptr(sg), CLB: ptr(clb),
			InstanceStatistics: []*vpc.InstanceStatistic{
				{InstanceType: ptr("CVM"), InstanceCount: ptr(cvm)}, {InstanceType: ptr("CLB"), InstanceCount: ptr(clb)},
			},
			TotalCount: ptr(cvm + clb),
		})
	}
	return &vpc.DescribeSecurityGroupAssociationStatisticsResponseParams{SecurityGroupAssociationStatisticsSet: out}, nil
}

// launchConfigOfGroup is the launch configuration ID of an auto-scaling group, or "".
func launchConfigOfGroup(rs *regionState, asgID string) string {
	if g := asGroupTable.in(rs)[asgID]; g != nil {
		return deref(g.LaunchConfigurationId)
	}
	return ""
}
