package spec

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unsafe"

	goldenfile "github.com/tkeops/tkeops/internal/golden"
)

const invalidDir = "../examples/invalid"

func formatDiags(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintln(&b, d.Error())
	}
	return b.String()
}

// TestExamplesValid loads the example repository, production and staging together.
func TestExamplesValid(t *testing.T) {
	set, diags := LoadDir("../examples")
	if len(diags) > 0 {
		t.Fatalf("examples have problems:\n%s", formatDiags(diags))
	}
	if got := len(set.Resources); got != 29 {
		t.Errorf("loaded %d resources, want 29", got)
	}
	for _, env := range []string{"production", "staging"} {
		set, diags := LoadDir(path.Join("../examples", env))
		if len(diags) > 0 {
			t.Errorf("%s alone: %s", env, formatDiags(diags))
		}
		counts := map[Kind]int{}
		for _, r := range set.Resources {
			counts[r.GetAddr().Kind]++
		}
		// Production has a GPU pool besides its general and ingress pools.
		pools, wantTainted := 2, 1
		if env == "production" {
			pools, wantTainted = 3, 2
		}
		if counts[KindCluster] != 1 || counts[KindNodePool] != pools || counts[KindSecurityGroup] < 1 || counts[KindSubnet] < 3 {
			t.Errorf("%s: kinds %v; want 3 subnets or more, security groups, 1 cluster, %d pools", env, counts, pools)
		}
		tainted, gpu := 0, 0
		for _, r := range set.ByKind(KindNodePool) {
			if len(r.(*NodePool).Spec.Taints) > 0 {
				tainted++
			}
			if r.(*NodePool).Spec.GPU != nil {
				gpu++
			}
		}
		if tainted != wantTainted || gpu != pools-2 {
			t.Errorf("%s: %d tainted pools, %d GPU pools; want %d and %d", env, tainted, gpu, wantTainted, pools-2)
		}
		if env == "production" {
			// The production cluster's native pool and its add-ons (issue 16).
			var addons []string
			for _, r := range set.ByKind(KindAddon) {
				addons = append(addons, r.(*Addon).Spec.AddonName)
			}
			slices.Sort(addons)
			if counts[KindNativeNodePool] != 1 || !slices.Equal(addons, []string{"cbs", AddonLocalDNS}) {
				t.Errorf("production: %d native pools, add-ons %v; want 1 and [cbs %s]", counts[KindNativeNodePool], addons, AddonLocalDNS)
			}
		}
	}
	// Production's private nodes go out through a NAT gateway and reach the shared
	// services over a peering connection, with routes to the cluster's pods there.
	prod, _ := LoadDir("../examples/production")
	var egress, pods bool
	for _, r := range prod.ByKind(KindRouteTable) {
		rt := r.(*RouteTable)
		for _, rr := range rt.Spec.Routes {
			if rr.Destination == "0.0.0.0/0" && rr.NextHop.NatGatewayRef != nil && len(rt.Spec.SubnetRefs) == 3 {
				egress = true
			}
			if rr.Destination == "172.20.0.0/16" && rr.NextHop.PeeringConnectionRef != nil {
				pods = true
			}
		}
	}
	if !egress || !pods || len(prod.ByKind(KindNatGateway)) != 1 || len(prod.ByKind(KindPeeringConnection)) != 1 {
		t.Errorf("production: egress through NAT to 3 subnets %v, a route to the pods across the peering %v", egress, pods)
	}
}

// TestExamplesInvalid compares every diagnostic for examples/invalid with the
// golden file next to the examples. Run with -update to rewrite it.
func TestExamplesInvalid(t *testing.T) {
	_, diags := Load(os.DirFS(invalidDir), ".")
	got := formatDiags(diags)
	goldenfile.Assert(t, path.Join(invalidDir, "expected-errors.txt"), []byte(got))
	// Every file but base.yaml demonstrates at least one rule, says so in a comment,
	// and every diagnostic has a file:line:column.
	entries, err := os.ReadDir(invalidDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if path.Ext(e.Name()) != ".yaml" {
			continue
		}
		data, _ := os.ReadFile(path.Join(invalidDir, e.Name()))
		if !bytes.HasPrefix(data, []byte("# expect: ")) {
			t.Errorf("%s does not start with a '# expect: ' comment", e.Name())
		}
		n := strings.Count(got, e.Name()+":")
		if e.Name() == "base.yaml" && n != 0 || e.Name() != "base.yaml" && n == 0 {
			t.Errorf("%s: %d diagnostics", e.Name(), n)
		}
	}
	for _, d := range diags {
		if d.Pos.File == "" || d.Pos.Line == 0 {
			t.Errorf("diagnostic without a position: %s", d.Error())
		}
	}
}

