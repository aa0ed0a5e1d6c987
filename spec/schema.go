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
		Description: "One document of a tkeops spec repository: a VPC, Subnet, SecurityGroup, Cluster or NodePool.",
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

// refineSchema adds what the Go types cannot say: constants, enumerations,
// patterns and the one-of rule of references.
func refineSchema(defs jsonschema.Definitions) error {
	set := func(def, prop string, f func(*jsonschema.Schema)) error {
		d, ok := defs[def]
		if !ok {
			return fmt.Errorf("schema: no definition %s", def)
		}
		if prop == "" {
			f(d)
			return nil
		}
		p, ok := d.Properties.Get(prop)
		if !ok {
			return fmt.Errorf("schema: %s has no property %s", def, prop)
		}
		f(p)
		return nil
	}
	enum := func(values []string) func(*jsonschema.Schema) {
		return func(s *jsonschema.Schema) {
			s.Enum = make([]any, len(values))
			for i, v := range values {
				s.Enum[i] = v
			}
		}
	}
	pattern := func(re string) func(*jsonschema.Schema) {
		return func(s *jsonschema.Schema) { s.Pattern = re }
	}
	one := uint64(1)
	maxName := uint64(MaxNameLen)
	for _, e := range []struct {
		def, prop string
		f         func(*jsonschema.Schema)
	}{
		{"VPCSpec", "deletionPolicy", enum(deletionPolicies)},
		{"SubnetSpec", "deletionPolicy", enum(deletionPolicies)},
		{"SecurityGroupSpec", "deletionPolicy", enum(deletionPolicies)},
		{"ClusterSpec", "deletionPolicy", enum(deletionPolicies)},
		{"NodePoolSpec", "deletionPolicy", enum(deletionPolicies)},
		{"ClusterNetwork", "plugin", enum(plugins)},
		{"ClusterNetwork", "kubeProxyMode", enum(kubeProxyModes)},
		{"ClusterRuntime", "name", enum(runtimes)},
		{"ClusterSpec", "level", enum(levels)},
		{"SecurityGroupRule", "protocol", enum(protocols)},
		{"SecurityGroupRule", "action", enum(ruleActions)},
		{"Taint", "effect", enum(taintEffects)},
		{"Disk", "type", enum(diskTypes)},
		{"DataDisk", "type", enum(diskTypes)},
		{"DataDisk", "fileSystem", enum(fileSystems)},
		{"NodePoolSpec", "instanceChargeType", enum(chargeTypes)},
		{"NodePoolSpec", "instanceDeletionPolicy", enum(instanceDeletions)},
		{"NodePoolSpec", "multiZoneSubnetPolicy", enum(subnetPolicies)},
		{"NodePoolSpec", "terminationPolicy", enum(terminations)},
		{"InternetAccess", "chargeType", enum(internetCharges)},
		{"ObjectMeta", "name", func(s *jsonschema.Schema) { s.Pattern = nameRE.String(); s.MaxLength = &maxName }},
		{"Ref", "", func(s *jsonschema.Schema) { s.MinProperties = &one; s.MaxProperties = &one }},
		{"Ref", "id", pattern(`^[a-z]+-[a-z0-9]{8}$`)},
		{"VPCSpec", "region", pattern(regionRE.String())},
		{"SecurityGroupSpec", "region", pattern(regionRE.String())},
		{"ClusterSpec", "region", pattern(regionRE.String())},
		{"SubnetSpec", "zone", pattern(zoneRE.String())},
		{"ClusterSpec", "version", pattern(versionRE.String())},
		{"NodePoolSpec", "instanceTypes", func(s *jsonschema.Schema) {
			if s.Items != nil {
				s.Items.Pattern = instanceTypeRE.String()
			}
		}},
	} {
		if err := set(e.def, e.prop, e.f); err != nil {
			return err
		}
	}
	for _, d := range defs {
		if d.Properties == nil {
			continue
		}
		if p, ok := d.Properties.Get("apiVersion"); ok {
			p.Const = APIVersion
		}
	}
	return nil
}
