package tencentcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

func TestNormRule(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     spec.SecurityGroupRule
		want   spec.SecurityGroupRule
	}{
		"case and ports": {
			reason: "the API returns upper-case protocol and action; ports lose spaces",
			in:     spec.SecurityGroupRule{Protocol: "tcp", Port: "80, 443", CIDRBlock: "10.0.0.1/8", Action: "accept"},
			want:   spec.SecurityGroupRule{Protocol: "TCP", Port: "80,443", CIDRBlock: "10.0.0.0/8", Action: "ACCEPT"},
		},
		"port-less protocol": {
			reason: "ICMP has no port: the canonical form is ALL",
			in:     spec.SecurityGroupRule{Protocol: "icmp", CIDRBlock: "0.0.0.0/0", Action: "DROP"},
			want:   spec.SecurityGroupRule{Protocol: "ICMP", Port: "ALL", CIDRBlock: "0.0.0.0/0", Action: "DROP"},
		},
		"ref by ID only": {
			reason: "live references carry IDs, never names",
			in:     spec.SecurityGroupRule{Protocol: "ALL", Port: "all", SecurityGroupRef: &spec.Ref{Name: "x", ID: "sg-1"}, Action: "ACCEPT"},
			want:   spec.SecurityGroupRule{Protocol: "ALL", Port: "ALL", SecurityGroupRef: &spec.Ref{ID: "sg-1"}, Action: "ACCEPT"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := normRule(tc.in)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || (got.SecurityGroupRef == nil) != (tc.want.SecurityGroupRef == nil) ||
				(got.SecurityGroupRef != nil && *got.SecurityGroupRef != *tc.want.SecurityGroupRef) {
				t.Errorf("\nReason: %s\nwant %+v\ngot  %+v", tc.reason, tc.want, got)
			}
		})
	}
}

func TestRulesEqual(t *testing.T) {
	a := spec.SecurityGroupRule{Protocol: "TCP", Port: "22", CIDRBlock: "10.0.0.0/8", Action: "ACCEPT"}
	b := spec.SecurityGroupRule{Protocol: "UDP", Port: "53", CIDRBlock: "10.0.0.0/8", Action: "ACCEPT"}
	self := spec.SecurityGroupRule{Protocol: "ALL", Port: "ALL", SecurityGroupRef: &spec.Ref{ID: "sg-1"}, Action: "ACCEPT"}
	selfByName := self
	selfByName.SecurityGroupRef = &spec.Ref{Name: "me", ID: "sg-1"}
	if !rulesEqual([]spec.SecurityGroupRule{a, self}, []spec.SecurityGroupRule{a, selfByName}) {
		t.Error("references compare by ID")
	}
	if rulesEqual([]spec.SecurityGroupRule{a, b}, []spec.SecurityGroupRule{b, a}) {
		t.Error("rules are evaluated in order, so reordering is a difference")
	}
	other := self
	other.SecurityGroupRef = &spec.Ref{ID: "sg-2"}
	if rulesEqual([]spec.SecurityGroupRule{self}, []spec.SecurityGroupRule{other}) || rulesEqual([]spec.SecurityGroupRule{self}, []spec.SecurityGroupRule{a}) {
		t.Error("a different or missing reference is a difference")
	}
}

func TestTags(t *testing.T) {
	vpc := &spec.VPC{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindVPC}, Metadata: spec.ObjectMeta{Name: "net"}},
		Spec: spec.VPCSpec{Tags: map[string]string{"team": "a"}}}
	tags, err := desiredTags("prod", vpc)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"team": "a", providers.TagOwner: "prod", providers.TagName: "VPC/net", providers.TagDeletionPolicy: "Delete"}
	if fmt.Sprint(tags) != fmt.Sprint(want) {
		t.Errorf("desiredTags = %v, want %v", tags, want)
	}
	user, own := splitTags(tags)
	if fmt.Sprint(user) != fmt.Sprint(map[string]string{"team": "a"}) {
		t.Errorf("user tags = %v", user)
	}
	if !own.ownedBy("prod", spec.KindVPC) || own.ownedBy("other", spec.KindVPC) || own.ownedBy("prod", spec.KindSubnet) {
		t.Errorf("ownership %+v misread", own)
	}
	vpc.Spec.Tags = map[string]string{"tkeops.io/owner": "evil"}
	if _, err := desiredTags("prod", vpc); err == nil {
		t.Error("a user tag under tkeops.io/ must be refused")
	}
	if _, own := splitTags(map[string]string{providers.TagOwner: "prod"}); own.ownedBy("prod", spec.KindVPC) {
		t.Error("an owner tag without a name tag must not count as owned")
	}
}