const vpcDoc = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: %s
spec:
  region: ap-guangzhou
  cidrBlock: 10.0.0.0/16
`

func loadOne(t *testing.T, name, text string) (*Set, Diagnostics) {
	t.Helper()
	return Load(fstest.MapFS{name: {Data: []byte(text)}}, ".")
}

func wantDiag(t *testing.T, diags Diagnostics, want string) {
	t.Helper()
	for _, d := range diags {
		if strings.Contains(d.Error(), want) {
			return
		}
	}
	t.Errorf("no diagnostic contains %q; got:\n%s", want, formatDiags(diags))
}

func TestLoadMultiDocumentAndPositions(t *testing.T) {
	text := "# leading comment\n" + fmt.Sprintf(vpcDoc, "a") + "---\n" + fmt.Sprintf(vpcDoc, "b") + "--- # trailing\n...\n"
	set, diags := loadOne(t, "net/vpcs.yml", text)
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	if len(set.Resources) != 2 {
		t.Fatalf("got %d resources", len(set.Resources))
	}
	b, ok := set.Get(Addr{Kind: KindVPC, Name: "b"})
	if !ok {
		t.Fatal("Get(VPC/b) found nothing")
	}
	if got, want := b.GetPos(), (Pos{File: "net/vpcs.yml", Line: 10, Col: 1}); got != want {
		t.Errorf("doc pos = %v, want %v", got, want)
	}
	if got, want := FieldPos(b, "spec.cidrBlock"), (Pos{File: "net/vpcs.yml", Line: 16, Col: 3}); got != want {
		t.Errorf("FieldPos(spec.cidrBlock) = %v, want %v", got, want)
	}
	// A defaulted field falls back to its closest written parent.
	if got, want := FieldPos(b, "spec.deletionPolicy"), (Pos{File: "net/vpcs.yml", Line: 14, Col: 1}); got != want {
		t.Errorf("FieldPos(spec.deletionPolicy) = %v, want %v", got, want)
	}
	if got := len(set.ByKind(KindVPC)); got != 2 {
		t.Errorf("ByKind(VPC) = %d", got)
	}
	// The two documents are laid out alike: they share one layout (a large
	// repository keeps the positions of every document: issue 18).
	a, _ := set.Get(Addr{Kind: KindVPC, Name: "a"})
	if la, lb := a.(*VPC).fields.layout, b.(*VPC).fields.layout; la == nil || la != lb {
		t.Errorf("layouts of a and b: %p and %p, want one", la, lb)
	}
}

// Documents laid out alike share their field positions; each still reports its own
// lines, and a document laid out otherwise (a field more, a field elsewhere on its
// line, a field on another line) shares nothing with them.
func TestFieldPositionsOfDocumentsLaidOutAlike(t *testing.T) {
	other := strings.Replace(fmt.Sprintf(vpcDoc, "d"), "  cidrBlock", "\n  cidrBlock", 1) // cidrBlock a line lower
	indented := strings.Replace(fmt.Sprintf(vpcDoc, "e"), "  region", "   region", 1)
	indented = strings.Replace(indented, "  cidrBlock", "   cidrBlock", 1) // spec's fields a column right
	text := "# leading comment\n" + fmt.Sprintf(vpcDoc, "a") +             // lines 2–8
		"---\n# a comment\n\n" + fmt.Sprintf(vpcDoc, "b") + // 12–18
		"---\n" + fmt.Sprintf(vpcDoc, "c") + "  deletionPolicy: Orphan\n" + // 20–27
		"---\n" + other + // 29–36
		"---\n" + indented // 38–44
	files := fstest.MapFS{"one.yaml": {Data: []byte(text)}, "two.yaml": {Data: []byte("\n\n" + fmt.Sprintf(vpcDoc, "f"))}} // 3–9
	set, diags := Load(files, ".")
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	want := map[string]map[string]Pos{
		"a": {"kind": {"one.yaml", 3, 1}, "metadata.name": {"one.yaml", 5, 3}, "spec.region": {"one.yaml", 7, 3}, "spec.cidrBlock": {"one.yaml", 8, 3}},
		"b": {"kind": {"one.yaml", 13, 1}, "metadata.name": {"one.yaml", 15, 3}, "spec.region": {"one.yaml", 17, 3}, "spec.cidrBlock": {"one.yaml", 18, 3}},
		"c": {"spec.cidrBlock": {"one.yaml", 26, 3}, "spec.deletionPolicy": {"one.yaml", 27, 3}},
		"d": {"metadata.name": {"one.yaml", 32, 3}, "spec.region": {"one.yaml", 34, 3}, "spec.cidrBlock": {"one.yaml", 36, 3}},
		"e": {"metadata.name": {"one.yaml", 41, 3}, "spec.region": {"one.yaml", 43, 4}, "spec.cidrBlock": {"one.yaml", 44, 4}},
		"f": {"kind": {"two.yaml", 4, 1}, "spec.cidrBlock": {"two.yaml", 9, 3}, "spec.deletionPolicy": {"two.yaml", 7, 1}},
	}
	layout := map[string]*fieldLayout{}
	for name, fields := range want {
		r, ok := set.Get(Addr{Kind: KindVPC, Name: name})
		if !ok {
			t.Fatalf("no VPC %s", name)
		}
		for p, pos := range fields {
			if got := FieldPos(r, p); got != pos {
				t.Errorf("VPC %s: FieldPos(%s) = %v, want %v", name, p, got, pos)
			}
		}
		layout[name] = r.(*VPC).fields.layout
	}
	// a, b and f (another file, read by another worker when there are two) are laid
	// out alike; c, d and e each otherwise.
	if layout["a"] != layout["b"] || layout["a"] != layout["f"] {
		t.Errorf("a, b and f do not share their layout: %p %p %p", layout["a"], layout["b"], layout["f"])
	}
	for _, name := range []string{"c", "d", "e"} {
		for _, other := range []string{"a", "c", "d", "e"} {
			if other != name && layout[name] == layout[other] {
				t.Errorf("%s and %s share a layout, but are laid out differently", name, other)
			}
		}
	}
}

func TestLoadInlineDocumentAfterMarker(t *testing.T) {
	text := fmt.Sprintf(vpcDoc, "a") + `--- {apiVersion: tkeops.io/v1alpha1, kind: VPC, metadata: {name: b}, spec: {region: ap-guangzhou, cidrBlock: 10.1.0.0/16, bogus: 1}}` + "\n"
	_, diags := loadOne(t, "a.yaml", text)
	wantDiag(t, diags, `a.yaml:8:`)
	wantDiag(t, diags, `spec.bogus: unknown field "bogus"`)
}

func TestLoadBOMAndCRLF(t *testing.T) {
	text := "\xEF\xBB\xBF" + strings.ReplaceAll(fmt.Sprintf(vpcDoc, "a")+"---\n"+fmt.Sprintf(vpcDoc, "b"), "\n", "\r\n")
	set, diags := loadOne(t, "crlf.yaml", text)
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	if len(set.Resources) != 2 {
		t.Fatalf("got %d resources, want 2", len(set.Resources))
	}
	if got := FieldPos(set.Resources[1], "spec.region"); got.Line != 14 || got.Col != 3 {
		t.Errorf("position after CRLF = %v, want line 14 col 3", got)
	}
	// A CRLF block scalar must not keep the carriage returns.
	pool := strings.ReplaceAll(poolDoc("p", "  userData: |\n    #!/bin/sh\n    echo hi\n"), "\n", "\r\n")
	set, diags = Load(fstest.MapFS{"base.yaml": {Data: []byte(baseDocs)}, "p.yaml": {Data: []byte(pool)}}, ".")
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	p, _ := set.Get(Addr{Kind: KindNodePool, Name: "p"})
	if ud := p.(*NodePool).Spec.UserData; ud != "#!/bin/sh\necho hi\n" {
		t.Errorf("userData = %q", ud)
	}
}

func TestLoadUTF16Refused(t *testing.T) {
	_, diags := loadOne(t, "u.yaml", "\xFF\xFEa\x00")
	wantDiag(t, diags, "u.yaml: file is UTF-16 encoded; save it as UTF-8")
}

func TestLoadLargeFile(t *testing.T) {
	big := bytes.Repeat([]byte("# padding padding padding padding padding padding\n"), 10<<20/50) //nolint:dupword // filler
	_, diags := loadOne(t, "big.yaml", string(big))
	wantDiag(t, diags, "big.yaml: file is larger than 4 MiB")
	if len(diags) != 1 {
		t.Errorf("got %d diagnostics", len(diags))
	}
}

func TestLoadAliasBomb(t *testing.T) {
	// The classic billion-laughs shape, reached through a typed list field.
	var b strings.Builder
	b.WriteString("a0: &a0 [\"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\", \"x\"]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	text := "apiVersion: tkeops.io/v1alpha1\nkind: VPC\nmetadata: {name: bomb}\nx:\n" + indent(b.String(), "  ") + "spec:\n  region: ap-guangzhou\n  cidrBlock: 10.0.0.0/16\n  dnsServers: *a9\n"
	_, diags := loadOne(t, "bomb.yaml", text)
	if !diags.HasErrors() {
		t.Fatal("alias bomb accepted")
	}
	// Bounded: the bomb is refused as a list of lists without being expanded.
	wantDiag(t, diags, "spec.dnsServers[0]: expected a string, got a list")
	if len(diags) > 20 {
		t.Errorf("%d diagnostics for one bomb", len(diags))
	}
}

func TestLoadNodeBudget(t *testing.T) {
	// A well-typed list that expands past the budget through aliases.
	var b strings.Builder
	b.WriteString("apiVersion: tkeops.io/v1alpha1\nkind: SecurityGroup\nmetadata: {name: g}\nspec:\n  region: ap-guangzhou\n  ingress:\n")
	b.WriteString("    - &r {protocol: TCP, port: \"1\", cidrBlock: 10.0.0.0/8, action: ACCEPT, description: d}\n")
	for i := 0; i < maxDocNodes/10; i++ {
		b.WriteString("    - *r\n")
	}
	_, diags := loadOne(t, "g.yaml", b.String())
	wantDiag(t, diags, "expands to more than 100000 YAML nodes")
	if len(diags) != 1 {
		t.Errorf("got %d diagnostics", len(diags))
	}
}

func TestLoadAliasesWithinBudget(t *testing.T) {
	text := `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: a, labels: &l {team: platform}}
