package emulator

import (
	"context"
	"crypto/rand"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	tcjson "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"
)

const maxBodyBytes = 10 << 20

type routeKey struct{ service, version, action string }

// action is one API action of one product version.
type action struct {
	service, version, name string
	// key names the action in call counts, rate limits, faults and error counts:
	// "service.Action", or "service.version.Action" for an action a newer version of the
	// service serves beside an older one of the same name.
	key      string
	regional bool
	// unsigned actions are served without a signature (module.unsigned).
	unsigned bool
	run      func(c *call, body string) (any, error)
}

// call is the context of one API request, handed to handlers with e.mu held.
type call struct {
	ctx       context.Context
	e         *Emulator
	region    string
	secretID  string
	uin       string        // the account of the key that signed
	acct      *accountState // that account's state
	requestID string
	now       time.Time
	// deferred, when a handler sets it, runs after the lock is released and its result
	// is the response (used for backend calls such as the kubeconfig).
	deferred func(ctx context.Context) (any, error)
	notes    []notification
}

// mutating reports whether an action may change state (everything but reads).
func (a *action) mutating() bool {
	return !strings.HasPrefix(a.name, "Describe") && !strings.HasPrefix(a.name, "Get")
}

func (c *call) regionState() *regionState { return c.acct.region(c.region) }

// account is the state of account-wide tables (products without regions).
func (c *call) account() *regionState { return c.acct.Account }

// sdkRequest is what every SDK request type implements.
type sdkRequest interface {
	FromJsonString(s string) error
}

