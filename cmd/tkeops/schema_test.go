package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// TestSchemaValidatesExamples validates every example document against the output
// of `tkeops schema`, with a JSON Schema library.
func TestSchemaValidatesExamples(t *testing.T) {
	out, errOut, code := runCmd(t, "schema")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	doc, err := sjs.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	c := sjs.NewCompiler()
	if err := c.AddResource("tkeops.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("tkeops.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, env := range []string{"production", "staging"} {
		files, _ := filepath.Glob(filepath.Join("../../examples", env, "*.yaml"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, part := range bytes.Split(data, []byte("\n---\n")) {
				j, err := yaml.YAMLToJSON(part)
				if err != nil {
					t.Fatalf("%s#%d: %v", f, i, err)
				}
				v, err := sjs.UnmarshalJSON(bytes.NewReader(j))
				if err != nil {
					t.Fatal(err)
				}
				if err := schema.Validate(v); err != nil {
					t.Errorf("%s#%d: %v", f, i, err)
				}
				n++
			}
		}
	}
	if n != 29 {
		t.Errorf("validated %d documents, want 29", n)
	}
	// An unknown field must fail, so the schema is really closed.
	bad, _ := sjs.UnmarshalJSON(strings.NewReader(`{"apiVersion":"tkeops.io/v1alpha1","kind":"NodePool","metadata":{"name":"p"},"spec":{"clusterRef":{"name":"c"},"subnetRefs":[{"name":"s"}],"instanceTypes":["SA5.MEDIUM4"],"scaling":{"min":0,"max":1,"maxSurge":1}}}`))
	if schema.Validate(bad) == nil {
		t.Error("schema accepted an unknown field")
	}
}