spec:
  region: &r ap-guangzhou
  cidrBlock: 10.0.0.0/16
---
apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: a}
spec:
  region: ap-guangzhou
  ingress:
    - &rule {protocol: TCP, port: "443", cidrBlock: 10.0.0.0/8, action: ACCEPT}
  egress:
    - *rule
`
	set, diags := loadOne(t, "a.yaml", text)
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	g, _ := set.Get(Addr{Kind: KindSecurityGroup, Name: "a"})
	if eg := g.(*SecurityGroup).Spec.Egress; len(eg) != 1 || eg[0].Port != "443" {
		t.Errorf("egress through an alias = %+v", eg)
	}
}

func TestLoadMergeKeyRefused(t *testing.T) {
	text := "apiVersion: tkeops.io/v1alpha1\nkind: VPC\nmetadata: {name: a}\nbase: &b {region: ap-guangzhou}\nspec:\n  <<: *b\n  cidrBlock: 10.0.0.0/16\n"
	_, diags := loadOne(t, "m.yaml", text)
	wantDiag(t, diags, "m.yaml:6:3: spec: YAML merge keys (<<) are not supported")
}

func TestLoadDuplicateKeys(t *testing.T) {
	text := "apiVersion: tkeops.io/v1alpha1\nkind: VPC\nmetadata: {name: a, name: b}\nspec:\n  region: ap-guangzhou\n  cidrBlock: 10.0.0.0/16\n"
	_, diags := loadOne(t, "d.yaml", text)
	wantDiag(t, diags, `d.yaml:3:21: metadata.name: duplicate key "name" (first at line 3)`)
}

func TestLoadWrongTypesAllReported(t *testing.T) {
	text := `apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: p}
