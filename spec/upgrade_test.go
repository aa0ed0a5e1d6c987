package spec

import (
	"strings"
	"testing"
)

func TestVersionHops(t *testing.T) {
	for _, tc := range []struct{ live, want, hops string }{
		{"1.28.3", "1.32.2", "1.30 1.32.2"},
		{"1.30.0-tke.5", "1.32.2", "1.32.2"},
		{"1.26.1", "1.32.2", "1.28 1.30 1.32.2"},
		{"1.30.0", "1.30.2", "1.30.2"},
		{"1.30.0", "1.30.0", ""},
		{"1.32.2", "1.30.0", ""},
		{"1.29.1", "1.32.2", "1.30 1.32.2"},
	} {
		if got := strings.Join(VersionHops(tc.live, tc.want), " "); got != tc.hops {
			t.Errorf("VersionHops(%s, %s) = %q, want %q", tc.live, tc.want, got, tc.hops)
		}
	}
}

func TestSkew(t *testing.T) {
	for _, tc := range []struct {
		cp, node string
		ok       bool
	}{
		{"1.32.2", "1.30.0", true}, {"1.32.2", "1.29.0", true}, {"1.32.2", "1.28.3", false},
		{"1.26.1", "1.24.4", true}, {"1.26.1", "1.23.0", false}, {"1.30.0", "1.32.2", false},
	} {
		if got := SkewProblem(tc.cp, tc.node) == ""; got != tc.ok {
			t.Errorf("SkewProblem(%s, %s): ok %v, want %v (%s)", tc.cp, tc.node, got, tc.ok, SkewProblem(tc.cp, tc.node))
		}
	}
	if !VersionBefore("1.28.3", "1.30") || VersionBefore("1.30.0-tke.1", "1.30") || !VersionBefore("v1.30.0", "1.30.2") {
		t.Error("VersionBefore")
	}
}
