package privatedns

import (
	"context"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// Client sends Private DNS requests with the SDK's common client (signing, retries,
// error decoding as the generated clients do). The error codes each method documents
// are those the SDK's privatedns v20201028 client.go lists for the action that tkeops
// and its emulator deal with (the emulator's contract test holds it to them).
type Client struct{ c *common.Client }

// NewClient returns a client; Private DNS takes no region, the SDK still signs one.
func NewClient(cred common.CredentialIface, region string, cpf *profile.ClientProfile) (*Client, error) {
	return &Client{c: common.NewCommonClient(cred, region, cpf)}, nil
}

// Common is the underlying SDK client (for a logger or an HTTP transport).
func (c *Client) Common() *common.Client { return c.c }

// send is every action's plumbing: the request takes ctx, the SDK's common client
// signs and sends it and decodes the answer into resp, which is returned with its error.
func send[Resp tchttp.Response](ctx context.Context, c *Client, req tchttp.Request, resp Resp) (Resp, error) {
	req.SetContext(ctx)
	return resp, c.c.Send(req, resp)
}

// CreatePrivateZoneWithContext creates a zone.
//
// 可能返回的错误码:
//
//	FAILEDOPERATION_CREATEZONEFAILED = "FailedOperation.CreateZoneFailed"
//	INVALIDPARAMETER_ILLEGALDOMAIN = "InvalidParameter.IllegalDomain"
//	INVALIDPARAMETER_ILLEGALDOMAINTLD = "InvalidParameter.IllegalDomainTld"
//	INVALIDPARAMETER_VPCBINDED = "InvalidParameter.VpcBinded"
//	INVALIDPARAMETER_VPCBINDEDMAINDOMAIN = "InvalidParameter.VpcBindedMainDomain"
//	INVALIDPARAMETERVALUE = "InvalidParameterValue"
//	LIMITEXCEEDED = "LimitExceeded"
//	MISSINGPARAMETER = "MissingParameter"
//	RESOURCENOTFOUND = "ResourceNotFound"
//	UNSUPPORTEDOPERATION = "UnsupportedOperation"
func (c *Client) CreatePrivateZoneWithContext(ctx context.Context, req *CreatePrivateZoneRequest) (*CreatePrivateZoneResponse, error) {
	return send(ctx, c, req, &CreatePrivateZoneResponse{response: newResponse()})
}

// DescribePrivateZoneListWithContext lists zones.
//
// 可能返回的错误码:
//
//	INVALIDPARAMETER = "InvalidParameter"
//	INVALIDPARAMETERVALUE = "InvalidParameterValue"
//	LIMITEXCEEDED = "LimitExceeded"
//	MISSINGPARAMETER = "MissingParameter"
//	RESOURCENOTFOUND = "ResourceNotFound"
func (c *Client) DescribePrivateZoneListWithContext(ctx context.Context, req *DescribePrivateZoneListRequest) (*DescribePrivateZoneListResponse, error) {
	return send(ctx, c, req, &DescribePrivateZoneListResponse{response: newResponse()})
}

// ModifyPrivateZoneWithContext changes a zone's remark.
//
// 可能返回的错误码:
//
//	FAILEDOPERATION_MODIFYZONEFAILED = "FailedOperation.ModifyZoneFailed"
//	INVALIDPARAMETER_ZONENOTEXISTS = "InvalidParameter.ZoneNotExists"
//	INVALIDPARAMETERVALUE = "InvalidParameterValue"
//	MISSINGPARAMETER = "MissingParameter"
//	RESOURCENOTFOUND = "ResourceNotFound"
func (c *Client) ModifyPrivateZoneWithContext(ctx context.Context, req *ModifyPrivateZoneRequest) (*ModifyPrivateZoneResponse, error) {
	return send(ctx, c, req, &ModifyPrivateZoneResponse{response: newResponse()})
}

// ModifyPrivateZoneVpcWithContext sets the VPCs a zone resolves in.
//
// 可能返回的错误码:
//
//	FAILEDOPERATION_BINDZONEVPCFAILED = "FailedOperation.BindZoneVpcFailed"
//	INVALIDPARAMETER_ILLEGALVPCINFO = "InvalidParameter.IllegalVpcInfo"
//	INVALIDPARAMETER_VPCBINDED = "InvalidParameter.VpcBinded"
//	INVALIDPARAMETER_VPCBINDEDMAINDOMAIN = "InvalidParameter.VpcBindedMainDomain"
//	INVALIDPARAMETER_ZONENOTEXISTS = "InvalidParameter.ZoneNotExists"
//	INVALIDPARAMETERVALUE = "InvalidParameterValue"
//	MISSINGPARAMETER = "MissingParameter"
//	RESOURCENOTFOUND = "ResourceNotFound"
func (c *Client) ModifyPrivateZoneVpcWithContext(ctx context.Context, req *ModifyPrivateZoneVpcRequest) (*ModifyPrivateZoneVpcResponse, error) {
	return send(ctx, c, req, &ModifyPrivateZoneVpcResponse{response: newResponse()})
}

// DeletePrivateZoneWithContext deletes a zone and its records.
//
// 可能返回的错误码:
//
//	FAILEDOPERATION_DELETEZONEFAILED = "FailedOperation.DeleteZoneFailed"
//	INVALIDPARAMETER_ZONENOTEXISTS = "InvalidParameter.ZoneNotExists"
//	MISSINGPARAMETER = "MissingParameter"
//	RESOURCENOTFOUND = "ResourceNotFound"
func (c *Client) DeletePrivateZoneWithContext(ctx context.Context, req *DeletePrivateZoneRequest) (*DeletePrivateZoneResponse, error) {
	return send(ctx, c, req, &DeletePrivateZoneResponse{response: newResponse()})
}

// CreatePrivateZoneRecordWithContext adds a record.
//
// 可能返回的错误码:
//
//	FAILEDOPERATION_CREATERECORDFAILED = "FailedOperation.CreateRecordFailed"
//	INVALIDPARAMETER_ILLEGALRECORD = "InvalidParameter.IllegalRecord"
//	INVALIDPARAMETER_ILLEGALRECORDVALUE = "InvalidParameter.IllegalRecordValue"
//	INVALIDPARAMETER_RECORDCONFLICT = "InvalidParameter.RecordConflict"
//	INVALIDPARAMETER_RECORDEXIST = "InvalidParameter.RecordExist"
//	INVALIDPARAMETER_ZONENOTEXISTS = "InvalidParameter.ZoneNotExists"
//	INVALIDPARAMETERVALUE = "InvalidParameterValue"
//	MISSINGPARAMETER = "MissingParameter"
func (c *Client) CreatePrivateZoneRecordWithContext(ctx context.Context, req *CreatePrivateZoneRecordRequest) (*CreatePrivateZoneRecordResponse, error) {
	return send(ctx, c, req, &CreatePrivateZoneRecordResponse{response: newResponse()})
}

// DescribePrivateZoneRecordListWithContext lists a zone's records.
//
// 可能返回的错误码:
//
//	INVALIDPARAMETER = "InvalidParameter"
//	INVALIDPARAMETER_ZONENOTEXISTS = "InvalidParameter.ZoneNotExists"
//	MISSINGPARAMETER = "MissingParameter"
func (c *Client) DescribePrivateZoneRecordListWithContext(ctx context.Context, req *DescribePrivateZoneRecordListRequest) (*DescribePrivateZoneRecordListResponse, error) {
	return send(ctx, c, req, &DescribePrivateZoneRecordListResponse{response: newResponse()})
}

// ModifyPrivateZoneRecordWithContext changes a record.
//
// 可能返回的错误码:
//
//	FAILEDOPERATION_MODIFYRECORDFAILED = "FailedOperation.ModifyRecordFailed"
//	INVALIDPARAMETER_ILLEGALRECORD = "InvalidParameter.IllegalRecord"
//	INVALIDPARAMETER_ILLEGALRECORDVALUE = "InvalidParameter.IllegalRecordValue"
//	INVALIDPARAMETER_RECORDCONFLICT = "InvalidParameter.RecordConflict"
//	INVALIDPARAMETER_RECORDEXIST = "InvalidParameter.RecordExist"
//	INVALIDPARAMETER_ZONENOTEXISTS = "InvalidParameter.ZoneNotExists"
//	INVALIDPARAMETERVALUE = "InvalidParameterValue"
//	MISSINGPARAMETER = "MissingParameter"
//	RESOURCENOTFOUND = "ResourceNotFound"
func (c *Client) ModifyPrivateZoneRecordWithContext(ctx context.Context, req *ModifyPrivateZoneRecordRequest) (*ModifyPrivateZoneRecordResponse, error) {
	return send(ctx, c, req, &ModifyPrivateZoneRecordResponse{response: newResponse()})
}

// DeletePrivateZoneRecordWithContext deletes records; the last record of a zone that
// resolves in VPCs cannot go.
//
// 可能返回的错误码:
//
//	FAILEDOPERATION_DELETELASTBINDVPCRECORDFAILED = "FailedOperation.DeleteLastBindVpcRecordFailed"
//	INVALIDPARAMETER_RECORDNOTEXIST = "InvalidParameter.RecordNotExist"
//	INVALIDPARAMETER_ZONENOTEXISTS = "InvalidParameter.ZoneNotExists"
//	MISSINGPARAMETER = "MissingParameter"
//	RESOURCENOTFOUND = "ResourceNotFound"
func (c *Client) DeletePrivateZoneRecordWithContext(ctx context.Context, req *DeletePrivateZoneRecordRequest) (*DeletePrivateZoneRecordResponse, error) {
	return send(ctx, c, req, &DeletePrivateZoneRecordResponse{response: newResponse()})
}

// The methods without a context, as the SDK's generated clients have them.

// CreatePrivateZone calls CreatePrivateZoneWithContext with a background context.
func (c *Client) CreatePrivateZone(req *CreatePrivateZoneRequest) (*CreatePrivateZoneResponse, error) {
	return c.CreatePrivateZoneWithContext(context.Background(), req)
}

// DescribePrivateZoneList calls DescribePrivateZoneListWithContext with a background context.
func (c *Client) DescribePrivateZoneList(req *DescribePrivateZoneListRequest) (*DescribePrivateZoneListResponse, error) {
	return c.DescribePrivateZoneListWithContext(context.Background(), req)
}

// ModifyPrivateZone calls ModifyPrivateZoneWithContext with a background context.
func (c *Client) ModifyPrivateZone(req *ModifyPrivateZoneRequest) (*ModifyPrivateZoneResponse, error) {
	return c.ModifyPrivateZoneWithContext(context.Background(), req)
}

// ModifyPrivateZoneVpc calls ModifyPrivateZoneVpcWithContext with a background context.
func (c *Client) ModifyPrivateZoneVpc(req *ModifyPrivateZoneVpcRequest) (*ModifyPrivateZoneVpcResponse, error) {
	return c.ModifyPrivateZoneVpcWithContext(context.Background(), req)
}

// DeletePrivateZone calls DeletePrivateZoneWithContext with a background context.
func (c *Client) DeletePrivateZone(req *DeletePrivateZoneRequest) (*DeletePrivateZoneResponse, error) {
	return c.DeletePrivateZoneWithContext(context.Background(), req)
}

// CreatePrivateZoneRecord calls CreatePrivateZoneRecordWithContext with a background context.
func (c *Client) CreatePrivateZoneRecord(req *CreatePrivateZoneRecordRequest) (*CreatePrivateZoneRecordResponse, error) {
	return c.CreatePrivateZoneRecordWithContext(context.Background(), req)
}

// DescribePrivateZoneRecordList calls DescribePrivateZoneRecordListWithContext with a background context.
func (c *Client) DescribePrivateZoneRecordList(req *DescribePrivateZoneRecordListRequest) (*DescribePrivateZoneRecordListResponse, error) {
	return c.DescribePrivateZoneRecordListWithContext(context.Background(), req)
}

// ModifyPrivateZoneRecord calls ModifyPrivateZoneRecordWithContext with a background context.
func (c *Client) ModifyPrivateZoneRecord(req *ModifyPrivateZoneRecordRequest) (*ModifyPrivateZoneRecordResponse, error) {
	return c.ModifyPrivateZoneRecordWithContext(context.Background(), req)
}

// DeletePrivateZoneRecord calls DeletePrivateZoneRecordWithContext with a background context.
func (c *Client) DeletePrivateZoneRecord(req *DeletePrivateZoneRecordRequest) (*DeletePrivateZoneRecordResponse, error) {
	return c.DeletePrivateZoneRecordWithContext(context.Background(), req)
}