spec:
  clusterRef: {name: c}
  subnetRefs: {name: s}
  instanceTypes: SA5.MEDIUM4
  scaling: {min: one, max: 2.5, autoscaling: on}
  labels: {team: [a]}
  taints: [{key: a, effect: NoSchedule, value: 1}]
`
	_, diags := loadOne(t, "p.yaml", text)
	for _, want := range []string{
		"p.yaml:6:15: spec.subnetRefs: expected a list, got a mapping",
		"p.yaml:7:18: spec.instanceTypes: expected a list, got a string",
		"p.yaml:8:18: spec.scaling.min: expected an integer, got a string (one)",
		"p.yaml:8:28: spec.scaling.max: expected an integer, got a number (2.5)",
		"p.yaml:8:46: spec.scaling.autoscaling: expected a boolean (true or false), got a YAML 1.1 boolean (on)",
		"p.yaml:9:18: spec.labels.team: expected a string, got a list",
		`p.yaml:10:48: spec.taints[0].value: expected a string, got an integer (1); quote it: "1"`,
	} {
		wantDiag(t, diags, want)
	}
}

func TestLoadNonMappingAndEmptyDocuments(t *testing.T) {
	_, diags := loadOne(t, "s.yaml", "---\n# only a comment\n---\n- a\n- b\n---\n")
	wantDiag(t, diags, "s.yaml:4:1: a document must be a mapping")
	if len(diags) != 1 {
		t.Errorf("got %d diagnostics:\n%s", len(diags), formatDiags(diags))
	}
}

func TestLoadIgnoresHiddenAndIgnoredPaths(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":             {Data: []byte(fmt.Sprintf(vpcDoc, "a"))},
		".git/x.yaml":        {Data: []byte("not: [valid")},
		"skip/x.yaml":        {Data: []byte("not: [valid")},
		"keep/notes.txt":     {Data: []byte("not yaml")},
		"keep/b.yml":         {Data: []byte(fmt.Sprintf(vpcDoc, "b"))},
		"drafts.yaml":        {Data: []byte("not: [valid")},
		IgnoreFile:           {Data: []byte("# comment\nskip/\ndrafts.yaml\n")},
		"keep/.hidden.yaml":  {Data: []byte("not: [valid")},
		"keep/deep/c.yaml":   {Data: []byte(fmt.Sprintf(vpcDoc, "c"))},
		"keep/deep/skip.txt": {Data: []byte("x")},
		// A nested ignore file applies below its directory only.
		"keep/deep/" + IgnoreFile:     {Data: []byte("manifests/\n")},
		"keep/deep/manifests/ns.yaml": {Data: []byte("apiVersion: v1\nkind: Namespace\n")},
		"manifests/c.yaml":            {Data: []byte(fmt.Sprintf(vpcDoc, "d"))},
	}
	set, diags := Load(fsys, ".")
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	var names []string
	for _, r := range set.Resources {
		names = append(names, r.GetAddr().Name)
	}
	if got := strings.Join(names, ","); got != "a,b,c,d" {
		t.Errorf("loaded %s, want a,b,c,d (file order)", got)
	}
}

func TestLoadSubdirectoryRoot(t *testing.T) {
	fsys := fstest.MapFS{"repo/env/a.yaml": {Data: []byte(strings.Replace(fmt.Sprintf(vpcDoc, "a"), "10.0.0.0/16", "10.0.0.1/16", 1))}}
	set, diags := Load(fsys, "repo/env")
	wantDiag(t, diags, "repo/env/a.yaml:7:3: spec.cidrBlock: 10.0.0.1/16 is not a network address; did you mean 10.0.0.0/16?")
	if set == nil || set.Root != "repo/env" {
		t.Errorf("set = %+v", set)
	}
	set, diags = Load(fsys, "missing")
	wantDiag(t, diags, "missing: cannot read spec directory")
	if set == nil {
		t.Error("Load returned a nil set")
	}
}

func TestLoadDirDisplayNames(t *testing.T) {
	_, diags := LoadDir("../examples/invalid/")
	wantDiag(t, diags, "../examples/invalid/names.yaml:5:3: metadata.name:")
}

const baseDocs = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: v}
spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: s}
spec: {vpcRef: {name: v}, zone: ap-guangzhou-3, cidrBlock: 10.0.0.0/24}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: c}
spec:
  region: ap-guangzhou
  version: 1.30.0
  vpcRef: {name: v}
  network: {clusterCIDR: 172.16.0.0/16}
`

