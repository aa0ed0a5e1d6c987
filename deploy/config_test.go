package deploy

import (
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/service/config"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The configuration shipped in deploy/ must be one `tkeops serve` accepts, and
// it must agree with the pod it runs in: the --config path is the mounted
// ConfigMap key, dataDir is the data volume, listen is the container port, the
// secret files it names are keys of the mounted Secret, and the cloud
// credentials reach the environment.

// deployedPod is what the tests read from rendered manifests.
type deployedPod struct {
	config    []byte // the ConfigMap's tkeops.yaml
	configMap string // its name
	namespace string
	workload  appsv1.DeploymentSpec
	forgeKeys []string // keys of the forge Secret, when the manifests carry one
}

func splitDocs(b []byte) [][]byte {
	var out [][]byte
	for _, d := range strings.Split(string(b), "\n---") {
		if strings.TrimSpace(strings.TrimPrefix(d, "---")) != "" {
			out = append(out, []byte(d))
		}
	}
	return out
}

func readPod(t *testing.T, manifests []byte) deployedPod {
	t.Helper()
	var p deployedPod
	for _, doc := range splitDocs(manifests) {
		var head struct {
			Kind     string
			Metadata struct{ Name, Namespace string }
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("manifest: %v", err)
		}
		switch head.Kind {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := yaml.Unmarshal(doc, &cm); err != nil {
				t.Fatal(err)
			}
			p.config, p.configMap = []byte(cm.Data["tkeops.yaml"]), cm.Name
		case "Deployment", "StatefulSet":
			var d appsv1.Deployment // the fields read here are the same in both kinds
			if err := yaml.Unmarshal(doc, &d); err != nil {
				t.Fatal(err)
			}
			p.workload, p.namespace = d.Spec, d.Namespace
		case "Secret":
			var s corev1.Secret
			if err := yaml.Unmarshal(doc, &s); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(s.Name, "forge") {
				for k := range s.StringData {
					p.forgeKeys = append(p.forgeKeys, k)
				}
				for k := range s.Data {
					p.forgeKeys = append(p.forgeKeys, k)
				}
			}
		}
	}
	if len(p.config) == 0 || len(p.workload.Template.Spec.Containers) == 0 {
		t.Fatalf("manifests lack the tkeops.yaml ConfigMap or the workload")
	}
	return p
}

func checkDeployedConfig(t *testing.T, p deployedPod) {
	t.Helper()
	pod := p.workload.Template.Spec
	c := pod.Containers[0]
	mounts := map[string]string{} // volume name → mount path
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}

	o := config.Overrides{}
	for _, a := range c.Args {
		switch {
		case strings.HasPrefix(a, "--config="):
			o.Path = strings.TrimPrefix(a, "--config=")
		case a == "--leader-elect":
			o.LeaderElect = true
		}
	}
	if o.Path == "" {
		t.Fatalf("container args %v have no --config=", c.Args)
	}
	// The --config path must be the ConfigMap's key where the pod mounts it.
	dir, key := path.Split(o.Path)
	var cmVolume string
	for name, v := range volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == p.configMap {
			cmVolume = name
		}
	}
	if cmVolume == "" || path.Clean(mounts[cmVolume]) != path.Clean(dir) || key != "tkeops.yaml" {
		t.Errorf("--config=%s is not where ConfigMap %s (key tkeops.yaml) is mounted (%s)", o.Path, p.configMap, mounts[cmVolume])
	}

	// Load it the way serve does, in the pod's environment.
	tmp := filepath.Join(t.TempDir(), "tkeops.yaml")
	if err := os.WriteFile(tmp, p.config, 0o600); err != nil {
		t.Fatal(err)
	}
	o.Path = tmp
	env := map[string]string{config.EnvPodNamespace: p.namespace, config.EnvPodName: "tkeops-0"}
	cfg, err := config.Build(o, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("tkeops serve rejects the shipped config: %v\n%s", err, p.config)
	}

	if mounts["data"] == "" || path.Clean(cfg.DataDir) != path.Clean(mounts["data"]) {
		t.Errorf("dataDir %q is not the data volume's mount %q", cfg.DataDir, mounts["data"])
	}
	_, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil || len(c.Ports) == 0 || port != strconv.Itoa(int(c.Ports[0].ContainerPort)) {
		t.Errorf("listen %q does not match containerPort %v", cfg.Listen, c.Ports)
	}
	if *p.workload.Replicas > 1 && !cfg.LeaderElection.Enabled {
		t.Errorf("%d replicas without leader election", *p.workload.Replicas)
	}
	if cfg.LeaderElection.Enabled && cfg.LeaderElection.Namespace != p.namespace {
		t.Errorf("lease namespace %q, want the pod's %q (RBAC is granted there)", cfg.LeaderElection.Namespace, p.namespace)
	}

	// Every secret file the config names must be a key of a Secret volume mounted there.
	for what, ref := range map[string]config.SecretRef{"git.token": cfg.Git.Token, "forge.token": cfg.Forge.Token, "forge.webhookSecret": cfg.Forge.WebhookSecret} {
		if ref.File == "" {
			continue
		}
		fdir, fkey := path.Split(ref.File)
		found := false
		for name, v := range volumes {
			if v.Secret != nil && path.Clean(mounts[name]) == path.Clean(fdir) {
				found = p.forgeKeys == nil || slices.Contains(p.forgeKeys, fkey)
			}
		}
		if !found {
			t.Errorf("%s file %s is not a key of a mounted Secret (keys %v)", what, ref.File, p.forgeKeys)
		}
	}
	// The cloud credentials default to environment variables: the pod must set them.
	for _, name := range []string{cfg.Cloud.SecretID.Env, cfg.Cloud.SecretKey.Env} {
		if name != "" && !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
			return e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
		}) {
			t.Errorf("config reads $%s, which the container does not set from a Secret", name)
		}
	}
}

func TestDeployManifestsConfig(t *testing.T) {
	var all []byte
	for _, f := range []string{"config.yaml", "deployment.yaml", "secrets.example.yaml"} {
		b, err := os.ReadFile(filepath.Join("kubernetes", f))
		if err != nil {
			t.Fatal(err)
		}
		all = append(append(all, "\n---\n"...), b...)
	}
	checkDeployedConfig(t, readPod(t, all))
}

// TestDeployChartConfig renders the Helm chart (helm from hack/helm/build.sh)
// with typical values and loads its config the same way.
func TestDeployChartConfig(t *testing.T) {
	bin := helmBin(t)
	for _, set := range [][]string{
		{"existingSecrets.forge=forge", "config.forge.kind=github", "config.forge.repo=example/infra"},
		{"secrets.create=true", "secrets.cloud.secretId=id", "secrets.cloud.secretKey=key", "secrets.forge.token=t",
			"config.forge.kind=gitea", "config.forge.repo=ops/infra", "config.forge.baseURL=https://gitea.example.com", "persistence.enabled=true"},
		{"replicaCount=1", "leaderElection.enabled=false"},
	} {
		args := []string{"template", "tkeops", chartDir, "--namespace", "ops",
			"--set", "existingSecrets.cloud=cloud", "--set", "config.git.url=https://git.example.com/infra.git"}
		for _, s := range set {
			args = append(args, "--set", s)
		}
		cmd := exec.Command(bin, args...)
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helm %v: %v", set, err)
		}
		t.Run(strings.Join(set, ","), func(t *testing.T) { checkDeployedConfig(t, readPod(t, out)) })
	}
}
