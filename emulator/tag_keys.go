package emulator

import (
	"strings"
	"unicode"
	"unicode/utf8"

	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
)

// The account's list of tag keys and values (Tag 2018-08-13 CreateTag, DeleteTag,
// DescribeTags, DescribeTagValues). A pair enters the list when CreateTag creates it or
// when a resource is first tagged with it, and stays there when the resource loses it;
// only DeleteTag removes it, and only while no resource carries it. Limits and the
// character set follow the Tag service's "Use Limits" page (product/651/13354): keys of
// 1–127 and values of 1–255 characters, letters, digits, spaces and + - = . _ : / @ ( )
// [ ] , ; > < 【 】, no leading or trailing space, at most 1,000 keys and 1,000 values
// per key; the error codes are the ones the SDK documents for each action.

type tagPairRec struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Seq   int64  `json:"seq"`
}

func (r *tagPairRec) order() int64 { return r.Seq }

// tagPairTable is account-wide (state.Account), keyed by tagPairKey.
var tagPairTable = table[*tagPairRec]{"tagPairs"}

func tagPairKey(key, value string) string { return key + "\x00" + value }

const (
	maxTagKeys          = 1000
	maxTagValuesPerKey  = 1000
	tagListDefaultLimit = 15
	// tagListMaxLimit is not documented; the emulator refuses larger pages.
	tagListMaxLimit = 1000
)

// tagKeyModule serves the account's tag list.
func tagKeyModule() module {
	return module{
		service: tagService, version: tagVersion, global: true,
		actions: []actionDef{
			{"CreateTag", op(tag.NewCreateTagRequest, createTag)},
			{"DeleteTag", op(tag.NewDeleteTagRequest, deleteTag)},
			{"DescribeTags", op(tag.NewDescribeTagsRequest, describeTags)},
			{"DescribeTagValues", op(tag.NewDescribeTagValuesRequest, describeTagValues)},
		},
		tables: []tableDef{tagPairTable.def()},
	}
}

// noteTags adds the pairs a resource was just tagged with to the account's tag list.
func (c *call) noteTags(tags []tagKV) {
	pairs := tagPairTable.in(c.account())
	for _, t := range tags {
		k := tagPairKey(t.Key, t.Value)
		if _, ok := pairs[k]; !ok {
			pairs[k] = &tagPairRec{Key: t.Key, Value: t.Value, Seq: c.e.st.nextSeq()}
		}
	}
}

// tagCharAllowed reports whether r may appear in a tag key or value.
func tagCharAllowed(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || strings.ContainsRune("+-=._:/@()[],;><【】", r)
}

// checkTagPair applies the Tag service's rules to a key and a value; an empty value is
// refused only where emptyValueOK is false (CreateTag, DeleteTag).
func checkTagPair(key, value string, emptyValueOK bool) *APIError {
	switch {
	case key == "":
		return apiErr("InvalidParameterValue.TagKeyEmpty", "The tag key is empty.")
	case utf8.RuneCountInString(key) > 127:
		return apiErr("InvalidParameterValue.TagKeyLengthExceeded", "The tag key `%s` is longer than 127 characters.", key)
	case reservedTagKey(key):
		return apiErr("InvalidParameterValue.ReservedTagKey", "The tag key `%s` uses a prefix reserved by the system (qcloud, tencent, project, qcs:).", key)
	case !validTagText(key):
		return apiErr("InvalidParameterValue.TagKeyCharacterIllegal", "The tag key `%s` contains a character that is not allowed.", key)
	case value == "" && !emptyValueOK:
		return apiErr("InvalidParameterValue.TagValueEmpty", "The value of tag `%s` is empty.", key)
	case utf8.RuneCountInString(value) > 255:
		return apiErr("InvalidParameterValue.TagValueLengthExceeded", "The value of tag `%s` is longer than 255 characters.", key)
	case value != "" && !validTagText(value):
		return apiErr("InvalidParameterValue.TagValueCharacterIllegal", "The value of tag `%s` contains a character that is not allowed.", key)
	}
	return nil
}