func poolDoc(name, extra string) string {
	return `apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: ` + name + `}
spec:
  clusterRef: {name: c}
  subnetRefs: [{name: s}]
  instanceTypes: [SA5.MEDIUM4]
  scaling: {min: 1, max: 3}
` + extra
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// Layouts with the same hash are told apart by their fields.
func TestLayoutsTellCollidingLayoutsApart(t *testing.T) {
	l := newLayouts()
	mine := []fieldPosition{{path: "kind", line: 1, col: 1}, {path: "spec", line: 4, col: 1}}
	other := &fieldLayout{fields: []fieldPosition{{path: "kind", line: 1, col: 1}, {path: "spec", line: 5, col: 1}}}
	l.byID[l.hash(mine)] = []*fieldLayout{other}
	got := l.positions(slices.Clone(mine), 0)
	if got.layout == other || !slices.Equal(got.layout.fields, mine) {
		t.Fatalf("got layout %v, want %v", got.layout.fields, mine)
	}
	// The same fields in a document ten lines below (the walker records absolute lines).
	lower := slices.Clone(mine)
	for i := range lower {
		lower[i].line += 10
	}
	if again := l.positions(lower, 10); again.layout != got.layout || again.line != 10 {
		t.Errorf("the same fields again: layout %p line %d, want %p line 10", again.layout, again.line, got.layout)
	}
}

// The documents of a load share one copy of each string they repeat: values, map
// keys and values, the names references point at.
func TestLoadSharesRepeatedStrings(t *testing.T) {
	text := `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: v, labels: {team: core}}
spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16, tags: {team: core}}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: s, labels: {team: core}}
spec: {vpcRef: {name: v}, zone: ap-guangzhou-3, cidrBlock: 10.0.0.0/24}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: t}
spec: {vpcRef: {name: v}, zone: ap-guangzhou-3, cidrBlock: 10.0.1.0/24, tags: {team: core}}
`
	set, diags := loadOne(t, "net.yaml", text)
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	vpc, _ := set.Get(Addr{Kind: KindVPC, Name: "v"})
	s, _ := set.Get(Addr{Kind: KindSubnet, Name: "s"})
	u, _ := set.Get(Addr{Kind: KindSubnet, Name: "t"})
	v, a, b := vpc.(*VPC), s.(*Subnet), u.(*Subnet)
	key := func(m map[string]string) string {
		for k := range m {
			return k
		}
		return ""
	}
	same := func(what, x, y string) {
		t.Helper()
		if x != y || unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s: %q and %q are not one string", what, x, y)
		}
	}
	same("apiVersion", v.APIVersion, b.APIVersion)
	same("kind", string(a.Kind), string(b.Kind))
	same("a reference and the name it points at", a.Spec.VPCRef.Name, v.Metadata.Name)
	same("two references", a.Spec.VPCRef.Name, b.Spec.VPCRef.Name)
	same("zones", a.Spec.Zone, b.Spec.Zone)
	same("label keys", key(v.Metadata.Labels), key(a.Metadata.Labels))
	same("label values", v.Metadata.Labels["team"], a.Metadata.Labels["team"])
	same("a label key and a tag key", key(a.Metadata.Labels), key(b.Spec.Tags))
	same("tag values", v.Spec.Tags["team"], b.Spec.Tags["team"])
}