// op adapts a typed handler: the body is decoded into the SDK's own request type.
func op[Req sdkRequest, Resp any](newReq func() Req, fn func(c *call, req Req) (Resp, error)) func(*call, string) (any, error) {
	return func(c *call, body string) (any, error) {
		req := newReq()
		if err := decodeRequest(body, req); err != nil {
			return nil, err
		}
		return fn(c, req)
	}
}

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	defer drain(r.Body)
	if r.Method != http.MethodPost {
		writeError(w, requestID, apiErr(codeUnsupportedProtocol, "Only POST with a JSON body is supported by this endpoint; got %s.", r.Method))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		writeError(w, requestID, apiErr(codeInvalidParameter, "Reading the request body failed: %v", err))
		return
	}
	if len(body) > maxBodyBytes {
		writeError(w, requestID, apiErr("RequestSizeLimitExceeded", "The request body exceeds %d bytes.", maxBodyBytes))
		return
	}
	var signed signedRequest
	var aerr *APIError
	if r.Header.Get("Authorization") == skipSignature {
		signed, aerr = e.unsignedRequest(r) // sts.go
	} else {
		signed, aerr = verifyTC3(r, body, e.creds, e.now())
	}
	if aerr != nil {
		e.log.Debug("emulator: refused request", "code", aerr.Code, "action", r.Header.Get("X-TC-Action"))
		writeError(w, requestID, aerr)
		return
	}
	actionName := r.Header.Get("X-TC-Action")
	if actionName == "" {
		writeError(w, requestID, missing("Action"))
		return
	}
	// An API host (<service>.tencentcloudapi.com, reached through HTTPS or as a proxy)
	// names the service; it must be the one the request was signed for.
	if hs := hostService(r.Host); hs != "" && hs != signed.Service {
		writeError(w, requestID, apiErr(codeSignatureFailure, "The request is signed for service `%s` but sent to %s.", signed.Service, r.Host))
		return
	}
	version := r.Header.Get("X-TC-Version")
	a, ok := e.reg.routes[routeKey{signed.Service, version, actionName}]
	if !ok {
		if other := e.reg.versionsOf(signed.Service, actionName); len(other) > 0 {
			writeError(w, requestID, apiErr(codeNoSuchVersion, "The API version `%s` of `%s.%s` does not exist; the emulator serves %s.", version, signed.Service, actionName, strings.Join(other, ", ")))
			return
		}
		writeError(w, requestID, apiErr(codeInvalidAction, "The action `%s` of service `%s` is not supported by the emulator (or does not exist).", actionName, signed.Service))
		return
	}
	if signed.SecretID == "" && !a.unsigned {
		writeError(w, requestID, apiErr(codeInvalidAuthorization, "The action `%s` of service `%s` must be signed (TC3-HMAC-SHA256).", actionName, signed.Service))
		return
	}
	key := a.key
	e.calls.add(key)
	fail := func(ae *APIError) {
		e.calls.addError(key, ae.Code)
		writeError(w, requestID, ae)
		e.trace(a, ae.Code, nil)
	}
	region := r.Header.Get("X-TC-Region")
	if a.regional {
		if region == "" {
			fail(missing("Region"))
			return
		}
		if !regionPattern.MatchString(region) {
			fail(apiErr(codeUnsupportedRegion, "The region `%s` is not supported.", region))
			return
		}
	}
	if !e.limiter.allow(key, region, signed.SecretID, e.now()) {
		limit := e.limiter.limit(key)
		fail(apiErr(codeRequestLimitExceeded, "Your current request times exceeds the frequency limit `%d` per second for `%s`. Please reduce the frequency of calls.", limit, key))
		return
	}
	if f, ok := e.faults.draw(key); ok {
		if f.latency > 0 {
			t := time.NewTimer(f.latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if f.err != nil {
			fail(f.err)
			return
		}
	}

	c := &call{ctx: r.Context(), e: e, region: region, secretID: signed.SecretID, uin: signed.UIN, requestID: requestID}
	e.mu.Lock()
	c.acct = e.st.accountOf(signed.UIN, e.uin)
	c.now = e.now()
	notes := e.advanceLocked(c.now)
	resp, herr := a.run(c, string(body))
	if herr == nil && a.mutating() {
		e.st.dirty = true
	}
	var out []byte
	if herr == nil && c.deferred == nil {
		out, herr = encodeResponse(resp, requestID)
	}
	notes = append(notes, c.notes...)
	snap, serr := e.snapshotIfDirtyLocked()
	release := e.holdNotifications(notes)
	e.mu.Unlock()
	if serr != nil {
		e.log.Error("emulator: snapshot state", "err", serr)
	}
	e.persist(snap)
	e.notify(r.Context(), notes)
	release()

	if herr == nil && c.deferred != nil {
		resp, herr = c.deferred(r.Context())
		if herr == nil {
			out, herr = encodeResponse(resp, requestID)
		}
	}
	if herr != nil {
		var ae *APIError
		if !errors.As(herr, &ae) {
			e.log.Error("emulator: handler failed", "action", key, "err", herr)
			ae = apiErr(codeInternalError, "Internal error: %v", herr)
		}
		e.log.Debug("emulator: call", "action", key, "region", region, "code", ae.Code)
		fail(ae)
		return
	}
	e.log.Debug("emulator: call", "action", key, "region", region)
	writeJSON(w, out)
	e.trace(a, "", out)
}

// trace hands a finished call to Options.Trace.
func (e *Emulator) trace(a *action, code string, body []byte) {
	if e.traceFn != nil {
		e.traceFn(Exchange{Service: a.service, Version: a.version, Action: a.name, Key: a.key, Code: code, Response: body})
	}
}

var regionPattern = regexp.MustCompile(`^[a-z]{2,}-[a-z]+(-[a-z0-9]+)*$`)

// decodeRequest decodes body into an SDK request. Keys the request type does not
// declare, at any depth, are refused with UnknownParameter naming the parameter as the
// API spells it ("Filters.0.Namex"), as the real API does (the SDK's own FromJsonString
// only says "unknown keys"). Numbers and numeric strings are accepted for each other's
// fields, because the VPC API takes Offset/Limit as strings.
func decodeRequest(body string, req sdkRequest) error {
	if strings.TrimSpace(body) == "" {
		body = "{}"
	}
	var raw map[string]stdjson.RawMessage
	if err := stdjson.Unmarshal([]byte(body), &raw); err != nil {
		return apiErr(codeInvalidParameter, "The request body is not a JSON object: %v", err)
	}
	fixed, changed, unknown := conformObject("", requestFields(reflect.TypeOf(req)), raw)
	if unknown != "" {
		return apiErr(codeUnknownParameter, "The parameter `%s` is not recognized.", unknown)
	}
	if changed {
		b, err := stdjson.Marshal(fixed)
		if err != nil {
			return fmt.Errorf("re-encode request: %w", err)
		}
		body = string(b)
	}
	if err := req.FromJsonString(body); err != nil {
		msg := err.Error()
		var ute *tcjson.UnmarshalTypeError
		if ok := asTypeError(err, &ute); ok {
			msg = fmt.Sprintf("The type of parameter `%s` is invalid: got a JSON %s, want %s.", ute.Field, ute.Value, ute.Type)
		}
		return apiErr(codeInvalidParameter, "%s", msg)
	}
	return nil
}

// conformObject checks the keys of one JSON object against fields (JSON name → Go
// type) and coerces numeric scalars; it returns the first unknown parameter's path, in
// sorted order.
func conformObject(path string, fields map[string]reflect.Type, raw map[string]stdjson.RawMessage) (map[string]stdjson.RawMessage, bool, string) {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	changed := false
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			return nil, false, path + k
		}
		nv, c, unknown := conformValue(path+k, ft, raw[k])
		if unknown != "" {
			return nil, false, unknown
		}
		if c {
			raw[k], changed = nv, true
		}
	}
	return raw, changed, ""
}

