// Package tfstate reads a Terraform or OpenTofu state file (format version 4, what
// Terraform 0.12+ and OpenTofu 1.x write) and converts its Tencent Cloud networks,
// security groups, TKE clusters and node pools into tkeops spec documents, with a
// report of everything it did not convert and why. Attribute names follow the
// schemas of tencentcloudstack/terraform-provider-tencentcloud.
package tfstate

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxStateBytes bounds what Read accepts; real states are far smaller.
const maxStateBytes = 256 << 20

// State is the part of a state file the conversion reads.
type State struct {
	Version          int        `json:"version"`
	TerraformVersion string     `json:"terraform_version"`
	Serial           int        `json:"serial"`
	Lineage          string     `json:"lineage"`
	Resources        []Resource `json:"resources"`
}

// Resource is one resource block of the state: every instance of one
// configuration resource (several with count or for_each).
type Resource struct {
	Module    string     `json:"module,omitempty"`
	Mode      string     `json:"mode"`
	Type      string     `json:"type"`
	Name      string     `json:"name"`
	Provider  string     `json:"provider"`
	Instances []Instance `json:"instances"`
}

// Instance is one instance of a resource with its attributes as the provider
// stored them.
type Instance struct {
	IndexKey   any            `json:"index_key,omitempty"`
	Attributes map[string]any `json:"attributes"`
}

// Address is the instance's address as Terraform prints it, e.g.
// module.net.tencentcloud_subnet.zone["gz3"].
func (r Resource) Address(inst Instance) string {
	a := r.Type + "." + r.Name
	if r.Mode == "data" {
		a = "data." + a
	}
	if r.Module != "" {
		a = r.Module + "." + a
	}
	switch k := inst.IndexKey.(type) {
	case string:
		a += "[" + strconv.Quote(k) + "]"
	case float64:
		a += "[" + strconv.FormatFloat(k, 'f', -1, 64) + "]"
	}
	return a
}

// Read parses a state file. It refuses other format versions and files that are
// not state files, saying what it found.
func Read(r io.Reader) (*State, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxStateBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if len(data) > maxStateBytes {
		return nil, fmt.Errorf("read state: larger than %d MiB", maxStateBytes>>20)
	}
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("read state: not JSON (%w); pass the state file itself (terraform state pull > state.json)", err)
	}
	if probe.Version == nil {
		return nil, fmt.Errorf("read state: no \"version\" field: this is not a Terraform/OpenTofu state file")
	}
	if *probe.Version != 4 {
		return nil, fmt.Errorf("read state: format version %d; tkeops reads version 4 (Terraform 0.12 and later, OpenTofu 1.x): run 'terraform state pull' with a current Terraform to upgrade it", *probe.Version)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	return &st, nil
}

// ReadFile reads the state file at path; "-" reads in instead.
func ReadFile(path string, in io.Reader) (*State, error) {
	if path == "-" {
		return Read(in)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	defer f.Close()
	return Read(f)
}

// WriteFile writes the state to path as JSON (mode 0600: a state may hold secrets).
func (st *State) WriteFile(path string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// attrs wraps an instance's attributes with typed getters. Terraform writes
// numbers as JSON numbers, lists and sets as arrays and single nested blocks as
// one-element arrays.
type attrs map[string]any

func (a attrs) str(k string) string {
	switch v := a[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func (a attrs) num(k string) int {
	switch v := a[k].(type) {
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

// boolean returns the value and whether it was set.
func (a attrs) boolean(k string) (bool, bool) {
	switch v := a[k].(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(v)
		return b, err == nil
	}
	return false, false
}

func (a attrs) isTrue(k string) bool {
	b, _ := a.boolean(k)
	return b
}

func (a attrs) strs(k string) []string {
	l, _ := a[k].([]any)
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (a attrs) strMap(k string) map[string]string {
	m, _ := a[k].(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for key, v := range m {
		if s, ok := v.(string); ok {
			out[key] = s
		}
	}
	return out
}

// blocks returns a nested block list.
func (a attrs) blocks(k string) []attrs {
	l, _ := a[k].([]any)
	var out []attrs
	for _, v := range l {
		if m, ok := v.(map[string]any); ok {
			out = append(out, attrs(m))
		}
	}
	return out
}

// block returns the first element of a single nested block, or an empty one.
func (a attrs) block(k string) attrs {
	if b := a.blocks(k); len(b) > 0 {
		return b[0]
	}
	return attrs{}
}

// zoneRegion is the region of an availability zone ("ap-guangzhou-3" → "ap-guangzhou").
func zoneRegion(zone string) string {
	i := strings.LastIndex(zone, "-")
	if i <= 0 {
		return ""
	}
	if _, err := strconv.Atoi(zone[i+1:]); err != nil {
		return ""
	}
	return zone[:i]
}