// Every field of every example document is found where a load of that document
// alone finds it (the other documents of its file blanked line for line): sharing
// positions between documents laid out alike changes no answer of FieldPos.
func TestFieldPositionsAsIfLoadedAlone(t *testing.T) {
	for _, dir := range []string{"../examples/production", "../examples/staging", "../examples/production-layout/environments"} {
		fsys := os.DirFS(dir)
		set, _ := Load(fsys, ".")
		if len(set.Resources) == 0 {
			t.Fatalf("%s: nothing loaded", dir)
		}
		for _, r := range set.Resources {
			o := r.(interface{ object() *Object }).object()
			data, err := fs.ReadFile(fsys, o.fsFile)
			if err != nil {
				t.Fatal(err)
			}
			alone, _ := Load(fstest.MapFS{o.fsFile: {Data: onlyDocumentAt(data, o.Source.Line)}}, ".")
			ra, ok := alone.Get(r.GetAddr())
			if !ok {
				t.Fatalf("%s: %s not loaded alone", dir, r.GetAddr())
			}
			if o.fields.layout == nil {
				t.Fatalf("%s: %s has no positions", dir, r.GetAddr())
			}
			for _, f := range o.fields.layout.fields {
				for _, p := range []string{f.path, f.path + ".unwritten"} {
					if got, want := FieldPos(r, p), FieldPos(ra, p); got != want {
						t.Errorf("%s: %s: FieldPos(%s) = %v, alone %v", dir, r.GetAddr(), p, got, want)
					}
				}
			}
		}
	}
}