// conformValue checks one value against its Go type: objects against their struct's
// fields, arrays element by element (paths "X.0", "X.1"), scalars by coercion.
func conformValue(path string, t reflect.Type, v stdjson.RawMessage) (stdjson.RawMessage, bool, string) {
	s := strings.TrimSpace(string(v))
	if s == "" || s == "null" {
		return v, false, ""
	}
	et := t
	for et.Kind() == reflect.Pointer {
		et = et.Elem()
	}
	switch {
	case et.Kind() == reflect.Struct && s[0] == '{':
		var obj map[string]stdjson.RawMessage
		if stdjson.Unmarshal(v, &obj) != nil {
			return v, false, "" // FromJsonString reports the type error
		}
		fixed, changed, unknown := conformObject(path+".", requestFields(et), obj)
		if unknown != "" || !changed {
			return v, false, unknown
		}
		b, _ := stdjson.Marshal(fixed)
		return b, true, ""
	case et.Kind() == reflect.Slice && s[0] == '[':
		var arr []stdjson.RawMessage
		if stdjson.Unmarshal(v, &arr) != nil {
			return v, false, ""
		}
		changed := false
		for i, el := range arr {
			nv, c, unknown := conformValue(path+"."+strconv.Itoa(i), et.Elem(), el)
			if unknown != "" {
				return v, false, unknown
			}
			if c {
				arr[i], changed = nv, true
			}
		}
		if !changed {
			return v, false, ""
		}
		b, _ := stdjson.Marshal(arr)
		return b, true, ""
	}
	if nv, ok := coerceScalar(t, v); ok {
		return nv, true, ""
	}
	return v, false, ""
}

func asTypeError(err error, target **tcjson.UnmarshalTypeError) bool {
	return errors.As(err, target)
}

// requestFields maps the JSON names of a struct's fields to their types.
func requestFields(t reflect.Type) map[string]reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

// coerceScalar turns 100 into "100" for *string fields and "100" into 100 for numeric
// fields; it reports whether it changed the value.
func coerceScalar(t reflect.Type, v stdjson.RawMessage) (stdjson.RawMessage, bool) {
	if t.Kind() != reflect.Pointer {
		return nil, false
	}
	s := strings.TrimSpace(string(v))
	if s == "" || s == "null" {
		return nil, false
	}
	switch t.Elem().Kind() {
	case reflect.String:
		if s[0] == '-' || (s[0] >= '0' && s[0] <= '9') {
			b, _ := stdjson.Marshal(s)
			return b, true
		}
	case reflect.Int64, reflect.Uint64, reflect.Int, reflect.Uint:
		if s[0] == '"' {
			var str string
			if stdjson.Unmarshal(v, &str) == nil {
				if _, err := strconv.ParseInt(str, 10, 64); err == nil {
					return stdjson.RawMessage(str), true
				}
			}
		}
	}
	return nil, false
}

// encodeResponse wraps an SDK XxxResponseParams in {"Response": …} with the RequestId,
// using the SDK's own JSON encoder (empty non-nil slices come out as []).
func encodeResponse(resp any, requestID string) ([]byte, error) {
	v := reflect.ValueOf(resp)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, fmt.Errorf("handler returned %T, want a pointer to response params", resp)
	}
	f := v.Elem().FieldByName("RequestId")
	if !f.IsValid() {
		return nil, fmt.Errorf("response %T has no RequestId", resp)
	}
	f.Set(reflect.ValueOf(&requestID))
	return tcjson.Marshal(map[string]any{"Response": resp})
}

type errorBody struct {
	Response struct {
		Error struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

func writeError(w http.ResponseWriter, requestID string, e *APIError) {
	var b errorBody
	b.Response.Error.Code = e.Code
	b.Response.Error.Message = e.Message
	b.Response.RequestID = requestID
	out, _ := stdjson.Marshal(b)
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (e *Emulator) serveStats(w http.ResponseWriter, r *http.Request) {
	out, _ := stdjson.Marshal(struct {
		Total  int64            `json:"total"`
		Calls  map[string]int64 `json:"calls"`
		Errors map[string]int64 `json:"errors"`
	}{e.calls.total(), e.calls.snapshot(), e.calls.errorSnapshot()})
	writeJSON(w, out)
}

func (e *Emulator) serveStatsReset(w http.ResponseWriter, r *http.Request) {
	e.calls.reset()
	w.WriteHeader(http.StatusNoContent)
}
