// Package privatedns is the Private DNS API (privatedns 2020-10-28) for the actions
// tkeops uses, in the shape of the Tencent Cloud SDK's generated packages: the SDK's
// privatedns module is not served by the Go module proxy this project builds with, so
// the request and response types are written here from the API documentation
// (cloud.tencent.com/document/api/1338) and the SDK's published models.go and
// client.go for v20201028, and sent with the SDK's common client. The provider sends
// them and the emulator serves them; the emulator's contract tests read the
// documented error codes and nullable fields from these files as they read the SDK's.
package privatedns

import (
	"encoding/json"

	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
)

// Service and APIVersion name the product version on the wire.
const (
	Service    = "privatedns"
	APIVersion = "2020-10-28"
)

// VpcInfo is a VPC a zone resolves in.
type VpcInfo struct {
	// VpcId： vpc-xadsafsdasd
	UniqVpcId *string `json:"UniqVpcId,omitnil,omitempty" name:"UniqVpcId"`

	// Vpc所属地区: ap-guangzhou, ap-shanghai
	Region *string `json:"Region,omitnil,omitempty" name:"Region"`
}

// TagInfo is one tag of a zone.
type TagInfo struct {
	// 标签键
	TagKey *string `json:"TagKey,omitnil,omitempty" name:"TagKey"`

	// 标签值
	TagValue *string `json:"TagValue,omitnil,omitempty" name:"TagValue"`
}

// Filter selects zones or records.
type Filter struct {
	// 参数名
	Name *string `json:"Name,omitnil,omitempty" name:"Name"`

	// 参数值数组
	Values []*string `json:"Values,omitnil,omitempty" name:"Values"`
}

// PrivateZone is a private zone.
type PrivateZone struct {
	// 私有域id: zone-xxxxxxxx
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 域名所有者uin
	OwnerUin *int64 `json:"OwnerUin,omitnil,omitempty" name:"OwnerUin"`

	// 私有域名
	Domain *string `json:"Domain,omitnil,omitempty" name:"Domain"`

	// 创建时间
	CreatedOn *string `json:"CreatedOn,omitnil,omitempty" name:"CreatedOn"`

	// 修改时间
	UpdatedOn *string `json:"UpdatedOn,omitnil,omitempty" name:"UpdatedOn"`

	// 记录数
	RecordCount *int64 `json:"RecordCount,omitnil,omitempty" name:"RecordCount"`

	// 备注
	// 注意：此字段可能返回 null，表示取不到有效值。
	Remark *string `json:"Remark,omitnil,omitempty" name:"Remark"`

	// 绑定的Vpc列表
	VpcSet []*VpcInfo `json:"VpcSet,omitnil,omitempty" name:"VpcSet"`

	// 私有域状态：正常解析：ENABLED, 暂停解析：SUSPEND, 锁定：FROZEN
	Status *string `json:"Status,omitnil,omitempty" name:"Status"`

	// 域名递归解析状态：开通：ENABLED, 关闭，DISABLED
	DnsForwardStatus *string `json:"DnsForwardStatus,omitnil,omitempty" name:"DnsForwardStatus"`

	// 标签键值对集合
	Tags []*TagInfo `json:"Tags,omitnil,omitempty" name:"Tags"`

	// CNAME加速状态：开通：ENABLED, 关闭，DISABLED
	CnameSpeedupStatus *string `json:"CnameSpeedupStatus,omitnil,omitempty" name:"CnameSpeedupStatus"`
}