// onlyDocumentAt blanks every line of data outside the document holding line
// (1-based), keeping the document markers and the number of lines.
func onlyDocumentAt(data []byte, line int) []byte {
	lines := strings.Split(string(data), "\n")
	start, end := 0, len(lines)
	for i, l := range lines {
		if isMarker([]byte(l), "---") || isMarker([]byte(l), "...") {
			if i < line-1 {
				start = i
			} else if end == len(lines) {
				end = i
			}
		}
	}
	for i, l := range lines {
		switch {
		case i >= start && i < end:
		case isMarker([]byte(l), "---"):
			lines[i] = "---"
		default:
			lines[i] = ""
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// Get finds every resource of a set by its address, nothing at an address the set
// does not hold, and still the right resource after Resources was changed.
func TestSetGet(t *testing.T) {
	text := baseDocs + "---\n" + poolDoc("p", "") + "---\n" + poolDoc("a", "") + "---\n" + fmt.Sprintf(vpcDoc, "c")
	set, diags := loadOne(t, "set.yaml", text)
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	if len(set.Resources) != 6 {
		t.Fatalf("%d resources", len(set.Resources))
	}
	found := func(what string) {
		t.Helper()
		for _, r := range set.Resources {
			if got, ok := set.Get(r.GetAddr()); !ok || got != r {
				t.Errorf("%s: Get(%s) = %v, %v", what, r.GetAddr(), got, ok)
			}
		}
		for _, a := range []Addr{{KindVPC, "b"}, {KindVPC, "z"}, {KindSubnet, "v"}, {KindNodePool, ""}, {"Zebra", "c"}} {
			if _, ok := set.Get(a); ok {
				t.Errorf("%s: Get(%s) found something", what, a)
			}
		}
	}
	found("as loaded")
	// Two addresses sharing a hash are found by the scan.
	set.byAddr[addrHash(set.seed, set.Resources[1].GetAddr())] = -1
	found("a hash shared")
	slices.Reverse(set.Resources)
	found("reversed")
	set.Resources = set.Resources[2:]
	found("shortened")
	set.Resources = append(set.Resources, &VPC{Object: Object{TypeMeta: TypeMeta{Kind: KindVPC}, Metadata: ObjectMeta{Name: "b"}}})
	if got, ok := set.Get(Addr{KindVPC, "b"}); !ok || got != set.Resources[len(set.Resources)-1] {
		t.Errorf("an added resource: Get = %v, %v", got, ok)
	}
	// A set made by hand has no index.
	byHand := &Set{Resources: set.Resources}
	for _, r := range byHand.Resources {
		if got, ok := byHand.Get(r.GetAddr()); !ok || got != r {
			t.Errorf("a set made by hand: Get(%s) = %v, %v", r.GetAddr(), got, ok)
		}
	}
}
