package specfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/tkeops/tkeops/spec"
)

// IDsFile is the file beside exported or migrated specs that records the cloud ID
// each document was read from; tkeops adopt takes over exactly those resources. It
// is hidden, so the spec loader skips it, and can go once they are adopted.
const IDsFile = ".tkeops-ids.yaml"

// WriteIDs writes the IDs of the documents into dir.
func WriteIDs(dir string, ids map[spec.Addr]string) error {
	keys := make([]string, 0, len(ids))
	m := map[string]string{}
	for a, id := range ids {
		keys = append(keys, a.String())
		m[a.String()] = id
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# The cloud resource each document describes: 'tkeops adopt' takes over these.\n")
	b.WriteString("# Delete this file once they are adopted.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, m[k])
	}
	if err := os.WriteFile(filepath.Join(dir, IDsFile), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", IDsFile, err)
	}
	return nil
}

// ReadIDs reads dir's IDs file; no file is no IDs.
func ReadIDs(dir string) (map[spec.Addr]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, IDsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", IDsFile, err)
	}
	out := map[spec.Addr]string{}
	for k, id := range m {
		a, err := ParseAddr(k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", IDsFile, err)
		}
		out[a] = id
	}
	return out, nil
}

// ParseAddr reads "Kind/name" of a kind the spec registry knows.
func ParseAddr(s string) (spec.Addr, error) {
	k, n, ok := strings.Cut(s, "/")
	if !ok || n == "" {
		return spec.Addr{}, fmt.Errorf("%q: want Kind/name, e.g. VPC/prod", s)
	}
	if _, known := spec.Lookup(spec.Kind(k)); !known {
		return spec.Addr{}, fmt.Errorf("%q: unknown kind %s", s, k)
	}
	return spec.Addr{Kind: spec.Kind(k), Name: n}, nil
}

// AdoptIDs are the IDs adoption takes over in dir: its IDs file, with the
// overrides ("Kind/name=ID", as tkeops adopt --id gives them) winning.
func AdoptIDs(dir string, overrides []string) (map[spec.Addr]string, error) {
	ids, err := ReadIDs(dir)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		ids = map[spec.Addr]string{}
	}
	for _, kv := range overrides {
		k, id, ok := strings.Cut(kv, "=")
		addr, err := ParseAddr(k)
		if !ok || err != nil || id == "" {
			return nil, fmt.Errorf("--id %q: want Kind/name=ID, e.g. VPC/prod=vpc-1a2b3c4d", kv)
		}
		ids[addr] = id
	}
	return ids, nil
}