// PrivateZoneRecord is one record of a zone.
type PrivateZoneRecord struct {
	// 记录id
	RecordId *string `json:"RecordId,omitnil,omitempty" name:"RecordId"`

	// 私有域id: zone-xxxxxxxx
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 子域名
	SubDomain *string `json:"SubDomain,omitnil,omitempty" name:"SubDomain"`

	// 记录类型，可选的记录类型为："A", "AAAA", "CNAME", "MX", "TXT", "PTR"
	RecordType *string `json:"RecordType,omitnil,omitempty" name:"RecordType"`

	// 记录值
	RecordValue *string `json:"RecordValue,omitnil,omitempty" name:"RecordValue"`

	// 记录缓存时间，数值越小生效越快，取值1-86400s, 默认 600
	TTL *int64 `json:"TTL,omitnil,omitempty" name:"TTL"`

	// MX优先级：记录类型为MX时必填。取值范围：5,10,15,20,30,40,50
	// 注意：此字段可能返回 null，表示取不到有效值。
	MX *int64 `json:"MX,omitnil,omitempty" name:"MX"`

	// 记录状态：ENABLED
	Status *string `json:"Status,omitnil,omitempty" name:"Status"`

	// 记录权重，值为1-100
	// 注意：此字段可能返回 null，表示取不到有效值。
	Weight *int64 `json:"Weight,omitnil,omitempty" name:"Weight"`

	// 记录创建时间
	CreatedOn *string `json:"CreatedOn,omitnil,omitempty" name:"CreatedOn"`

	// 记录更新时间
	UpdatedOn *string `json:"UpdatedOn,omitnil,omitempty" name:"UpdatedOn"`

	// 附加信息
	// 注意：此字段可能返回 null，表示取不到有效值。
	Extra *string `json:"Extra,omitnil,omitempty" name:"Extra"`

	// 0暂停，1启用
	// 注意：此字段可能返回 null，表示取不到有效值。
	Enabled *uint64 `json:"Enabled,omitnil,omitempty" name:"Enabled"`
}

// request is what every request type embeds: the SDK's base request and the JSON
// decoding the emulator uses.
type request struct{ *tchttp.BaseRequest }

func newRequest(action string) request {
	r := request{BaseRequest: &tchttp.BaseRequest{}}
	r.Init().WithApiInfo(Service, APIVersion, action)
	return r
}

// response is what every response type embeds.
type response struct{ *tchttp.BaseResponse }

func newResponse() response { return response{BaseResponse: &tchttp.BaseResponse{}} }

