package kubernetes_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/spec"
)

func TestFromSpec(t *testing.T) {
	np := &spec.NodePool{}
	np.Spec.Labels = map[string]string{"team": "a"}
	np.Spec.Taints = []spec.Taint{{Key: "dedicated", Value: "a", Effect: "NoSchedule"}}
	tmpl := kubernetes.TemplateFor(np)
	if fmt.Sprint(tmpl.Labels, tmpl.Taints) != "map[team:a] [dedicated=a:NoSchedule]" {
		t.Errorf("TemplateFor = %v", tmpl)
	}
	np.Spec.Labels["team"] = "b"
	if tmpl.Labels["team"] != "a" {
		t.Error("TemplateFor shares the spec's map")
	}

	c := &spec.Cluster{}
	c.Spec.Endpoints.Public = &spec.PublicEndpoint{}
	if a := kubernetes.AccessFor(c, "cls-1", false); a.IntranetEndpoint || !a.ExtranetEndpoint || a.ClusterID != "cls-1" {
		t.Errorf("AccessFor with a public endpoint = %+v", a)
	}

	no := false
	for _, tc := range []struct {
		in      spec.DrainSettings
		want    kubernetes.DrainOptions
		wantErr bool
	}{
		{spec.DrainSettings{}, kubernetes.DrainOptions{Timeout: 10 * time.Minute}, false},
		{spec.DrainSettings{Timeout: "90s", RespectPDBs: &no}, kubernetes.DrainOptions{Timeout: 90 * time.Second, DisableEviction: true}, false},
		{spec.DrainSettings{Timeout: "48h"}, kubernetes.DrainOptions{}, true},
		{spec.DrainSettings{Timeout: "soon"}, kubernetes.DrainOptions{}, true},
	} {
		got, err := kubernetes.DrainOptionsFor(tc.in)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("DrainOptionsFor(%+v) = %+v, %v", tc.in, got, err)
		}
	}
}
