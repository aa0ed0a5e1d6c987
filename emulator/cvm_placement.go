package emulator

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
)

// CVM spread placement groups (cvm 2017-03-12, "disaster recover groups"): what a
// node pool's launch configuration names in DisasterRecoverGroupIds. What the
// emulator relies on, from the SDK's models and documented codes (cvm v1.1.0):
// Create needs a name of 1–60 characters (InvalidParameterValue.TooLong) and a type
// HOST, SW or RACK, an affinity 1–10 (default 1; InvalidParameterValue.Range for
// either); the account has a group quota (ResourceInsufficient.InsufficientGroupQuota).
// Describe and Delete take at most 10 IDs (InvalidParameterValue.LimitExceeded), each
// ps-xxxxxxxx (InvalidParameterValue.DisasterRecoverGroupIdMalformed); Describe lists
// none for an unknown ID, Delete refuses it (ResourceNotFound.InvalidPlacementSet).
// Not emulated: instances are never placed in a group (CurrentNum stays 0, so
// FailedOperation.PlacementSetNotEmpty is never answered); tags on groups.

var (
	placementGroupTable   = table[*cvm.DisasterRecoverGroup]{"placementGroups"}
	placementGroupPattern = regexp.MustCompile(`^ps-[a-z0-9]{8}$`)
)

// placementGroupCapacity is the number of instances a group of each type holds.
// Assumed: the model has the field (CvmQuotaTotal) but documents no values.
var placementGroupCapacity = map[string]int64{"HOST": 50, "SW": 20, "RACK": 20}

// placementGroupQuota is the number of groups an account may create in a region
// (assumed, as above: DescribeDisasterRecoverGroupQuota reports it).
const placementGroupQuota = 50

// placementGroupModule serves spread placement groups.
func placementGroupModule() module {
	return module{
		service: "cvm", version: "2017-03-12",
		actions: []actionDef{
			{"CreateDisasterRecoverGroup", op(cvm.NewCreateDisasterRecoverGroupRequest, createDisasterRecoverGroup)},
			{"DeleteDisasterRecoverGroups", op(cvm.NewDeleteDisasterRecoverGroupsRequest, deleteDisasterRecoverGroups)},
			{"DescribeDisasterRecoverGroups", op(cvm.NewDescribeDisasterRecoverGroupsRequest, describeDisasterRecoverGroups)},
		},
		tables: []tableDef{placementGroupTable.def()},
	}
}

func createDisasterRecoverGroup(c *call, req *cvm.CreateDisasterRecoverGroupRequest) (*cvm.CreateDisasterRecoverGroupResponseParams, error) {
	name := deref(req.Name)
	switch {
	case req.Name == nil || name == "":
		return nil, missing("Name")
	case utf8.RuneCountInString(name) > 60:
		return nil, apiErr("InvalidParameterValue.TooLong", "Name is longer than 60 characters.")
	case req.Type == nil:
		return nil, missing("Type")
	}
	capacity, ok := placementGroupCapacity[*req.Type]
	if !ok {
		return nil, apiErr("InvalidParameterValue.Range", "Type `%s` is not one of HOST, SW, RACK.", *req.Type)
	}
	affinity := int64(1)
	if req.Affinity != nil {
		affinity = *req.Affinity
	}
	if affinity < 1 || affinity > 10 {
		return nil, apiErr("InvalidParameterValue.Range", "Affinity %d is not within 1-10.", affinity)
	}
	groups := placementGroupTable.in(c.regionState())
	if len(groups) >= placementGroupQuota {
		return nil, apiErr("ResourceInsufficient.InsufficientGroupQuota", "The account already has the maximum of %d placement groups.", placementGroupQuota)
	}
	g := &cvm.DisasterRecoverGroup{
		DisasterRecoverGroupId: ptr(newID("ps")), Name: ptr(name), Type: req.Type, CvmQuotaTotal: ptr(capacity),
		CurrentNum: ptr(int64(0)), InstanceIds: []*string{}, CreateTime: ptr(c.now.UTC().Format(time.RFC3339)),
		Affinity: ptr(affinity), Tags: []*cvm.Tag{},
	}
	groups[*g.DisasterRecoverGroupId] = g
	return &cvm.CreateDisasterRecoverGroupResponseParams{
		DisasterRecoverGroupId: g.DisasterRecoverGroupId, Type: g.Type, Name: g.Name,
		CvmQuotaTotal: g.CvmQuotaTotal, CurrentNum: g.CurrentNum, CreateTime: g.CreateTime,
	}, nil
}

