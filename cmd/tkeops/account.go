package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/tkeops/tkeops/accounts"
	"github.com/tkeops/tkeops/credentials"
	"github.com/tkeops/tkeops/plan"
)

// Environment variables of the credential flags.
const (
	envCredentials     = "TKEOPS_CREDENTIALS"
	envRoleARN         = "TKEOPS_ROLE_ARN"
	envRoleSessionName = "TKEOPS_ROLE_SESSION_NAME"
	envRoleDuration    = "TKEOPS_ROLE_DURATION"
	envSTSEndpoint     = "TKEOPS_STS_ENDPOINT"
)

// cloudOptions say how a run signs its requests and, through the repository's
// accounts file, which account a spec directory is planned in.
type cloudOptions struct {
	flags credentials.Config
	// account is the account of the spec directory, when the repository has an
	// accounts file.
	account *accounts.Account
}

func (c *cloudOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.flags.Source, "credentials", "", "where credentials come from: "+strings.Join(credentials.Sources(), ", ")+
		" (default $"+envCredentials+" or default: environment, ~/.tencentcloud/credentials, TKE pod identity, CVM role)")
	f.StringVar(&c.flags.Profile, "profile", "", "tccli profile for --credentials tccli")
	f.StringVar(&c.flags.RoleARN, "role-arn", "", "role to assume with sts:AssumeRole, e.g. qcs::cam::uin/100000000001:roleName/tkeops (default $"+envRoleARN+")")
	f.StringVar(&c.flags.RoleSessionName, "role-session-name", "", "session name of the assumed role, shown in CloudAudit (default $"+envRoleSessionName+" or tkeops)")
	f.StringVar(&c.flags.Duration, "role-duration", "", "lifetime of the assumed role's credentials, renewed before they expire (default $"+envRoleDuration+" or 2h)")
	f.StringVar(&c.flags.STSEndpoint, "sts-endpoint", "", "STS host for roles and pod identity, over HTTPS (default $"+envSTSEndpoint+"; the --endpoint host when one is given)")
}

// config is the credentials configuration of the run: the directory's account
// when it has one, else the flags, then the environment.
func (c *cloudOptions) config(endpoint string) credentials.Config {
	cfg := c.flags
	if c.account != nil {
		cfg = c.account.Credentials
	}
	fill := func(p *string, env string) {
		if *p == "" {
			*p = os.Getenv(env)
		}
	}
	if c.account == nil {
		fill(&cfg.Source, envCredentials)
		fill(&cfg.RoleARN, envRoleARN)
		fill(&cfg.RoleSessionName, envRoleSessionName)
		fill(&cfg.Duration, envRoleDuration)
	}
	fill(&cfg.STSEndpoint, envSTSEndpoint)
	if cfg.STSEndpoint == "" && endpoint != "" {
		// The emulator serves STS on its own address (over HTTPS with --tls).
		cfg.STSEndpoint = endpoint
	}
	return cfg
}

// credential resolves the run's credentials once, so a missing identity is an
// error before anything is read.
func (c *cloudOptions) credential(endpoint string) (common.CredentialIface, error) {
	return c.config(endpoint).Resolve()
}

// useAccount finds the accounts file above the spec directory and takes the
// directory's account: its credentials and, unless --owner or $TKEOPS_OWNER says
// otherwise, its owner. A directory of several accounts is refused. It prints
// which account the run works in.
func (o *engineOptions) useAccount(w io.Writer) error {
	if o.specDir == "" {
		return nil
	}
	cfg, err := accounts.Find(o.specDir)
	if err != nil || cfg == nil {
		return err
	}
	files, err := specFiles(o.specDir)
	if err != nil {
		return err
	}
	acct, err := cfg.ForDir(o.specDir, files)
	if err != nil {
		return err
	}
	if o.cloud.flags != (credentials.Config{}) {
		return fmt.Errorf("%s is planned in account %s, whose credentials %s sets; drop the credential flags (or change the account there)",
			o.specDir, acct.Name, filepath.Join(cfg.Root(), accounts.File))
	}
	o.cloud.account = &acct
	if acct.Owner != "" && !o.ownerExplicit {
		o.owner = acct.Owner
	}
	fmt.Fprintf(w, "Account: %s\n", acct)
	return nil
}

// accountLabel names the run's account for plans ("" without an accounts file).
func (o *engineOptions) accountLabel() string {
	if o.cloud.account == nil {
		return ""
	}
	return o.cloud.account.String()
}

// addAccountFlags registers the flags of commands that read an account but plan
// nothing (export, cam-policy): who, where, and how to sign.
func (o *engineOptions) addAccountFlags(cmd *cobra.Command) {
	o.parallelism = 1 // nothing is applied
	cmd.Flags().StringVar(&o.owner, "owner", "", "tkeops instance name in the ownership tags (default $"+envOwner+" or \"tkeops\")")
	cmd.Flags().StringVar(&o.endpoint, "endpoint", "", "API endpoint host:port over plain HTTP, e.g. the emulator's (default $"+envEndpoint+")")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "log every API call to stderr")
	o.cloud.addFlags(cmd)
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

// planSourceDir is the spec directory a saved plan was made from, "" when it does
// not say or cannot be read (apply reports that itself).
func planSourceDir(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	p, err := plan.Decode(f)
	if err != nil {
		return ""
	}
	return p.SourceDir
}
