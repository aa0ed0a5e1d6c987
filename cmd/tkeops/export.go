package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/export"
	"github.com/tkeops/tkeops/spec"
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
	o := &engineOptions{}
	var (
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
				return &ExitError{Code: 1, Err: fmt.Errorf("export needs --region and --out")}
			}
			filter := export.Filter{VPCs: vpcs, Clusters: clusters}
			var err error
			if filter.Tags, err = export.ParseTags(tags); err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			if err := o.complete(); err != nil {
				return err
			}
			o.specDir = out
			if err := o.useAccount(streams.ErrOut); err != nil {
				return err
			}
			conn, err := o.connector(o.logger(streams.ErrOut))
			if err != nil {
				return err
			}
			res, err := export.Export(cmd.Context(), func(_ context.Context, region string) (export.Inventory, error) {
				return conn.ConnectRegion(region)
			}, export.Options{Regions: regions, Owner: o.owner, Filter: filter, RefsByID: refsByID})
			if err != nil {
				return err
			}
			header := fmt.Sprintf("Exported by tkeops export --region %s.\nReview, commit, then run: tkeops adopt %s", strings.Join(regions, ","), out)
			for region, docs := range res.Documents {
				dir := out
				if len(regions) > 1 {
					dir = filepath.Join(out, region)
				}
				if err := writeSpecs(streams, dir, docs, res.IDs, specfile.Options{Header: header, Overwrite: force}); err != nil {
					return err
				}
			}
			res.Report(streams.Out)
			fmt.Fprintf(streams.Out, "\nNext: tkeops adopt --plan %s (shows what is taken over), then tkeops adopt %s.\n", out, out)
			return nil
		},
	}
	o.addAccountFlags(cmd)
	cmd.Flags().StringArrayVar(&regions, "region", nil, "region to read (repeatable)")
	cmd.Flags().StringVar(&out, "out", "", "directory to write the specs to")
	cmd.Flags().StringVar(&tags, "tag", "", "only resources carrying these tags (key=value,...), and what lives in them")
	cmd.Flags().StringArrayVar(&vpcs, "vpc", nil, "only this VPC (vpc-…) and what lives in it (repeatable)")
	cmd.Flags().StringArrayVar(&clusters, "cluster", nil, "only this cluster (cls-…) and its node pools (repeatable)")
	cmd.Flags().BoolVar(&refsByID, "refs-by-id", false, "reference what the filters leave out by ID instead of exporting it too")
	cmd.Flags().BoolVar(&force, "force", false, "replace spec files that exist")
	return cmd
}

// writeSpecs writes the documents and the IDs file adoption reads, and says what it
// wrote (export and migrate).
func writeSpecs(streams IOStreams, dir string, docs []specfile.Document, ids map[spec.Addr]string, opts specfile.Options) error {
	files, err := specfile.Write(dir, docs, opts)
	if err != nil {
		return err
	}
	if err := specfile.WriteIDs(dir, ids); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(streams.ErrOut, "wrote %s\n", f)
	}
	return nil
}
