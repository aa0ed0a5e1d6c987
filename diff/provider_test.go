package diff_test

import (
	"testing"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestDecideThroughTheProviderTable: where the direction of a change decides its
// class or action, Compare asks the table's Decide (here the Tencent Cloud one).
func TestDecideThroughTheProviderTable(t *testing.T) {
	cluster := func(version string, protection bool) *spec.Cluster {
		c := &spec.Cluster{Spec: spec.ClusterSpec{Region: "ap-guangzhou", Version: version, VPCRef: spec.Ref{ID: "vpc-1"}, DeletionProtection: &protection}}
		c.Kind, c.Metadata.Name = spec.KindCluster, "prod"
		return c
	}
	got := diff.Compare(cluster("1.29.0", true), cluster("1.30.0-tke.1", true), tencentcloud.Table{}).Changes
	if len(got) != 1 || got[0].Class != spec.ClassForbidden {
		t.Errorf("downgrade: %+v; want one forbidden change", got)
	}
	got = diff.Compare(cluster("1.30.0", false), cluster("1.30.0", true), tencentcloud.Table{}).Changes
	if len(got) != 1 || got[0].Action != "tke:DisableClusterDeletionProtection" {
		t.Errorf("protection off: %+v; want tke:DisableClusterDeletionProtection", got)
	}
}
