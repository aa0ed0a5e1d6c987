package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/credentials"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/session"
)

// addEngineFlags registers the flags of the commands that plan: who we are, where
// the cloud is, and what the run may do.
func addEngineFlags(cmd *cobra.Command, s *session.Settings) {
	f := cmd.Flags()
	f.StringVar(&s.Owner, "owner", "", "tkeops instance name in the ownership tags (default $"+session.EnvOwner+" or \"tkeops\")")
	f.StringVar(&s.Endpoint, "endpoint", "", "API endpoint host:port over plain HTTP, e.g. the emulator's (default $"+session.EnvEndpoint+"; empty: Tencent Cloud over HTTPS)")
	f.BoolVar(&s.AllowDestroy, "allow-destroy", false, "allow deleting and replacing resources (still never Orphan-policy, unowned or deletion-protected ones)")
	f.IntVar(&s.Parallelism, "parallelism", 4, "steps run at once")
	f.BoolVarP(&s.Verbose, "verbose", "v", false, "log every API call to stderr")
	f.BoolVar(&s.Nodes, "nodes", true, "also reach into clusters through their API server: node label/taint drift, drain before scale-in and pool deletion, node readiness, baseline manifests (--nodes=false: the cloud side only)")
	f.BoolVar(&s.Extranet, "extranet", false, "reach API servers through their public endpoint when both are open")
	f.DurationVar(&s.LockWait, "lock-wait", 0, "how long apply waits for the owner's apply lock when another run holds it (0: refuse at once, naming the holder)")
	f.StringVar(&s.KubeconfigDir, "kubeconfig-dir", "", "directory of kubeconfigs named <cluster name>.yaml, used instead of fetching one from the cloud")
	f.Float64Var(&s.RateMargin, "rate-margin", 0, "share (0 to 0.9) of each API's documented rate limit to leave to other clients of the account")
	addCredentialFlags(cmd, &s.Credentials)
}

// addCredentialFlags registers the flags that say how requests are signed.
func addCredentialFlags(cmd *cobra.Command, c *credentials.Config) {
	f := cmd.Flags()
	f.StringVar(&c.Source, "credentials", "", "where credentials come from: "+strings.Join(credentials.Sources(), ", ")+
		" (default $"+session.EnvCredentials+" or default: environment, ~/.tencentcloud/credentials, TKE pod identity, CVM role)")
	f.StringVar(&c.Profile, "profile", "", "tccli profile for --credentials tccli")
	f.StringVar(&c.RoleARN, "role-arn", "", "role to assume with sts:AssumeRole, e.g. qcs::cam::uin/100000000001:roleName/tkeops (default $"+session.EnvRoleARN+")")
	f.StringVar(&c.RoleSessionName, "role-session-name", "", "session name of the assumed role, shown in CloudAudit (default $"+session.EnvRoleSessionName+" or tkeops)")
	f.StringVar(&c.Duration, "role-duration", "", "lifetime of the assumed role's credentials, renewed before they expire (default $"+session.EnvRoleDuration+" or 2h)")
	f.StringVar(&c.STSEndpoint, "sts-endpoint", "", "STS host for roles and pod identity, over HTTPS (default $"+session.EnvSTSEndpoint+"; the --endpoint host when one is given)")
}

// planOptions are the inputs of `tkeops plan`.
type planOptions struct {
	session.Settings
	dir, output, out string
	noColor          bool
	// changedSince scopes the plan to what changed since the merge base with a ref.
	changedSince string
}

