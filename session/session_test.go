package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCompleteTakesTheEnvironmentAndDefaults(t *testing.T) {
	s := Settings{Parallelism: 4}
	if err := s.Complete(env(nil)); err != nil || s.Owner != "tkeops" || s.ownerExplicit || s.Endpoint != "" {
		t.Errorf("defaults: owner %q explicit %v endpoint %q, %v", s.Owner, s.ownerExplicit, s.Endpoint, err)
	}
	s = Settings{Parallelism: 4}
	if err := s.Complete(env(map[string]string{EnvOwner: "team-a", EnvEndpoint: "127.0.0.1:9800"})); err != nil ||
		s.Owner != "team-a" || !s.ownerExplicit || s.Endpoint != "127.0.0.1:9800" {
		t.Errorf("environment: owner %q explicit %v endpoint %q, %v", s.Owner, s.ownerExplicit, s.Endpoint, err)
	}
	s = Settings{Owner: "flag", Endpoint: "flag:1", Parallelism: 1}
	if err := s.Complete(env(map[string]string{EnvOwner: "team-a", EnvEndpoint: "env:2"})); err != nil || s.Owner != "flag" || s.Endpoint != "flag:1" {
		t.Errorf("flags win: owner %q endpoint %q, %v", s.Owner, s.Endpoint, err)
	}
	s = Settings{}
	if err := s.Complete(env(nil)); err == nil || !strings.Contains(err.Error(), "--parallelism must be at least 1") {
		t.Errorf("parallelism 0: %v", err)
	}
}

func TestCredentialsFromFlagsThenTheEnvironment(t *testing.T) {
	s := Settings{Parallelism: 1, Endpoint: "127.0.0.1:9800"}
	s.Credentials.RoleARN = "qcs::cam::uin/1:roleName/flag"
	if err := s.Complete(env(map[string]string{EnvRoleARN: "qcs::cam::uin/1:roleName/env", EnvCredentials: "env", EnvRoleDuration: "1h"})); err != nil {
		t.Fatal(err)
	}
	cfg := s.credentialConfig()
	if cfg.RoleARN != "qcs::cam::uin/1:roleName/flag" || cfg.Source != "env" || cfg.Duration != "1h" || cfg.STSEndpoint != "127.0.0.1:9800" {
		t.Errorf("credentials config %+v", cfg)
	}
}

// TestSavedPlanIsCheckedBeforeApply: a saved plan is applied only by a run of its
// account, owner and --allow-destroy, from the directory it names or --dir.
func TestSavedPlanIsCheckedBeforeApply(t *testing.T) {
	dir := t.TempDir()
	save := func(p plan.Plan) string {
		p.FormatVersion = plan.FormatVersion
		path := filepath.Join(dir, "saved.plan")
		if err := render.Save(path, &p); err != nil {
			t.Fatal(err)
		}
		return path
	}
	run := Settings{Owner: "tkeops"}
	path := save(plan.Plan{Owner: "tkeops", SourceDir: "/specs/prod"})
	if !IsPlanFile(path) || IsPlanFile(dir) || PlanSourceDir(path) != "/specs/prod" {
		t.Fatalf("IsPlanFile %v, of a directory %v, source %q", IsPlanFile(path), IsPlanFile(dir), PlanSourceDir(path))
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("saved plan mode: %v, %v", st, err)
	}
	if p, d, err := run.SavedPlan(path, ""); err != nil || p.Owner != "tkeops" || d != "/specs/prod" {
		t.Errorf("its own directory: %q, %v", d, err)
	}
	if _, d, err := run.SavedPlan(path, "/elsewhere"); err != nil || d != "/elsewhere" {
		t.Errorf("--dir: %q, %v", d, err)
	}
	for _, tc := range []struct {
		p    plan.Plan
		want string
	}{
		{plan.Plan{Owner: "other", SourceDir: "/s"}, `planned for owner "other", not "tkeops": pass --owner other`},
		{plan.Plan{Owner: "tkeops", Account: "production (UIN 1)", SourceDir: "/s"}, `planned in account "production (UIN 1)"`},
		{plan.Plan{Owner: "tkeops", AllowDestroy: true, SourceDir: "/s"}, "planned with --allow-destroy: pass it to apply too"},
		{plan.Plan{Owner: "tkeops"}, "does not say which spec directory it was planned from: pass --dir"},
	} {
		if _, _, err := run.SavedPlan(save(tc.p), ""); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.p, err, tc.want)
		}
	}
	if _, _, err := run.SavedPlan(filepath.Join(dir, "missing.plan"), ""); err == nil || !strings.Contains(err.Error(), "open plan") {
		t.Errorf("missing file: %v", err)
	}
}
