package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	goldenfile "github.com/tkeops/tkeops/internal/golden"

	"github.com/invopop/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// TestSchemaComments regenerates the doc comments the schema embeds from this
// package's source and fails when the embedded copy is stale.
func TestSchemaComments(t *testing.T) {
	r := &jsonschema.Reflector{}
	if err := r.AddGoComments("github.com/tkeops/tkeops/spec", "."); err != nil {
		t.Fatal(err)
	}
	// Keep the comments of the package's own types only (not of test files).
	keep := map[string]string{}
	for k, v := range r.CommentMap {
		if strings.HasPrefix(k, "github.com/tkeops/tkeops/spec.") {
			keep[k] = v
		}
	}
	got, err := json.MarshalIndent(keep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if goldenfile.Update() {
		if err := os.WriteFile("schema_comments.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, schemaComments) {
		t.Fatal("schema_comments.json is stale: run go test ./spec -run TestSchemaComments -update")
	}
}

func compileSchema(t *testing.T) *sjs.Schema {
	t.Helper()
	raw, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := sjs.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return s
}

// yamlDocuments returns the documents of every spec file under dir, as JSON values.
func yamlDocuments(t *testing.T, dir string) map[string]any {
	t.Helper()
	out := map[string]any{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, doc := range splitDocuments(data) {
			if len(bytes.TrimSpace(doc.text)) == 0 {
				continue
			}
			j, err := yaml.YAMLToJSON(doc.text)
			if err != nil {
				return err
			}
			v, err := sjs.UnmarshalJSON(bytes.NewReader(j))
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			out[p+"#"+string(rune('0'+i))] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaAcceptsExamples validates every example document against the schema
// that `tkeops schema` prints.
func TestSchemaAcceptsExamples(t *testing.T) {
	s := compileSchema(t)
	docs := map[string]any{}
	for _, env := range []string{"../examples/production", "../examples/staging", "../examples/invalid/base.yaml"} {
		fi, err := os.Stat(env)
		if err != nil {
			t.Fatal(err)
		}
		if fi.IsDir() {
			for k, v := range yamlDocuments(t, env) {
				docs[k] = v
			}
			continue
		}
		data, _ := os.ReadFile(env)
		for i, doc := range splitDocuments(data) {
			j, err := yaml.YAMLToJSON(doc.text)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := sjs.UnmarshalJSON(bytes.NewReader(j))
			docs[env+"#"+string(rune('0'+i))] = v
		}
	}
	if len(docs) < 20 {
		t.Fatalf("only %d example documents found", len(docs))
	}
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := s.Validate(docs[k]); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}

// TestSchemaRejects checks that the schema is closed and chooses by kind.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	bad := map[string]string{
		"unknown field":       `{"apiVersion":"tkeops.io/v1alpha1","kind":"VPC","metadata":{"name":"a"},"spec":{"region":"ap-guangzhou","cidrBlock":"10.0.0.0/16","cidr":"x"}}`,
		"unknown kind":        `{"apiVersion":"tkeops.io/v1alpha1","kind":"Vpc","metadata":{"name":"a"},"spec":{}}`,
		"bad apiVersion":      `{"apiVersion":"v1","kind":"VPC","metadata":{"name":"a"},"spec":{"region":"ap-guangzhou","cidrBlock":"10.0.0.0/16"}}`,
		"missing required":    `{"apiVersion":"tkeops.io/v1alpha1","kind":"Subnet","metadata":{"name":"a"},"spec":{"vpcRef":{"name":"v"},"zone":"ap-guangzhou-3"}}`,
		"wrong kind's fields": `{"apiVersion":"tkeops.io/v1alpha1","kind":"VPC","metadata":{"name":"a"},"spec":{"vpcRef":{"name":"v"},"zone":"ap-guangzhou-3","cidrBlock":"10.0.0.0/24"}}`,
		"enum":                `{"apiVersion":"tkeops.io/v1alpha1","kind":"VPC","metadata":{"name":"a"},"spec":{"region":"ap-guangzhou","cidrBlock":"10.0.0.0/16","deletionPolicy":"Keep"}}`,
		"ref with both":       `{"apiVersion":"tkeops.io/v1alpha1","kind":"Subnet","metadata":{"name":"a"},"spec":{"vpcRef":{"name":"v","id":"vpc-1a2b3c4d"},"zone":"ap-guangzhou-3","cidrBlock":"10.0.0.0/24"}}`,
		"bad zone":            `{"apiVersion":"tkeops.io/v1alpha1","kind":"Subnet","metadata":{"name":"a"},"spec":{"vpcRef":{"name":"v"},"zone":"guangzhou","cidrBlock":"10.0.0.0/24"}}`,
		"bad id":              `{"apiVersion":"tkeops.io/v1alpha1","kind":"Subnet","metadata":{"name":"a"},"spec":{"vpcRef":{"id":"vpc-1"},"zone":"ap-guangzhou-3","cidrBlock":"10.0.0.0/24"}}`,
		"bad instance type":   `{"apiVersion":"tkeops.io/v1alpha1","kind":"NodePool","metadata":{"name":"p"},"spec":{"clusterRef":{"name":"c"},"subnetRefs":[{"name":"s"}],"instanceTypes":["big"],"scaling":{"min":0,"max":1}}}`,
		"bad name":            `{"apiVersion":"tkeops.io/v1alpha1","kind":"VPC","metadata":{"name":"A_b"},"spec":{"region":"ap-guangzhou","cidrBlock":"10.0.0.0/16"}}`,
	}
	for name, doc := range bad {
		v, err := sjs.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(v); err == nil {
			t.Errorf("%s: schema accepted %s", name, doc)
		}
	}
}

func TestSchemaHasDescriptions(t *testing.T) {
	raw, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		Defs map[string]struct {
			AdditionalProperties *bool `json:"additionalProperties"`
			Properties           map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	if d := root.Defs["ClusterNetwork"].Properties["clusterCIDR"].Description; !strings.Contains(d, "container CIDR") {
		t.Errorf("clusterCIDR description = %q", d)
	}
	for name, d := range root.Defs {
		if len(d.Properties) > 0 && (d.AdditionalProperties == nil || *d.AdditionalProperties) {
			t.Errorf("%s is not closed (additionalProperties)", name)
		}
	}
}