func TestRetryPolicy(t *testing.T) {
	cases := []struct {
		code string
		kind callKind
		want bool
	}{
		{"RequestLimitExceeded", kindCreate, true},
		{"RequestLimitExceeded.UinLimitExceeded", kindCreate, true},
		{"ClientError.NetworkError", kindCreate, false},
		{"ClientError.NetworkError", kindWrite, true},
		{"InternalError", kindRead, true},
		{"InternalError", kindWrite, false},
		{"InvalidParameter.Param", kindRead, false},
		{"ResourceInUse", kindWrite, false},
	}
	for _, tc := range cases {
		if got := retryable(classify(tc.code), tc.kind, 0); got != tc.want {
			t.Errorf("retryable(%s, kind %d) = %v, want %v", tc.code, tc.kind, got, tc.want)
		}
	}
}

func TestNotFoundNormalisation(t *testing.T) {
	for _, code := range []string{"ResourceNotFound", "ResourceNotFound.ClusterNotFound", "InvalidParameter.ClusterNotFound",
		"InternalError.ClusterNotFound", "FailedOperation.NodePoolQueryFailed", "InvalidSecurityGroupID.NotFound"} {
		if !(&APIError{Code: code}).NotFound() {
			t.Errorf("%s should mean not found", code)
		}
	}
	if !(&APIError{Code: "InternalError.Param", Message: "Not Found"}).NotFound() {
		t.Error("InternalError.Param \"Not Found\" (node pool delete) should mean not found")
	}
	if (&APIError{Code: "InternalError.Param", Message: "bad value"}).NotFound() {
		t.Error("InternalError.Param with another message is not a not-found")
	}
	if (&APIError{Code: "InvalidParameter"}).NotFound() {
		t.Error("InvalidParameter is not a not-found")
	}
}

func TestAPIErrorScrubsSecrets(t *testing.T) {
	scrub := func(s string) string { return strings.ReplaceAll(s, "sekrit", secret.Redacted) }
	err := toAPIError("tke:DescribeClusters", sdkerrors.NewTencentCloudSDKError("AuthFailure.SignatureFailure", "key sekrit is wrong", "req-1"), scrub)
	wrapped := fmt.Errorf("observe: %w", err)
	var ae *APIError
	if !errors.As(wrapped, &ae) || ae.Code != "AuthFailure.SignatureFailure" || ae.RequestID != "req-1" || ae.Action != "tke:DescribeClusters" {
		t.Fatalf("errors.As gave %+v", ae)
	}
	if strings.Contains(wrapped.Error(), "sekrit") {
		t.Errorf("secret leaked: %s", wrapped)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2")
	opts := Options{SecretID: "AKIDx", SecretKey: s, Owner: "o"}
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("opts", "key", s, "opts", opts)
	js, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", s, s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", opts, opts, opts), string(js), logs.String(),
	} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, "68756e74657232") {
			t.Errorf("secret printed: %s", out)
		}
	}
}