const planLong = `Plan reads the specs under DIR (default: the current directory), observes what runs in
Tencent Cloud, and prints what apply would do: + create, ~ update in place (with the API
action), -/+ replace, - delete. Only fields the specs declare are compared. Changes that
destroy something are shown but blocked unless --allow-destroy is given, and never
happen for resources with deletionPolicy Orphan, for resources tkeops does not own, or for
clusters with deletion protection on.

Plan also looks inside each cluster through its API server (kubeconfig from
tke:DescribeClusterKubeconfig through the endpoint the cluster spec opens, or
--kubeconfig-dir/<cluster name>.yaml): node label and taint drift (k8s:PatchNodes), the
instances a scale-in drains and then removes (k8s:DrainNodes, tke:DeleteClusterInstances),
and the objects of spec.baseline.path (k8s:ApplyManifests). A cluster that cannot be
reached is a warning; --nodes=false plans the cloud side only.

Output: -o text (default; coloured on a terminal, --no-color to turn off), -o markdown
(for pull-request comments), -o json (the versioned plan value). --out FILE (also
spelled -out FILE, as in terraform) saves the plan for 'tkeops apply FILE', which
refuses if live state or the specs change in between.

--changed-since REF plans a change the way a pull request is planned: only the
resources whose documents differ from the merge base of HEAD and REF (edits not yet
committed included), what they depend on and what depends on them, so it costs what
the change touches. It says so at the top; drift elsewhere is not shown, and it
cannot be applied.

Credentials come from the Tencent Cloud SDK's providers: TENCENTCLOUD_SECRET_ID and
TENCENTCLOUD_SECRET_KEY, ~/.tencentcloud/credentials, TKE pod identity or the CVM role
(--credentials picks one), with --role-arn assumed on top. A repository with
.tkeops/accounts.yaml names the account and role of each directory instead.

Exit status:
  0  no changes
  2  changes (including changes that are blocked)
  1  error (bad flags or specs, the cloud unreachable, a plan with error diagnostics)`

func newPlanCmd(streams IOStreams) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "Show what apply would change (exit 0 no changes, 2 changes, 1 error)",
		Long:  planLong,
		Example: `  tkeops plan examples/production
  tkeops plan -o markdown . > plan.md
  tkeops plan --out prod.plan examples/production && tkeops apply prod.plan
  TKEOPS_ENDPOINT=127.0.0.1:9000 tkeops plan examples/staging`,
		Args: cobra.MaximumNArgs(2), // DIR, or terraform's "-out FILE" DIR (see complete)
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(args); err != nil {
				return err
			}
			return o.run(cmd.Context(), streams)
		},
	}
	addEngineFlags(cmd, &o.Settings)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text|markdown|json")
	cmd.Flags().BoolVar(&o.noColor, "no-color", false, "no colours in text output (also when NO_COLOR is set or the output is not a terminal)")
	cmd.Flags().StringVar(&o.out, "out", "", "save the plan (JSON) to FILE for 'tkeops apply FILE'")
	cmd.Flags().StringVar(&o.changedSince, "changed-since", "", "plan only what changed since the merge base with REF (a branch, tag or commit of DIR's git repository): the changed resources, what they depend on and what depends on them; such a plan cannot be applied")
	return cmd
}

func (o *planOptions) complete(args []string) error {
	// Terraform users type "-out FILE" and "-out=FILE"; the flag parser reads those as
	// "-o ut" and "-o ut=FILE". Take them as --out.
	switch {
	case o.output == "ut" && len(args) >= 1 && o.out == "":
		o.output, o.out, args = "text", args[0], args[1:]
	case strings.HasPrefix(o.output, "ut=") && o.out == "":
		o.output, o.out = "text", strings.TrimPrefix(o.output, "ut=")
	}
	if len(args) > 1 {
		return fmt.Errorf("plan takes one spec directory, got %d arguments", len(args))
	}
	o.dir = "."
	if len(args) == 1 {
		o.dir = args[0]
	}
	o.SpecDir = o.dir
	if !slices.Contains(render.Formats, o.output) {
		return fmt.Errorf("unknown output %q: want text, markdown or json", o.output)
	}
	return o.Complete(os.Getenv)
}

func (o *planOptions) run(ctx context.Context, streams IOStreams) error {
	_, p, err := o.Plan(ctx, streams.ErrOut, o.dir, o.changedSince)
	if err != nil {
		return err
	}
	if err := render.Write(streams.Out, p, o.output, render.Options{Color: render.TerminalColor(streams.Out, o.noColor)}); err != nil {
		return err
	}
	if o.out != "" {
		if err := render.Save(o.out, p); err != nil {
			return err
		}
		fmt.Fprintf(streams.ErrOut, "Saved the plan to %s. Apply it with: tkeops apply %s\n", o.out, o.out)
	}
	if p.HasErrors() {
		return fmt.Errorf("the plan has errors (see above)")
	}
	if p.Empty() && len(p.Blocked()) == 0 {
		return nil
	}
	return &ExitError{Code: 2}
}
