package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

const chartDir = "helm/tkeops"

const gitURL = "config.git.url=https://git.example.com/platform/infra.git"

// helmBin returns the helm built by hack/helm/build.sh, which sits next to the
// kube-apiserver binaries. Without it the test fails (or skips under -short),
// naming the command that builds it.
func helmBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(kubeapiserver.DefaultBinDir(), "helm")
	if st, err := os.Stat(bin); err != nil || st.Mode()&0o111 == 0 {
		msg := fmt.Sprintf("helm not found at %s: run hack/helm/build.sh (make helm-bin)", bin)
		if testing.Short() {
			t.Skip("-short and " + msg)
		}
		t.Fatal(msg)
	}
	return bin
}

// helm runs the helm CLI with its state directories inside the test's temp
// dir, so it neither reads nor writes the user's helm configuration.
func helm(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(helmBin(t), args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECONFIG="+filepath.Join(home, "no-kubeconfig"),
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("helm %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

func render(t *testing.T, ns string, set ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", "tkeops", chartDir, "--namespace", ns}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	out, err := helm(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeYAML(out)
	if err != nil {
		t.Fatalf("decode rendered chart: %v\n%s", err, out)
	}
	return objs
}

func TestChartLint(t *testing.T) {
	out, err := helm(t, "lint", "--strict", chartDir, "--set", "existingSecrets.cloud=cloud", "--set", gitURL)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// TestChartDryRun renders the chart with several value sets and applies each
// rendering with server-side dry-run to a real API server, in a namespace that
// enforces the restricted Pod Security level.
func TestChartDryRun(t *testing.T) {
	c := newCluster(t)
	c.installServiceMonitorCRD()

	cases := []struct {
		name       string
		set        []string
		workload   string
		kinds      []string // kinds that must be present
		absent     []string // kinds that must not be
		checkLease bool
		proxy      bool // the Service reaches the pod through oauth2-proxy
		// podIdentity: no key pair in the pod, the role on its ServiceAccount, the
		// source in its configuration.
		podIdentity bool
	}{
		{
			name:       "defaults",
			set:        []string{"existingSecrets.cloud=my-cloud", "existingSecrets.forge=my-forge", gitURL, "config.forge.kind=github", "config.forge.repo=example/infra"},
			workload:   "Deployment",
			kinds:      []string{"ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Service", "PodDisruptionBudget"},
			absent:     []string{"ServiceMonitor", "Secret", "PersistentVolumeClaim"},
			checkLease: true,
		},
		{
			name: "persistence, service monitor, chart-made secrets, placement",
			set: []string{
				"persistence.enabled=true", "persistence.size=1Gi",
				"serviceMonitor.enabled=true", "serviceMonitor.labels.release=prom",
				"secrets.create=true", "secrets.cloud.secretId=AKIDexample", "secrets.cloud.secretKey=example",
				"secrets.forge.token=tok", "secrets.forge.webhookSecret=hook",
				"nodeSelector.role=ops", "tolerations[0].key=dedicated", "tolerations[0].operator=Exists",
				"extraVolumes[0].name=git-ssh", "extraVolumes[0].secret.secretName=git-ssh",
				"extraVolumeMounts[0].name=git-ssh", "extraVolumeMounts[0].mountPath=/etc/tkeops/git", "extraVolumeMounts[0].readOnly=true",
				gitURL,
			},
			workload: "StatefulSet",
			kinds:    []string{"ServiceMonitor", "Secret"},
		},
		{
			name: "oauth2-proxy in front of the page",
			set: []string{"existingSecrets.cloud=c", gitURL, "auth.oauth2Proxy.enabled=true", "auth.oauth2Proxy.existingSecret=oidc",
				"auth.oauth2Proxy.args[0]=--provider=oidc", "auth.oauth2Proxy.args[1]=--oidc-issuer-url=https://dex.example.com"},
			workload: "Deployment",
			proxy:    true,
		},
		{
			name: "pod identity instead of a key pair",
			set: []string{gitURL, "config.cloud.credentials.source=pod-identity",
				`serviceAccount.annotations.tke\.cloud\.tencent\.com/role-arn=qcs::cam::uin/100000000001:roleName/tkeops-apply`},
			workload:    "Deployment",
			absent:      []string{"Secret"},
			podIdentity: true,
		},
		{
			name:     "single replica without leader election",
			set:      []string{"existingSecrets.cloud=c", "replicaCount=1", "leaderElection.enabled=false", gitURL},
			workload: "Deployment",
			absent:   []string{"Role", "RoleBinding", "PodDisruptionBudget"},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := *c
			c.t = t
			ns := fmt.Sprintf("tkeops-chart-%d", i)
			objs := render(t, ns, tc.set...)
			c.mustApply(&unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "Namespace",
				"metadata": map[string]any{"name": ns, "labels": map[string]any{"pod-security.kubernetes.io/enforce": "restricted"}},
			}})
			for _, o := range objs {
				if o.GetNamespace() != ns {
					t.Errorf("%s %s: namespace %q, want the release namespace %q", o.GetKind(), o.GetName(), o.GetNamespace(), ns)
				}
			}
			if sas := byKind(objs, "ServiceAccount"); len(sas) > 0 {
				c.mustApply(sas...)
			}
			c.dryRunAll(objs)
			if n := c.dryRunPods(objs); n != 1 {
				t.Errorf("want one workload, got %d", n)
			}
			only(t, objs, tc.workload)
			for _, k := range tc.kinds {
				if len(byKind(objs, k)) == 0 {
					t.Errorf("no %s rendered", k)
				}
			}
			for _, k := range tc.absent {
				if len(byKind(objs, k)) != 0 {
					t.Errorf("%s rendered, want none", k)
				}
			}
			svc := only(t, objs, "Service")
			ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
			target := ports[0].(map[string]any)["targetPort"]
			if want := map[bool]string{true: "proxy", false: "http"}[tc.proxy]; target != want {
				t.Errorf("the Service targets port %v, want %s", target, want)
			}
			if tc.proxy {
				w := only(t, objs, tc.workload)
				cs, _, _ := unstructured.NestedSlice(w.Object, "spec", "template", "spec", "containers")
				if len(cs) != 2 || !strings.Contains(fmt.Sprint(cs[1]), "--skip-auth-route=POST=^/hooks/") {
					t.Errorf("no oauth2-proxy sidecar letting webhooks through: %v", cs)
				}
			}
			if w := only(t, objs, tc.workload); strings.Contains(fmt.Sprint(w.Object), "TENCENTCLOUD_SECRET_ID") == tc.podIdentity {
				t.Errorf("pod identity %v, but the pod's environment is %v", tc.podIdentity,
					fmt.Sprint(unstructured.NestedSlice(w.Object, "spec", "template", "spec", "containers")))
			}
			if tc.podIdentity {
				sa := only(t, objs, "ServiceAccount")
				cm := only(t, objs, "ConfigMap")
				if sa.GetAnnotations()["tke.cloud.tencent.com/role-arn"] == "" || !strings.Contains(fmt.Sprint(cm.Object["data"]), "source: pod-identity") {
					t.Errorf("no role on the ServiceAccount (%v) or no credentials source in the config (%v)", sa.GetAnnotations(), cm.Object["data"])
				}
			}
			if tc.checkLease {
				c.mustApply(byKind(objs, "Role")...)
				c.mustApply(byKind(objs, "RoleBinding")...)
				sa := only(t, objs, "ServiceAccount")
				checkLeaseRBAC(t, &c, "system:serviceaccount:"+ns+":"+sa.GetName(), ns)
			}
		})
	}
}

// TestChartRefusesUnsafeValues: values that would run the service wrongly fail
// at render time with a message saying what to set.
func TestChartRefusesUnsafeValues(t *testing.T) {
	cases := []struct {
		set  []string
		want string
	}{
		{[]string{"replicaCount=2", "leaderElection.enabled=false", "existingSecrets.cloud=c", gitURL}, "needs leaderElection.enabled=true"},
		{[]string{gitURL}, "existingSecrets.cloud"},
		{[]string{"secrets.create=true", gitURL}, "secrets.cloud.secretId is required"},
		{[]string{"existingSecrets.cloud=c"}, "config.git.url is required"},
		{[]string{"existingSecrets.cloud=c", gitURL, "config.cloud.credentials.source=pod-identity"}, "both given: keep one"},
		// values.schema.json: typos and wrong types fail instead of being ignored.
		{[]string{"existingSecrets.cloud=c", gitURL, "replicas=3"}, "additional properties 'replicas' not allowed"},
		{[]string{"existingSecrets.cloud=c", gitURL, "persistence.enabled=yes"}, "want boolean"},
		{[]string{"existingSecrets.cloud=c", gitURL, "auth.oauth2Proxy.enabled=true"}, "auth.oauth2Proxy.existingSecret is required"},
	}
	for _, tc := range cases {
		args := []string{"template", "tkeops", chartDir}
		for _, s := range tc.set {
			args = append(args, "--set", s)
		}
		_, err := helm(t, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("helm template --set %v: got %v, want an error containing %q", tc.set, err, tc.want)
		}
	}
}