// decode is FromJsonString of every request and response type.
func decode(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// CreatePrivateZoneRequest creates a zone.
type CreatePrivateZoneRequest struct {
	request

	// 域名，格式必须是标准的TLD
	Domain *string `json:"Domain,omitnil,omitempty" name:"Domain"`

	// 创建私有域的同时，为其打上标签
	TagSet []*TagInfo `json:"TagSet,omitnil,omitempty" name:"TagSet"`

	// 创建私有域的同时，将其关联至VPC
	VpcSet []*VpcInfo `json:"VpcSet,omitnil,omitempty" name:"VpcSet"`

	// 备注
	Remark *string `json:"Remark,omitnil,omitempty" name:"Remark"`

	// 是否开启子域名递归, ENABLED， DISABLED。默认值为ENABLED
	DnsForwardStatus *string `json:"DnsForwardStatus,omitnil,omitempty" name:"DnsForwardStatus"`

	// 是否CNAME加速：ENABLED，DISABLED，默认值为ENABLED
	CnameSpeedupStatus *string `json:"CnameSpeedupStatus,omitnil,omitempty" name:"CnameSpeedupStatus"`
}

// NewCreatePrivateZoneRequest returns a request for CreatePrivateZone.
func NewCreatePrivateZoneRequest() *CreatePrivateZoneRequest {
	return &CreatePrivateZoneRequest{request: newRequest("CreatePrivateZone")}
}

// FromJsonString decodes a request body.
func (r *CreatePrivateZoneRequest) FromJsonString(s string) error { return decode(s, r) }

// CreatePrivateZoneResponseParams is the answer of CreatePrivateZone.
type CreatePrivateZoneResponseParams struct {
	// 私有域ID, zone-xxxxxx
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 私有域名
	Domain *string `json:"Domain,omitnil,omitempty" name:"Domain"`

	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// CreatePrivateZoneResponse wraps CreatePrivateZoneResponseParams.
type CreatePrivateZoneResponse struct {
	response
	Response *CreatePrivateZoneResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *CreatePrivateZoneResponse) FromJsonString(s string) error { return decode(s, r) }

// DescribePrivateZoneListRequest lists zones.
type DescribePrivateZoneListRequest struct {
	request

	// 分页偏移量，从0开始
	Offset *int64 `json:"Offset,omitnil,omitempty" name:"Offset"`

	// 分页限制数目， 最大100，默认20
	Limit *int64 `json:"Limit,omitnil,omitempty" name:"Limit"`

	// 过滤参数（ZoneId、Domain、Vpc、TagKey）
	Filters []*Filter `json:"Filters,omitnil,omitempty" name:"Filters"`
}

// NewDescribePrivateZoneListRequest returns a request for DescribePrivateZoneList.
func NewDescribePrivateZoneListRequest() *DescribePrivateZoneListRequest {
	return &DescribePrivateZoneListRequest{request: newRequest("DescribePrivateZoneList")}
}

// FromJsonString decodes a request body.
func (r *DescribePrivateZoneListRequest) FromJsonString(s string) error { return decode(s, r) }

// DescribePrivateZoneListResponseParams is the answer of DescribePrivateZoneList.
type DescribePrivateZoneListResponseParams struct {
	// 私有域数量
	TotalCount *int64 `json:"TotalCount,omitnil,omitempty" name:"TotalCount"`

	// 私有域列表
	PrivateZoneSet []*PrivateZone `json:"PrivateZoneSet,omitnil,omitempty" name:"PrivateZoneSet"`

	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// DescribePrivateZoneListResponse wraps DescribePrivateZoneListResponseParams.
type DescribePrivateZoneListResponse struct {
	response
	Response *DescribePrivateZoneListResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *DescribePrivateZoneListResponse) FromJsonString(s string) error { return decode(s, r) }

// ModifyPrivateZoneRequest changes a zone's remark.
type ModifyPrivateZoneRequest struct {
	request

	// 私有域ID
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 备注
	Remark *string `json:"Remark,omitnil,omitempty" name:"Remark"`

	// 是否开启子域名递归, ENABLED， DISABLED
	DnsForwardStatus *string `json:"DnsForwardStatus,omitnil,omitempty" name:"DnsForwardStatus"`

	// 是否开启CNAME加速：ENABLED， DISABLED
	CnameSpeedupStatus *string `json:"CnameSpeedupStatus,omitnil,omitempty" name:"CnameSpeedupStatus"`
}

// NewModifyPrivateZoneRequest returns a request for ModifyPrivateZone.
func NewModifyPrivateZoneRequest() *ModifyPrivateZoneRequest {
	return &ModifyPrivateZoneRequest{request: newRequest("ModifyPrivateZone")}
}

// FromJsonString decodes a request body.
func (r *ModifyPrivateZoneRequest) FromJsonString(s string) error { return decode(s, r) }

// ModifyPrivateZoneResponseParams is the answer of ModifyPrivateZone.
type ModifyPrivateZoneResponseParams struct {
	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// ModifyPrivateZoneResponse wraps ModifyPrivateZoneResponseParams.
type ModifyPrivateZoneResponse struct {
	response
	Response *ModifyPrivateZoneResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *ModifyPrivateZoneResponse) FromJsonString(s string) error { return decode(s, r) }

// ModifyPrivateZoneVpcRequest sets the full list of VPCs a zone resolves in.
type ModifyPrivateZoneVpcRequest struct {
	request

	// 私有域ID
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 私有域关联的全部VPC列表
	VpcSet []*VpcInfo `json:"VpcSet,omitnil,omitempty" name:"VpcSet"`
}

// NewModifyPrivateZoneVpcRequest returns a request for ModifyPrivateZoneVpc.
func NewModifyPrivateZoneVpcRequest() *ModifyPrivateZoneVpcRequest {
	return &ModifyPrivateZoneVpcRequest{request: newRequest("ModifyPrivateZoneVpc")}
}

// FromJsonString decodes a request body.
func (r *ModifyPrivateZoneVpcRequest) FromJsonString(s string) error { return decode(s, r) }

// ModifyPrivateZoneVpcResponseParams is the answer of ModifyPrivateZoneVpc.
type ModifyPrivateZoneVpcResponseParams struct {
	// 私有域ID, zone-xxxxxx
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 解析域关联的VPC列表
	VpcSet []*VpcInfo `json:"VpcSet,omitnil,omitempty" name:"VpcSet"`

	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// ModifyPrivateZoneVpcResponse wraps ModifyPrivateZoneVpcResponseParams.
type ModifyPrivateZoneVpcResponse struct {
	response
	Response *ModifyPrivateZoneVpcResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *ModifyPrivateZoneVpcResponse) FromJsonString(s string) error { return decode(s, r) }

// DeletePrivateZoneRequest deletes a zone with its records.
type DeletePrivateZoneRequest struct {
	request

	// 私有域ID
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 私有域ID数组，ZoneId 优先
	ZoneIdSet []*string `json:"ZoneIdSet,omitnil,omitempty" name:"ZoneIdSet"`
}

// NewDeletePrivateZoneRequest returns a request for DeletePrivateZone.
func NewDeletePrivateZoneRequest() *DeletePrivateZoneRequest {
	return &DeletePrivateZoneRequest{request: newRequest("DeletePrivateZone")}
}

// FromJsonString decodes a request body.
func (r *DeletePrivateZoneRequest) FromJsonString(s string) error { return decode(s, r) }

// DeletePrivateZoneResponseParams is the answer of DeletePrivateZone.
type DeletePrivateZoneResponseParams struct {
	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// DeletePrivateZoneResponse wraps DeletePrivateZoneResponseParams.
type DeletePrivateZoneResponse struct {
	response
	Response *DeletePrivateZoneResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *DeletePrivateZoneResponse) FromJsonString(s string) error { return decode(s, r) }

// CreatePrivateZoneRecordRequest adds a record to a zone.
type CreatePrivateZoneRecordRequest struct {
	request

	// 私有域ID
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 记录类型，可选的记录类型为："A", "AAAA", "CNAME", "MX", "TXT", "PTR"
	RecordType *string `json:"RecordType,omitnil,omitempty" name:"RecordType"`

	// 子域名，例如 "www", "m", "@"
	SubDomain *string `json:"SubDomain,omitnil,omitempty" name:"SubDomain"`

	// 记录值，例如 IP：192.168.10.2，CNAME：cname.qcloud.com.，MX：mail.qcloud.com.
	RecordValue *string `json:"RecordValue,omitnil,omitempty" name:"RecordValue"`

	// 记录权重，值为1-100
	Weight *int64 `json:"Weight,omitnil,omitempty" name:"Weight"`

	// MX优先级：记录类型为MX时必填。取值范围：5,10,15,20,30,40,50
	MX *int64 `json:"MX,omitnil,omitempty" name:"MX"`

	// 记录缓存时间，数值越小生效越快，取值1-86400s, 默认 600
	TTL *int64 `json:"TTL,omitnil,omitempty" name:"TTL"`
}

// NewCreatePrivateZoneRecordRequest returns a request for CreatePrivateZoneRecord.
func NewCreatePrivateZoneRecordRequest() *CreatePrivateZoneRecordRequest {
	return &CreatePrivateZoneRecordRequest{request: newRequest("CreatePrivateZoneRecord")}
}

// FromJsonString decodes a request body.
func (r *CreatePrivateZoneRecordRequest) FromJsonString(s string) error { return decode(s, r) }

// CreatePrivateZoneRecordResponseParams is the answer of CreatePrivateZoneRecord.
type CreatePrivateZoneRecordResponseParams struct {
	// 记录Id
	RecordId *string `json:"RecordId,omitnil,omitempty" name:"RecordId"`

	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// CreatePrivateZoneRecordResponse wraps CreatePrivateZoneRecordResponseParams.
type CreatePrivateZoneRecordResponse struct {
	response
	Response *CreatePrivateZoneRecordResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *CreatePrivateZoneRecordResponse) FromJsonString(s string) error { return decode(s, r) }

// DescribePrivateZoneRecordListRequest lists the records of a zone.
type DescribePrivateZoneRecordListRequest struct {
	request

	// 私有域ID: zone-xxxxxx
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 过滤参数（支持使用Value、RecordType过滤）
	Filters []*Filter `json:"Filters,omitnil,omitempty" name:"Filters"`

	// 分页偏移量，从0开始
	Offset *int64 `json:"Offset,omitnil,omitempty" name:"Offset"`

	// 分页限制数目， 最大200，默认20
	Limit *int64 `json:"Limit,omitnil,omitempty" name:"Limit"`
}

// NewDescribePrivateZoneRecordListRequest returns a request for DescribePrivateZoneRecordList.
func NewDescribePrivateZoneRecordListRequest() *DescribePrivateZoneRecordListRequest {
	return &DescribePrivateZoneRecordListRequest{request: newRequest("DescribePrivateZoneRecordList")}
}

// FromJsonString decodes a request body.
func (r *DescribePrivateZoneRecordListRequest) FromJsonString(s string) error { return decode(s, r) }

// DescribePrivateZoneRecordListResponseParams is the answer of DescribePrivateZoneRecordList.
type DescribePrivateZoneRecordListResponseParams struct {
	// 解析记录数量
	TotalCount *int64 `json:"TotalCount,omitnil,omitempty" name:"TotalCount"`

	// 解析记录列表
	RecordSet []*PrivateZoneRecord `json:"RecordSet,omitnil,omitempty" name:"RecordSet"`

	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// DescribePrivateZoneRecordListResponse wraps DescribePrivateZoneRecordListResponseParams.
type DescribePrivateZoneRecordListResponse struct {
	response
	Response *DescribePrivateZoneRecordListResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *DescribePrivateZoneRecordListResponse) FromJsonString(s string) error { return decode(s, r) }

// ModifyPrivateZoneRecordRequest changes a record.
type ModifyPrivateZoneRecordRequest struct {
	request

	// 私有域ID
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 记录ID
	RecordId *string `json:"RecordId,omitnil,omitempty" name:"RecordId"`

	// 记录类型，可选的记录类型为："A", "AAAA", "CNAME", "MX", "TXT", "PTR"
	RecordType *string `json:"RecordType,omitnil,omitempty" name:"RecordType"`

	// 子域名，例如 "www", "m", "@"
	SubDomain *string `json:"SubDomain,omitnil,omitempty" name:"SubDomain"`

	// 记录值，例如 IP：192.168.10.2，CNAME：cname.qcloud.com.，MX：mail.qcloud.com.
	RecordValue *string `json:"RecordValue,omitnil,omitempty" name:"RecordValue"`

	// 记录权重，值为1-100
	Weight *int64 `json:"Weight,omitnil,omitempty" name:"Weight"`

	// MX优先级：记录类型为MX时必填。取值范围：5,10,15,20,30,40,50
	MX *int64 `json:"MX,omitnil,omitempty" name:"MX"`

	// 记录缓存时间，数值越小生效越快，取值1-86400s, 默认 600
	TTL *int64 `json:"TTL,omitnil,omitempty" name:"TTL"`
}

// NewModifyPrivateZoneRecordRequest returns a request for ModifyPrivateZoneRecord.
func NewModifyPrivateZoneRecordRequest() *ModifyPrivateZoneRecordRequest {
	return &ModifyPrivateZoneRecordRequest{request: newRequest("ModifyPrivateZoneRecord")}
}

// FromJsonString decodes a request body.
func (r *ModifyPrivateZoneRecordRequest) FromJsonString(s string) error { return decode(s, r) }

// ModifyPrivateZoneRecordResponseParams is the answer of ModifyPrivateZoneRecord.
type ModifyPrivateZoneRecordResponseParams struct {
	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// ModifyPrivateZoneRecordResponse wraps ModifyPrivateZoneRecordResponseParams.
type ModifyPrivateZoneRecordResponse struct {
	response
	Response *ModifyPrivateZoneRecordResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *ModifyPrivateZoneRecordResponse) FromJsonString(s string) error { return decode(s, r) }

// DeletePrivateZoneRecordRequest deletes records of a zone.
type DeletePrivateZoneRecordRequest struct {
	request

	// 私有域ID
	ZoneId *string `json:"ZoneId,omitnil,omitempty" name:"ZoneId"`

	// 记录ID
	RecordId *string `json:"RecordId,omitnil,omitempty" name:"RecordId"`

	// 记录ID数组，RecordId 优先
	RecordIdSet []*string `json:"RecordIdSet,omitnil,omitempty" name:"RecordIdSet"`
}

// NewDeletePrivateZoneRecordRequest returns a request for DeletePrivateZoneRecord.
func NewDeletePrivateZoneRecordRequest() *DeletePrivateZoneRecordRequest {
	return &DeletePrivateZoneRecordRequest{request: newRequest("DeletePrivateZoneRecord")}
}

// FromJsonString decodes a request body.
func (r *DeletePrivateZoneRecordRequest) FromJsonString(s string) error { return decode(s, r) }

// DeletePrivateZoneRecordResponseParams is the answer of DeletePrivateZoneRecord.
type DeletePrivateZoneRecordResponseParams struct {
	// 唯一请求 ID，每次请求都会返回。
	RequestId *string `json:"RequestId,omitnil,omitempty" name:"RequestId"`
}

// DeletePrivateZoneRecordResponse wraps DeletePrivateZoneRecordResponseParams.
type DeletePrivateZoneRecordResponse struct {
	response
	Response *DeletePrivateZoneRecordResponseParams `json:"Response"`
}

// FromJsonString decodes a response body.
func (r *DeletePrivateZoneRecordResponse) FromJsonString(s string) error { return decode(s, r) }