func TestCanonCIDR(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.1/16": "10.0.0.0/16", " 172.16.0.0/12 ": "172.16.0.0/12", "bogus": "bogus"} { //nolint:gocritic // the spaces are the input under test
		if got := canonCIDR(in); got != want {
			t.Errorf("canonCIDR(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasPath(t *testing.T) {
	if !hasPath("spec.tags.team", "spec.tags") || !hasPath("spec.subnetRefs[1]", "spec.subnetRefs") || hasPath("spec.tagsx", "spec.tags") {
		t.Error("hasPath misjudges prefixes")
	}
}

// TestRulesTables checks every kind's mutability table: one rule per path, a class,
// an action in service:Action form exactly where Update makes the change, and a
// routing that names a call (TestEveryChangeableFieldRoundTrips runs every route).
func TestRulesTables(t *testing.T) {
	for _, k := range kinds() {
		kind := k.kind()
		seen := map[string]bool{}
		for _, r := range k.rules() {
			if seen[r.path] {
				t.Errorf("%s %s: two rules", kind, r.path)
			}
			seen[r.path] = true
			switch {
			case r.class < spec.ClassInPlace || r.class > spec.ClassForbidden:
				t.Errorf("%s %s: no class", kind, r.path)
			case r.action != "" && !strings.Contains(r.action, ":"):
				t.Errorf("%s %s: action %q is not service:Action", kind, r.path, r.action)
			case r.class == spec.ClassNewNodesOnly && r.action == "":
				t.Errorf("%s %s: %s without an action", kind, r.path, r.class)
			case !r.changes() && (r.action != "" || r.via != ""):
				t.Errorf("%s %s: %s with an action or a route", kind, r.path, r.class)
			}
		}
		info, _ := spec.Lookup(kind)
		specType, _ := info.Type().FieldByName("Spec")
		_, hasTags := specType.Type.FieldByName("Tags") // add-ons carry no tags
		if !seen["metadata.name"] || (hasTags && !seen["spec.tags"]) || !seen["spec.deletionPolicy"] {
			t.Errorf("%s: the table lacks the common rows", kind)
		}
		if fr := Rules(kind); len(fr) != len(k.rules()) || fr[0].Kind != kind {
			t.Errorf("%s: Rules gives %d rules, the table has %d", kind, len(fr), len(k.rules()))
		}
	}
}

func TestDecideNamesTheActionCalled(t *testing.T) {
	cases := []struct {
		kind          spec.Kind
		path          string
		before, after any
		class         spec.Class
		action        string
	}{
		{spec.KindCluster, "spec.deletionProtection", true, false, spec.ClassInPlace, "tke:DisableClusterDeletionProtection"},
		{spec.KindCluster, "spec.deletionProtection", false, true, spec.ClassInPlace, "tke:EnableClusterDeletionProtection"},
		{spec.KindCluster, "spec.version", "1.30.0", "1.28.3", spec.ClassForbidden, ""},
		{spec.KindCluster, "spec.version", "1.30.0-tke.5", "1.32.2", spec.ClassInPlace, "tke:UpdateClusterVersion"},
		{spec.KindCluster, "spec.network.eniSubnetRefs", []any{"subnet-a"}, []any{"subnet-a", "subnet-b"}, spec.ClassInPlace, "tke:AddVpcCniSubnets"},
		{spec.KindCluster, "spec.network.eniSubnetRefs", []any{"subnet-a", "subnet-b"}, []any{"subnet-b"}, spec.ClassForbidden, ""},
		{spec.KindCluster, "spec.endpoints.public.securityGroupRef", nil, "sg-1", spec.ClassInPlace, "tke:CreateClusterEndpoint"},
		{spec.KindCluster, "spec.endpoints.public.securityGroupRef", "sg-1", nil, spec.ClassInPlace, "tke:DeleteClusterEndpoint"},
		{spec.KindCluster, "spec.endpoints.public.securityGroupRef", "sg-1", "sg-2", spec.ClassInPlace, "tke:ModifyClusterEndpointSP"},
		{spec.KindCluster, "spec.endpoints.private.subnetRef", "subnet-a", nil, spec.ClassInPlace, "tke:DeleteClusterEndpoint"},
		{spec.KindNodePool, "spec.instanceTypes", []any{"S5.LARGE8"}, []any{"S5.LARGE8", "SA5.LARGE8"}, spec.ClassNewNodesOnly, "tke:ModifyNodePoolInstanceTypes"},
		{spec.KindNodePool, "spec.instanceTypes", []any{"SA5.LARGE8"}, []any{"SA5.LARGE16", "S5.LARGE8"}, spec.ClassReplace, ""},
		{spec.KindNodePool, "spec.dataDisks", []any{map[string]any{"type": "CLOUD_SSD", "sizeGB": 50.0, "mountTarget": "/d"}},
			[]any{map[string]any{"type": "CLOUD_SSD", "sizeGB": 100.0, "mountTarget": "/d"}}, spec.ClassNewNodesOnly, "as:ModifyLaunchConfigurationAttributes"},
		{spec.KindNodePool, "spec.dataDisks", []any{map[string]any{"type": "CLOUD_SSD", "mountTarget": "/d"}},
			[]any{map[string]any{"type": "CLOUD_SSD", "mountTarget": "/e"}}, spec.ClassReplace, ""},
		{spec.KindVPC, "spec.dnsServers", []any{"1.1.1.1"}, []any{"8.8.8.8"}, spec.ClassInPlace, "vpc:ModifyVpcAttribute"},
	}
	for _, tc := range cases {
		r, ok := Decide(tc.kind, tc.path, tc.before, tc.after)
		if !ok || r.Class != tc.class || r.Action != tc.action || r.Note == "" && tc.kind == spec.KindCluster {
			t.Errorf("Decide(%s %s, %v → %v) = %s %q (%q), want %s %q", tc.kind, tc.path, tc.before, tc.after, r.Class, r.Action, r.Note, tc.class, tc.action)
		}
	}
}

func TestByIDPagesIsolatesMissingIDs(t *testing.T) {
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = fmt.Sprintf("asg-%03d", i)
	}
	gone := map[string]bool{"asg-007": true, "asg-180": true}
	var got []string
	calls := 0
	var mu sync.Mutex // pages are fetched at once
	err := byIDPages(t.Context(), ids, func(_ context.Context, chunk []string) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if len(chunk) > 100 {
			t.Errorf("page of %d IDs", len(chunk))
		}
		for _, id := range chunk {
			if gone[id] {
				return &APIError{Code: "ResourceNotFound"}
			}
		}
		got = append(got, chunk...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 248 {
		t.Errorf("got %d IDs, want 248", len(got))
	}
	if calls > 3+2*2*8 {
		t.Errorf("%d calls to isolate 2 missing IDs", calls)
	}
	boom := errors.New("boom")
	if err := byIDPages(t.Context(), ids, func(context.Context, []string) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("other errors must surface: %v", err)
	}
}

func TestLifecycleCalls(t *testing.T) {
	sg := &spec.SecurityGroup{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindSecurityGroup}, Metadata: spec.ObjectMeta{Name: "me"}},
		Spec: spec.SecurityGroupSpec{Ingress: []spec.SecurityGroupRule{{Protocol: "ALL", SecurityGroupRef: &spec.Ref{Name: "me"}, Action: "ACCEPT"}}}}
	sub := &spec.Subnet{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindSubnet}}, Spec: spec.SubnetSpec{EnableBroadcast: boolPtr(true)}}
	for _, tc := range []struct {
		r    spec.Resource
		want string
	}{
		{sg, "vpc:CreateSecurityGroup vpc:ModifySecurityGroupPolicies"},
		{&spec.SecurityGroup{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindSecurityGroup}}}, "vpc:CreateSecurityGroupWithPolicies"},
		{sub, "vpc:CreateSubnet vpc:ModifySubnetAttribute"},
		{&spec.NodePool{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindNodePool}}}, "tke:CreateClusterNodePool"},
	} {
		if got, ok := CreateCalls(tc.r); !ok || strings.Join(got, " ") != tc.want {
			t.Errorf("CreateCalls(%s) = %v, %v; want %s", tc.r.GetAddr().Kind, got, ok, tc.want)
		}
	}
	if got, ok := DeleteCalls(&spec.Cluster{Object: spec.Object{TypeMeta: spec.TypeMeta{Kind: spec.KindCluster}}}); !ok || len(got) != 1 || got[0] != "tke:DeleteCluster" {
		t.Errorf("DeleteCalls(Cluster) = %v, %v", got, ok)
	}
}
