package accounts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `accounts:
  - name: production
    uin: "100000000001"
    credentials:
      roleARN: qcs::cam::uin/100000000001:roleName/tkeops-apply
      roleSessionName: tkeops-production
    owner: tkeops-prod
    paths: [environments/production-gz, environments/production-sh]
  - name: staging
    credentials: {source: env}
    paths: [environments]
`

func repo(t *testing.T, text string) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{".tkeops", "environments/production-gz", "environments/staging", "other"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, File), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestFindAndResolve(t *testing.T) {
	root := repo(t, sample)
	c, err := Find(filepath.Join(root, "environments", "production-gz"))
	if err != nil || c == nil {
		t.Fatalf("Find: %v, %v", c, err)
	}
	for dir, want := range map[string]string{
		"environments/production-gz":           "production",
		"environments/production-gz/cluster.d": "production",
		"environments/staging":                 "staging", // the longest path wins
		"environments":                         "staging",
	} {
		a, ok := c.For(filepath.Join(root, dir))
		if !ok || a.Name != want {
			t.Errorf("For(%s) = %q, %v; want %s", dir, a.Name, ok, want)
		}
	}
	if _, ok := c.For(filepath.Join(root, "other")); ok {
		t.Error("a directory outside every account's paths has an account")
	}
	a, _ := c.For(filepath.Join(root, "environments/production-gz"))
	if got := a.String(); !strings.Contains(got, "UIN 100000000001") || !strings.Contains(got, "roleName/tkeops-apply") {
		t.Errorf("String() = %q", got)
	}
}

func TestForDirRefusesMixedAccounts(t *testing.T) {
	root := repo(t, sample)
	c, err := Find(root)
	if err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(root, "environments/production-gz/network.yaml")
	stg := filepath.Join(root, "environments/staging/network.yaml")
	if a, err := c.ForDir(filepath.Join(root, "environments/production-gz"), []string{gz}); err != nil || a.Name != "production" {
		t.Fatalf("one account: %v, %v", a.Name, err)
	}
	_, err = c.ForDir(filepath.Join(root, "environments"), []string{gz, stg})
	if err == nil || !strings.Contains(err.Error(), "several accounts") || !strings.Contains(err.Error(), "account production") {
		t.Fatalf("mixed accounts: %v", err)
	}
	if _, err := c.ForDir(filepath.Join(root, "other"), []string{filepath.Join(root, "other/x.yaml")}); err == nil || !strings.Contains(err.Error(), "belongs to no account") {
		t.Fatalf("no account: %v", err)
	}
}

func TestFindNone(t *testing.T) {
	c, err := Find(t.TempDir())
	if err != nil || c != nil {
		t.Fatalf("no file: %v, %v", c, err)
	}
}

func TestValidate(t *testing.T) {
	for text, want := range map[string]string{
		"accounts:\n  - name: Prod\n    paths: [a]\n":                                "name \"Prod\"",
		"accounts:\n  - name: a\n    paths: [x]\n  - name: a\n    paths: [y]\n":      "used twice",
		"accounts:\n  - name: a\n    paths: [x]\n  - name: b\n    paths: [x/]\n":     "belongs to account a already",
		"accounts:\n  - name: a\n    paths: [../x]\n":                                "inside the repository",
		"accounts:\n  - name: a\n    paths: []\n":                                    "at least one directory",
		"accounts:\n  - name: a\n    uin: abc\n    paths: [x]\n":                     "digits only",
		"accounts:\n  - name: a\n    credentials: {roleARN: nope}\n    paths: [x]\n": "roleARN",
		"accounts:\n  - name: a\n    paths: [x]\n    role: y\n":                      "unknown field",
	} {
		root := repo(t, text)
		_, err := Load(filepath.Join(root, File))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", text, err, want)
		}
	}
}

// TestForSpecDir: the account of a spec directory is decided by the spec files the
// loader reads in it (hidden ones skipped), and a directory spanning two accounts
// is refused.
func TestForSpecDir(t *testing.T) {
	root := repo(t, sample)
	for _, f := range []string{"environments/production-gz/network.yaml", "environments/staging/network.yml",
		"environments/production-gz/.hidden/x.yaml", "environments/production-gz/notes.txt"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, a, err := ForSpecDir(filepath.Join(root, "environments/production-gz"))
	if err != nil || cfg == nil || a.Name != "production" {
		t.Fatalf("production: %v, %q, %v", cfg, a.Name, err)
	}
	if _, _, err := ForSpecDir(filepath.Join(root, "environments")); err == nil || !strings.Contains(err.Error(), "several accounts") {
		t.Fatalf("a directory of two accounts: %v", err)
	}
	if _, a, err := ForSpecDir(filepath.Join(root, "environments/production-gz/new")); err != nil || a.Name != "production" {
		t.Fatalf("a directory not made yet: %q, %v", a.Name, err)
	}
	if cfg, _, err := ForSpecDir(t.TempDir()); err != nil || cfg != nil {
		t.Fatalf("no accounts file: %v, %v", cfg, err)
	}
}
