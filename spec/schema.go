package spec

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"
)

// SchemaID is the $id of the JSON Schema of the spec language.
const SchemaID = "https://tkeops.io/schemas/v1alpha1/spec.json"

// schemaComments maps Go types and fields of this package to their doc comments,
// in invopop/jsonschema's CommentMap form. It is generated from the source by
// `go test ./spec -run TestSchemaComments -update`, and that test fails when it is
// stale, so the descriptions always match the code.
//
//go:embed schema_comments.json
var schemaComments []byte

// Schema returns the JSON Schema (draft 2020-12) of a spec document, generated from
// the Go types: one schema that accepts any kind, choosing the kind's schema by the
// kind field. Every object is closed (additionalProperties: false), descriptions
// come from the Go doc comments, and enumerations come from the lists the validator
// uses. yaml-language-server reads it.
func Schema() ([]byte, error) {
	var comments map[string]string
	if err := json.Unmarshal(schemaComments, &comments); err != nil {
		return nil, fmt.Errorf("reading embedded schema comments: %w", err)
	}
	r := &jsonschema.Reflector{CommentMap: comments}
	defs := jsonschema.Definitions{}
	root := &jsonschema.Schema{
		Version:     "https://json-schema.org/draft/2020-12/schema",
		ID:          SchemaID,
		Title:       "tkeops spec document",
		Description: "One document of a tkeops spec repository, of one of the kinds " + kindList() + ".",
		Type:        "object",
		Required:    []string{"apiVersion", "kind", "metadata", "spec"},
		Properties:  jsonschema.NewProperties(),
		Definitions: defs,
	}
	kinds := make([]any, len(registry))
	for i, info := range registry {
		k := info.Kind
		kinds[i] = string(k)
		s := r.Reflect(info.New())
		for name, d := range s.Definitions {
			defs[name] = d
		}
		name := info.Type().Name()
		d, ok := defs[name]
		if !ok {
			return nil, fmt.Errorf("schema of %s: no definition %q", k, name)
		}
		d.Properties.Set("kind", &jsonschema.Schema{Type: "string", Const: string(k)})
		root.AllOf = append(root.AllOf, &jsonschema.Schema{
			If: &jsonschema.Schema{
				Properties: propsOf("kind", &jsonschema.Schema{Const: string(k)}),
				Required:   []string{"kind"},
			},
			Then: &jsonschema.Schema{Ref: "#/$defs/" + name},
		})
	}
	root.Properties.Set("apiVersion", &jsonschema.Schema{Type: "string", Const: APIVersion})
	root.Properties.Set("kind", &jsonschema.Schema{Type: "string", Enum: kinds, Description: "The kind of the document; it decides the shape of spec."})
	if err := refineSchema(defs); err != nil {
		return nil, err
	}
	return json.MarshalIndent(root, "", "  ")
}

func propsOf(name string, s *jsonschema.Schema) *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	p := jsonschema.NewProperties()
	p.Set(name, s)
	return p
}

// schemaRule refines one property of one definition (a Go type's name) of the
// schema; prop "" refines the definition itself.
type schemaRule struct {
	def, prop string
	f         func(*jsonschema.Schema)
}

func enum(values []string) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) {
		s.Enum = make([]any, len(values))
		for i, v := range values {
			s.Enum[i] = v
		}
	}
}

func pattern(re string) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) { s.Pattern = re }
}

// refineSchema adds what the Go types cannot say: constants, enumerations,
// patterns and the one-of rule of references. Rules of one kind's types are the
// kind's (KindInfo.schema); properties every kind has are refined wherever they are.
func refineSchema(defs jsonschema.Definitions) error {
	one := uint64(1)
	maxName := uint64(MaxNameLen)
	rules := []schemaRule{
		{"ObjectMeta", "name", func(s *jsonschema.Schema) { s.Pattern = nameRE.String(); s.MaxLength = &maxName }},
		{"Ref", "", func(s *jsonschema.Schema) { s.MinProperties = &one; s.MaxProperties = &one }},
		{"Ref", "id", pattern(`^[a-z]+-[a-z0-9]{8}$`)},
	}
	for _, info := range registry {
		rules = append(rules, info.schema...)
	}
	for _, e := range rules {
		d, ok := defs[e.def]
		if !ok {
			return fmt.Errorf("schema: no definition %s", e.def)
		}
		if e.prop == "" {
			e.f(d)
			continue
		}
		p, ok := d.Properties.Get(e.prop)
		if !ok {
			return fmt.Errorf("schema: %s has no property %s", e.def, e.prop)
		}
		e.f(p)
	}
	everywhere := map[string]func(*jsonschema.Schema){
		"apiVersion":     func(s *jsonschema.Schema) { s.Const = APIVersion },
		"deletionPolicy": enum(deletionPolicies),
		"region":         pattern(regionRE.String()),
	}
	for _, d := range defs {
		if d.Properties == nil {
			continue
		}
		for prop, f := range everywhere {
			if p, ok := d.Properties.Get(prop); ok {
				f(p)
			}
		}
	}
	return nil
}
