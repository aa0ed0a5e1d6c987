package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/export"
	"github.com/tkeops/tkeops/session"
	"github.com/tkeops/tkeops/specfile"
)

const exportLong = `Export reads what runs in an account and writes it as specs, in the repository layout
the docs recommend (network.yaml, security-groups.yaml, cluster.yaml, nodepools.yaml; one
directory per region when there are several). References between exported resources are
by name, references to what is left out by ID, and defaults are left out. Every kind tkeops
knows is read. Resources another tkeops owner holds are left out.

The IDs the documents were read from go to OUT/` + specfile.IDsFile + `: 'tkeops adopt OUT' takes
exactly those resources over; its plan shows nothing else to change.`

func newExportCmd(streams IOStreams) *cobra.Command {
	var (
		o                       session.Settings
		regions, vpcs, clusters []string
		tags, out               string
		refsByID, force         bool
	)
	cmd := &cobra.Command{
		Use:   "export --region REGION --out DIR",
		Short: "Write specs of what runs in an account (then: tkeops adopt)",
		Long:  exportLong,
		Example: `  tkeops export --region ap-guangzhou --out environments/production
  tkeops export --region ap-shanghai --cluster cls-1a2b3c4d --out environments/staging
  tkeops export --region ap-guangzhou --tag team=platform --out infra`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(regions) == 0 || out == "" {
				return fmt.Errorf("export needs --region and --out")
			}
			filter := export.Filter{VPCs: vpcs, Clusters: clusters}
			var err error
			if filter.Tags, err = export.ParseTags(tags); err != nil {
				return err
			}
			o.Parallelism, o.SpecDir = 1, out // nothing is applied
			if err := o.Complete(os.Getenv); err != nil {
				return err
			}
			if err := o.UseAccount(streams.ErrOut); err != nil {
				return err
			}
			conn, err := o.Connector(o.Logger(streams.ErrOut))
			if err != nil {
				return err
			}
			res, err := export.Export(cmd.Context(), func(_ context.Context, region string) (export.Inventory, error) {
				return conn.ConnectRegion(region)
			}, export.Options{Regions: regions, Owner: o.Owner, Filter: filter, RefsByID: refsByID})
			if err != nil {
				return err
			}
			if err := res.Write(out, regions, force, streams.ErrOut); err != nil {
				return err
			}
			res.Report(streams.Out)
			fmt.Fprintf(streams.Out, "\nNext: tkeops adopt --plan %s (shows what is taken over), then tkeops adopt %s.\n", out, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Owner, "owner", "", "tkeops instance name in the ownership tags (default $"+session.EnvOwner+" or \"tkeops\")")
	f.StringVar(&o.Endpoint, "endpoint", "", "API endpoint host:port over plain HTTP, e.g. the emulator's (default $"+session.EnvEndpoint+")")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "log every API call to stderr")
	addCredentialFlags(cmd, &o.Credentials)
	f.StringArrayVar(&regions, "region", nil, "region to read (repeatable)")
	f.StringVar(&out, "out", "", "directory to write the specs to")
	f.StringVar(&tags, "tag", "", "only resources carrying these tags (key=value,...), and what lives in them")
	f.StringArrayVar(&vpcs, "vpc", nil, "only this VPC (vpc-…) and what lives in it (repeatable)")
	f.StringArrayVar(&clusters, "cluster", nil, "only this cluster (cls-…) and its node pools (repeatable)")
	f.BoolVar(&refsByID, "refs-by-id", false, "reference what the filters leave out by ID instead of exporting it too")
	f.BoolVar(&force, "force", false, "replace spec files that exist")
	return cmd
}