func reservedTagKey(key string) bool {
	for _, p := range []string{"qcloud", "tencent", "project", "qcs:"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func validTagText(s string) bool {
	if strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if !tagCharAllowed(r) {
			return false
		}
	}
	return true
}

// tagAttached reports whether any resource carries the pair.
func (c *call) tagAttached(key, value string) bool {
	for _, r := range c.allTagged() {
		if v, ok := tagValue(r.tags, key); ok && v == value {
			return true
		}
	}
	return false
}

func createTag(c *call, req *tag.CreateTagRequest) (*tag.CreateTagResponseParams, error) {
	key, value := deref(req.TagKey), deref(req.TagValue)
	if aerr := checkTagPair(key, value, false); aerr != nil {
		return nil, aerr
	}
	pairs := tagPairTable.in(c.account())
	if _, ok := pairs[tagPairKey(key, value)]; ok {
		return nil, apiErr("ResourceInUse.TagDuplicate", "The tag %s:%s already exists.", key, value)
	}
	keys, values := map[string]bool{}, 0
	for _, p := range pairs {
		keys[p.Key] = true
		if p.Key == key {
			values++
		}
	}
	if !keys[key] && len(keys) >= maxTagKeys {
		return nil, apiErr("LimitExceeded.TagKey", "The account already has the maximum of %d tag keys.", maxTagKeys)
	}
	if values >= maxTagValuesPerKey {
		return nil, apiErr("LimitExceeded.TagValue", "The tag key `%s` already has the maximum of %d values.", key, maxTagValuesPerKey)
	}
	c.noteTags([]tagKV{{Key: key, Value: value}})
	return &tag.CreateTagResponseParams{}, nil
}

func deleteTag(c *call, req *tag.DeleteTagRequest) (*tag.DeleteTagResponseParams, error) {
	key, value := deref(req.TagKey), deref(req.TagValue)
	if aerr := checkTagPair(key, value, false); aerr != nil {
		return nil, aerr
	}
	pairs := tagPairTable.in(c.account())
	k := tagPairKey(key, value)
	if _, ok := pairs[k]; !ok {
		return nil, apiErr("ResourceNotFound.TagNonExist", "The tag %s:%s does not exist.", key, value)
	}
	if c.tagAttached(key, value) {
		return nil, apiErr("FailedOperation.TagAttachedResource", "The tag %s:%s is attached to resources; detach it first.", key, value)
	}
	delete(pairs, k)
	return &tag.DeleteTagResponseParams{}, nil
}

// tagListPage reads Offset/Limit of the tag-list actions: Limit defaults to 15 and
// Offset must be a multiple of it.
func tagListPage(offset, limit *uint64) (int, int, *APIError) {
	off, lim := deref(offset), uint64(tagListDefaultLimit)
	if limit != nil {
		lim = *limit
	}
	if lim == 0 || lim > tagListMaxLimit {
		return 0, 0, apiErr(codeInvalidParamValue, "Limit must be between 1 and %d.", tagListMaxLimit)
	}
	if off%lim != 0 {
		return 0, 0, apiErr(codeInvalidParamValue, "Offset %d must be a multiple of Limit %d.", off, lim)
	}
	return int(off), int(lim), nil
}

func checkCategory(cat *string) *APIError {
	switch deref(cat) {
	case "", "All", "Custom", "System":
		return nil
	}
	return apiErr(codeInvalidParameter, "Category must be Custom, System or All.")
}

func describeTags(c *call, req *tag.DescribeTagsRequest) (*tag.DescribeTagsResponseParams, error) {
	off, lim, aerr := tagListPage(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	keys := derefs(req.TagKeys) // when given, TagKey is ignored
	if len(keys) == 0 && req.TagKey != nil {
		keys = []string{*req.TagKey}
	}
	var match []*tagPairRec
	for _, p := range sortedValues(tagPairTable.in(c.account())) {
		if len(keys) > 0 && !contains(keys, p.Key) {
			continue
		}
		if req.TagValue != nil && p.Value != *req.TagValue {
			continue
		}
		match = append(match, p)
	}
	lo, hi := page(len(match), off, lim)
	out := make([]*tag.TagWithDelete, 0, hi-lo)
	for _, p := range match[lo:hi] {
		canDelete := uint64(1)
		if c.tagAttached(p.Key, p.Value) {
			canDelete = 0
		}
		out = append(out, &tag.TagWithDelete{TagKey: ptr(p.Key), TagValue: ptr(p.Value), CanDelete: ptr(canDelete), Category: ptr("Custom")})
	}
	return &tag.DescribeTagsResponseParams{
		TotalCount: ptr(uint64(len(match))), Offset: ptr(uint64(off)), Limit: ptr(uint64(lim)), Tags: out,
	}, nil
}

func describeTagValues(c *call, req *tag.DescribeTagValuesRequest) (*tag.DescribeTagValuesResponseParams, error) {
	keys := derefs(req.TagKeys)
	if len(keys) == 0 {
		return nil, apiErr("InvalidParameterValue.TagKeyEmpty", "TagKeys is empty.")
	}
	for _, k := range keys {
		if k == "" {
			return nil, apiErr("InvalidParameterValue.TagKeyEmpty", "TagKeys contains an empty key.")
		}
	}
	if aerr := checkCategory(req.Category); aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := tagListPage(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	var match []*tagPairRec
	if deref(req.Category) != "System" { // every emulated tag is a custom one
		for _, p := range sortedValues(tagPairTable.in(c.account())) {
			if contains(keys, p.Key) {
				match = append(match, p)
			}
		}
	}
	lo, hi := page(len(match), off, lim)
	out := make([]*tag.Tag, 0, hi-lo)
	for _, p := range match[lo:hi] {
		out = append(out, &tag.Tag{TagKey: ptr(p.Key), TagValue: ptr(p.Value), Category: ptr("Custom")})
	}
	return &tag.DescribeTagValuesResponseParams{
		TotalCount: ptr(uint64(len(match))), Offset: ptr(uint64(off)), Limit: ptr(uint64(lim)), Tags: out,
	}, nil
}
