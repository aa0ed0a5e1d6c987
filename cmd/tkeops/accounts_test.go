package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/session"
)

// TestTwoAccountsOneRepository: one repository, two environments in two accounts
// (different keys and UINs, named in .tkeops/accounts.yaml): each environment's steps
// run in its own account, with its own owner, and nothing crosses.
func TestTwoAccountsOneRepository(t *testing.T) {
	const (
		stgID, stgKey = "AKIDstagingaccount000000000001", "staging-account-key"
	)
	srv, err := emulator.Start(emulator.Options{UIN: "100000000001", Credentials: map[string]string{cliSecretID: cliSecretKey},
		Accounts: []emulator.Account{{UIN: "200000000002", Credentials: map[string]string{stgID: stgKey}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv(session.EnvEndpoint, srv.Endpoint)
	t.Setenv(session.EnvSecretID, cliSecretID) // production signs with the environment's key
	t.Setenv(session.EnvSecretKey, cliSecretKey)
	t.Setenv(session.EnvOwner, "")
	os.Unsetenv(session.EnvOwner)
	// staging signs with its own account's key, from a tccli profile.
	write(t, filepath.Join(home, ".tccli", "staging.credential"), `{"secretId":"`+stgID+`","secretKey":"`+stgKey+`"}`)

	repo := t.TempDir()
	write(t, filepath.Join(repo, ".tkeops", "accounts.yaml"), `accounts:
  - name: production
    uin: "100000000001"
    credentials: {source: env}
    owner: tkeops-prod
    paths: [environments/production]
  - name: staging
    uin: "200000000002"
    credentials: {source: tccli, profile: staging}
    owner: tkeops-staging
    paths: [environments/staging]
`)
	env := func(name, cidr string) string {
		return `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: ` + name + `}
spec: {region: ap-guangzhou, cidrBlock: ` + cidr + `}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: ` + name + `-gz3}
spec: {vpcRef: {name: ` + name + `}, zone: ap-guangzhou-3, cidrBlock: ` + strings.Replace(cidr, "/16", "/20", 1) + `}
`
	}
	write(t, filepath.Join(repo, "environments", "production", "network.yaml"), env("prod", "10.10.0.0/16"))
	write(t, filepath.Join(repo, "environments", "staging", "network.yaml"), env("stg", "10.20.0.0/16"))
	prod, stg := filepath.Join(repo, "environments", "production"), filepath.Join(repo, "environments", "staging")

	out, errOut, code := run(t, "", "apply", "--auto-approve", "--no-color", "--nodes=false", prod)
	if code != 0 || !strings.Contains(errOut, "Account: production (UIN 100000000001, env)") || !strings.Contains(out, `account production (UIN 100000000001, env)`) {
		t.Fatalf("apply production: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = run(t, "", "apply", "--auto-approve", "--no-color", "--nodes=false", stg)
	if code != 0 || !strings.Contains(errOut, "Account: staging (UIN 200000000002, tccli profile staging)") {
		t.Fatalf("apply staging: exit %d\n%s\n%s", code, out, errOut)
	}

	// Each account holds its own environment, with its owner's tags, and nothing else.
	for _, acct := range []struct{ id, key, vpc, owner string }{{cliSecretID, cliSecretKey, "prod", "tkeops-prod"}, {stgID, stgKey, "stg", "tkeops-staging"}} {
		c, err := vpc.NewClient(common.NewCredential(acct.id, acct.key), "ap-guangzhou", srv.ClientProfile())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.DescribeVpcs(vpc.NewDescribeVpcsRequest())
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Response.VpcSet) != 1 || *resp.Response.VpcSet[0].VpcName != acct.vpc {
			t.Fatalf("account of %s holds %d VPCs, want its own only", acct.vpc, len(resp.Response.VpcSet))
		}
		owner := ""
		for _, tag := range resp.Response.VpcSet[0].TagSet {
			if *tag.Key == "tkeops.io/owner" {
				owner = *tag.Value
			}
		}
		if owner != acct.owner {
			t.Errorf("VPC %s is owned by %q, want %q", acct.vpc, owner, acct.owner)
		}
	}

	// Plans say their account; a directory of both accounts is refused.
	out, _, code = run(t, "", "plan", "-o", "json", "--nodes=false", stg)
	var p plan.Plan
	if err := json.Unmarshal([]byte(out), &p); code != 0 || err != nil || !strings.HasPrefix(p.Account, "staging (UIN 200000000002") {
		t.Fatalf("plan of staging: exit %d, account %q\n%s", code, p.Account, out)
	}
	_, errOut, code = run(t, "", "plan", "--nodes=false", filepath.Join(repo, "environments"))
	if code != 1 || !strings.Contains(errOut, "several accounts") {
		t.Fatalf("plan of both environments at once: exit %d\n%s", code, errOut)
	}
	// A saved plan of one account is not applied in another.
	planFile := filepath.Join(t.TempDir(), "stg.plan")
	if _, _, code = run(t, "", "plan", "--out", planFile, "--nodes=false", stg); code != 0 {
		t.Fatalf("save a plan: exit %d", code)
	}
	if _, errOut, code = run(t, "", "apply", "--auto-approve", "--nodes=false", "--dir", prod, planFile); code != 1 || !strings.Contains(errOut, "planned in account") {
		t.Fatalf("a staging plan applied to production's directory: exit %d\n%s", code, errOut)
	}

	// Credentials mixed up between environments: staging's entry signs with
	// production's keys. The UIN the file names is checked before anything is read,
	// so nothing of staging is planned, let alone created, in production's account.
	write(t, filepath.Join(repo, ".tkeops", "accounts.yaml"), `accounts:
  - name: staging
    uin: "200000000002"
    credentials: {source: env}
    owner: tkeops-staging
    paths: [environments/staging]
`)
	_, errOut, code = run(t, "", "apply", "--auto-approve", "--no-color", "--nodes=false", stg)
	if code != 1 || !strings.Contains(errOut, "its credentials (env) belong to account UIN 100000000001, not UIN 200000000002") {
		t.Fatalf("apply staging with production's keys: exit %d\n%s", code, errOut)
	}
	prodVPCs, err := vpc.NewClient(common.NewCredential(cliSecretID, cliSecretKey), "ap-guangzhou", srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := prodVPCs.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	if err != nil || len(resp.Response.VpcSet) != 1 {
		t.Fatalf("production's account after the refused apply: %v, %d VPCs, want 1", err, len(resp.Response.VpcSet))
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
