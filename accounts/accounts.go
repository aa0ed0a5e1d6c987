// Package accounts says which Tencent Cloud account, and with which identity, each
// directory of a spec repository is planned and applied in. One file at the top of
// the repository, .tkeops/accounts.yaml, names the accounts and the directories
// that belong to each; tkeops finds it by walking up from the spec directory. Every
// plan runs in exactly one account: ownership tags and the apply lock live in that
// account, so nothing of one environment can reach into another's.
package accounts

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/tkeops/tkeops/credentials"
)

// File is where the configuration lives, relative to the repository root.
const File = ".tkeops/accounts.yaml"

// Config is the content of the accounts file.
type Config struct {
	// Accounts, each with the directories planned in it.
	Accounts []Account `json:"accounts"`
	// root is the directory that holds .tkeops/ (paths are relative to it).
	root string
}

// Account is one Tencent Cloud account (or one identity in it).
type Account struct {
	// Name names the account in plans, logs and statuses: production, staging.
	Name string `json:"name"`
	// UIN is the account's number (the root account ID), shown in plans so a
	// reviewer sees where the steps run.
	UIN string `json:"uin,omitempty"`
	// Credentials of the account: where they come from and the role to assume.
	Credentials credentials.Config `json:"credentials"`
	// Owner is the ownership-tag value of this account's resources; "" keeps the
	// owner of the run (--owner, $TKEOPS_OWNER, "tkeops").
	Owner string `json:"owner,omitempty"`
	// Paths are the directories, relative to the repository root, planned in this
	// account; a directory belongs to the account with the longest matching path.
	Paths []string `json:"paths"`
}

var nameRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// Find looks for the accounts file in dir and its parents. It returns nil (and no
// error) when there is none: the run then uses the identity it is given.
func Find(dir string) (*Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, filepath.FromSlash(File))
		if _, err := os.Stat(p); err == nil {
			return Load(p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("accounts: %w", err)
		}
		if filepath.Dir(d) == d {
			return nil, nil
		}
	}
}

// Load reads and checks an accounts file; its paths are relative to the directory
// that holds .tkeops/.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("accounts: %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c.root = filepath.Dir(filepath.Dir(abs))
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("accounts: %s: %w", path, err)
	}
	return &c, nil
}

// Validate checks names, credentials and that no directory belongs to two accounts.
func (c *Config) Validate() error {
	var problems []string
	names := map[string]bool{}
	paths := map[string]string{}
	for i, a := range c.Accounts {
		where := fmt.Sprintf("accounts[%d]", i)
		if !nameRE.MatchString(a.Name) {
			problems = append(problems, fmt.Sprintf("%s.name %q: lower-case letters, digits and '-', starting with a letter", where, a.Name))
		} else if names[a.Name] {
			problems = append(problems, fmt.Sprintf("%s.name %q is used twice", where, a.Name))
		}
		names[a.Name] = true
		if a.UIN != "" && strings.Trim(a.UIN, "0123456789") != "" {
			problems = append(problems, fmt.Sprintf("%s.uin %q: the account number, digits only", where, a.UIN))
		}
		if err := a.Credentials.Validate(); err != nil {
			problems = append(problems, where+": "+err.Error())
		}
		if len(a.Paths) == 0 {
			problems = append(problems, where+".paths: name at least one directory")
		}
		for _, p := range a.Paths {
			clean := cleanPath(p)
			if clean == "" || strings.HasPrefix(clean, "../") || filepath.IsAbs(p) {
				problems = append(problems, fmt.Sprintf("%s.paths: %q must be a directory inside the repository", where, p))
				continue
			}
			if other, dup := paths[clean]; dup {
				problems = append(problems, fmt.Sprintf("%s.paths: %q belongs to account %s already", where, p, other))
			}
			paths[clean] = a.Name
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func cleanPath(p string) string {
	c := filepath.ToSlash(filepath.Clean(p))
	if c == "." {
		return "."
	}
	return strings.TrimPrefix(c, "./")
}

// Root is the repository root the paths are relative to.
func (c *Config) Root() string { return c.root }

// For returns the account of a file or directory, and false when no account's
// paths cover it.
func (c *Config) For(path string) (Account, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Account{}, false
	}
	rel, err := filepath.Rel(c.root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return Account{}, false
	}
	rel = filepath.ToSlash(rel)
	best, bestLen := -1, -1
	for i, a := range c.Accounts {
		for _, p := range a.Paths {
			p = cleanPath(p)
			if (p == "." || rel == p || strings.HasPrefix(rel, p+"/")) && len(p) > bestLen {
				best, bestLen = i, len(p)
			}
		}
	}
	if best < 0 {
		return Account{}, false
	}
	return c.Accounts[best], true
}

// ForDir returns the one account a spec directory and every file in it is
// planned in. files are the spec files loaded from dir. It refuses a directory
// whose files belong to several accounts (plan each environment on its own) and,
// when the file has accounts, one that belongs to none.
func (c *Config) ForDir(dir string, files []string) (Account, error) {
	acct, ok := c.For(dir)
	seen := map[string]string{} // account name → a file in it
	for _, f := range files {
		a, ok := c.For(f)
		name := a.Name
		if !ok {
			name = ""
		}
		if _, dup := seen[name]; !dup {
			seen[name] = f
		}
	}
	if len(seen) > 1 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(seen)) {
			label := "no account"
			if name != "" {
				label = "account " + name
			}
			parts = append(parts, fmt.Sprintf("%s (%s)", seen[name], label))
		}
		return Account{}, fmt.Errorf("%s holds specs of several accounts: %s; plan each environment directory on its own", dir, strings.Join(parts, ", "))
	}
	if len(seen) == 1 {
		for name := range seen {
			if name == "" {
				ok = false
			} else {
				acct, _ = c.byName(name)
				ok = true
			}
		}
	}
	if !ok {
		return Account{}, fmt.Errorf("%s belongs to no account of %s: add it to an account's paths", dir, filepath.Join(c.root, filepath.FromSlash(File)))
	}
	return acct, nil
}

func (c *Config) byName(name string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// String names the account for plans: "production (100000000001, role …)".
func (a Account) String() string {
	var parts []string
	if a.UIN != "" {
		parts = append(parts, "UIN "+a.UIN)
	}
	parts = append(parts, a.Credentials.String())
	return a.Name + " (" + strings.Join(parts, ", ") + ")"
}

// ForSpecDir finds the accounts file above the spec directory dir and returns it
// with the one account dir, and every spec file in it, is planned in (ForDir). The
// Config is nil, and no error, when the repository has no accounts file.
func ForSpecDir(dir string) (*Config, Account, error) {
	cfg, err := Find(dir)
	if err != nil || cfg == nil {
		return nil, Account{}, err
	}
	files, err := specFiles(dir)
	if err != nil {
		return nil, Account{}, err
	}
	acct, err := cfg.ForDir(dir, files)
	if err != nil {
		return nil, Account{}, err
	}
	return cfg, acct, nil
}

// specFiles lists the spec files under dir the loader would read (hidden files and
// directories skipped); none when dir does not exist yet.
func specFiles(dir string) ([]string, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