// placementGroupIDs checks the IDs of a Describe or Delete request.
func placementGroupIDs(ids []*string) ([]string, *APIError) {
	out := derefs(ids)
	if len(out) > 10 {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "At most 10 DisasterRecoverGroupIds; got %d.", len(out))
	}
	for _, id := range out {
		if !placementGroupPattern.MatchString(id) {
			return nil, apiErr("InvalidParameterValue.DisasterRecoverGroupIdMalformed", "The placement group ID `%s` is malformed.", id)
		}
	}
	return out, nil
}

func describeDisasterRecoverGroups(c *call, req *cvm.DescribeDisasterRecoverGroupsRequest) (*cvm.DescribeDisasterRecoverGroupsResponseParams, error) {
	ids, aerr := placementGroupIDs(req.DisasterRecoverGroupIds)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.Filters) > 0 {
		return nil, apiErr(codeInvalidParamValue, "Filters are not emulated.")
	}
	offset, limit, aerr := int64Paging(req.Offset, req.Limit, 100)
	if aerr != nil {
		return nil, aerr
	}
	var match []*cvm.DisasterRecoverGroup
	for id, g := range placementGroupTable.in(c.regionState()) {
		if (len(ids) == 0 || slices.Contains(ids, id)) && strings.Contains(deref(g.Name), deref(req.Name)) {
			match = append(match, g)
		}
	}
	slices.SortFunc(match, func(a, b *cvm.DisasterRecoverGroup) int {
		return strings.Compare(deref(a.CreateTime)+deref(a.DisasterRecoverGroupId), deref(b.CreateTime)+deref(b.DisasterRecoverGroupId))
	})
	lo, hi := page(len(match), offset, limit)
	return &cvm.DescribeDisasterRecoverGroupsResponseParams{DisasterRecoverGroupSet: orEmpty(match[lo:hi]), TotalCount: ptr(int64(len(match)))}, nil
}

func deleteDisasterRecoverGroups(c *call, req *cvm.DeleteDisasterRecoverGroupsRequest) (*cvm.DeleteDisasterRecoverGroupsResponseParams, error) {
	ids, aerr := placementGroupIDs(req.DisasterRecoverGroupIds)
	if aerr != nil {
		return nil, aerr
	}
	if len(ids) == 0 {
		return nil, missing("DisasterRecoverGroupIds")
	}
	groups := placementGroupTable.in(c.regionState())
	for _, id := range ids {
		if _, ok := groups[id]; !ok {
			return nil, apiErr("ResourceNotFound.InvalidPlacementSet", "The placement group `%s` does not exist.", id)
		}
	}
	for _, id := range ids {
		delete(groups, id)
	}
	return &cvm.DeleteDisasterRecoverGroupsResponseParams{}, nil
}

// placementGroupsOf checks the DisasterRecoverGroupIds of a launch configuration with
// the codes of as:CreateLaunchConfiguration / ModifyLaunchConfigurationAttributes: at
// most one, well formed, existing in the region.
func placementGroupsOf(rs *regionState, ids []*string) *APIError {
	if len(ids) > 1 {
		return apiErr("InvalidParameterValue.LimitExceeded", "DisasterRecoverGroupIds takes one placement group; got %d.", len(ids))
	}
	for _, id := range derefs(ids) {
		if !placementGroupPattern.MatchString(id) {
			return apiErr("InvalidParameterValue.InvalidDisasterRecoverGroupId", "The placement group ID `%s` is malformed.", id)
		}
		if _, ok := placementGroupTable.in(rs)[id]; !ok {
			return apiErr("ResourceNotFound.DisasterRecoverGroupNotFound", "The placement group `%s` does not exist.", id)
		}
	}
	return nil
}
