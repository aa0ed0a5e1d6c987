// Command fleetgen writes a spec repository of S stacks (VPC, three subnets, security
// group, cluster, three node pools each) for benchmarks and load tests:
//
//	go run ./bench/cmd/fleetgen -stacks 100 -out /tmp/fleet
//	go run ./bench/cmd/fleetgen -files 10000 -out /tmp/fleet-10k   # one resource per file
//	tkeops validate /tmp/fleet
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tkeops/tkeops/internal/fleet"
)

func main() {
	stacks := flag.Int("stacks", 10, fmt.Sprintf("stacks to write (1 to %d)", fleet.MaxStacks))
	files := flag.Int("files", 0, "write exactly this many files, one resource per file (overrides -stacks)")
	out := flag.String("out", "", "directory to write (created if missing)")
	regions := flag.String("regions", strings.Join(fleet.DefaultRegions(), ","), "comma-separated regions, stacks spread round-robin")
	perResource := flag.Bool("per-resource", false, "one file per resource instead of four files per stack")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "fleetgen: -out is required")
		os.Exit(2)
	}
	o := fleet.Options{Stacks: *stacks, Regions: strings.Split(*regions, ",")}
	if *perResource {
		o.Layout = fleet.PerResource
	}
	if *files > 0 {
		f := fleet.ForFiles(*files)
		o.Stacks, o.Layout, o.SpareVPCs = f.Stacks, f.Layout, f.SpareVPCs
	}
	n, err := fleet.Write(*out, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	total, _ := o.Expected()
	fmt.Printf("wrote %d files under %s: %d stacks, %v\n", n, *out, o.Stacks, total)
}
