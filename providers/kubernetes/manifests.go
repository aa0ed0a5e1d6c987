package kubernetes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// ObjectRef names one Kubernetes object. Version is informational: identity
// is group, kind, namespace and name.
type ObjectRef struct {
	Group     string `json:"group,omitempty"`
	Version   string `json:"version,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// RefOf names an object.
func RefOf(o *unstructured.Unstructured) ObjectRef {
	gvk := o.GroupVersionKind()
	return ObjectRef{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind, Namespace: o.GetNamespace(), Name: o.GetName()}
}

func (r ObjectRef) String() string {
	gk := r.Kind
	if r.Group != "" {
		gk = r.Kind + "." + r.Group
	}
	if r.Namespace == "" {
		return gk + " " + r.Name
	}
	return gk + " " + r.Namespace + "/" + r.Name
}

// key is the identity of the object, without version.
func (r ObjectRef) key() string {
	return r.Group + "|" + r.Kind + "|" + r.Namespace + "|" + r.Name
}

func (r ObjectRef) groupKind() schema.GroupKind {
	return schema.GroupKind{Group: r.Group, Kind: r.Kind}
}

// ManifestError is a problem with one document of a manifest directory.
type ManifestError struct {
	File string
	Line int
	Ref  *ObjectRef
	Err  error
}

func (e *ManifestError) Error() string {
	if e.Ref != nil {
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Ref, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *ManifestError) Unwrap() error { return e.Err }

// LoadManifests reads every .yaml, .yml and .json file under dir (sorted by
// path, recursively, hidden entries skipped), splits multi-document YAML and
// expands `kind: List`. It refuses documents without apiVersion, kind or
// metadata.name, duplicate objects, Kustomize and Helm layouts (plain YAML
// only) and objects TKE owns (see OwnedByTKEError). All problems are
// reported together, each with file:line.
func LoadManifests(dir string) ([]*unstructured.Unstructured, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(name)) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read manifests in %s: %w", dir, err)
	}
	sort.Strings(files)

	var (
		objs []*unstructured.Unstructured
		errs []error
		seen = map[string]string{} // key → file:line
	)
	for _, f := range files {
		switch base := filepath.Base(f); base {
		case "kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml":
			errs = append(errs, &ManifestError{File: f, Line: 1, Err: fmt.Errorf("%s: tkeops applies plain Kubernetes YAML only; render Kustomize or Helm output into the directory instead", base)})
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", f, err))
			continue
		}
		for _, doc := range splitYAML(b) {
			docObjs, err := decodeDoc(doc.text)
			if err != nil {
				errs = append(errs, &ManifestError{File: f, Line: doc.line, Err: err})
				continue
			}
			for _, o := range docObjs {
				ref := RefOf(o)
				if err := checkDeclared(ref); err != nil {
					// The refusal names the object itself.
					errs = append(errs, &ManifestError{File: f, Line: doc.line, Err: err})
					continue
				}
				pos := fmt.Sprintf("%s:%d", f, doc.line)
				if first, dup := seen[ref.key()]; dup {
					errs = append(errs, &ManifestError{File: f, Line: doc.line, Ref: &ref, Err: fmt.Errorf("declared twice (first at %s)", first)})
					continue
				}
				seen[ref.key()] = pos
				objs = append(objs, o)
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("manifests in %s: %w", dir, errors.Join(errs...))
	}
	return objs, nil
}

type yamlDoc struct {
	text []byte
	line int // 1-based line of the document's first line
}

// splitYAML cuts a stream at `---` lines, remembering where each document
// starts so errors can point at it.
func splitYAML(b []byte) []yamlDoc {
	lines := strings.SplitAfter(string(b), "\n")
	var docs []yamlDoc
	var cur strings.Builder
	start := 1
	flush := func() {
		if strings.TrimSpace(stripComments(cur.String())) != "" {
			docs = append(docs, yamlDoc{text: []byte(cur.String()), line: start})
		}
		cur.Reset()
	}
	for i, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if t == "---" || strings.HasPrefix(t, "--- ") || t == "..." {
			flush()
			start = i + 2
			continue
		}
		if cur.Len() == 0 && strings.TrimSpace(t) == "" {
			start = i + 2
			continue
		}
		cur.WriteString(l)
	}
	flush()
	return docs
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func decodeDoc(text []byte) ([]*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSONStrict(text)
	if err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("not a Kubernetes object: %w", err)
	}
	o := &unstructured.Unstructured{Object: m}
	if o.IsList() {
		var out []*unstructured.Unstructured
		err := o.EachListItem(func(item runtime.Object) error {
			u, ok := item.(*unstructured.Unstructured)
			if !ok {
				return fmt.Errorf("list item is %T", item)
			}
			if err := checkShape(u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("kind List: %w", err)
		}
		return out, nil
	}
	if err := checkShape(o); err != nil {
		return nil, err
	}
	return []*unstructured.Unstructured{o}, nil
}

func checkShape(o *unstructured.Unstructured) error {
	var missing []string
	if o.GetAPIVersion() == "" {
		missing = append(missing, "apiVersion")
	}
	if o.GetKind() == "" {
		missing = append(missing, "kind")
	}
	if o.GetName() == "" {
		if o.GetGenerateName() != "" {
			return errors.New("metadata.generateName cannot be applied declaratively; set metadata.name")
		}
		missing = append(missing, "metadata.name")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	if _, err := schema.ParseGroupVersion(o.GetAPIVersion()); err != nil {
		return fmt.Errorf("apiVersion %q: %w", o.GetAPIVersion(), err)
	}
	return nil
}
