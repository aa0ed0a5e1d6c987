package config

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tkeops/tkeops/service"
)

// docs/operations.md describes the configuration keys and the metrics of
// tkeops serve. These tests compare those descriptions with the code, both
// ways: nothing real goes undocumented, nothing documented is made up.

func readOperations(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns the text from the heading to the next heading of the same level.
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("docs/operations.md has no %q section", heading)
	}
	rest := doc[i+len(heading)+2:]
	level := heading[:strings.Index(heading, " ")+1]
	if j := strings.Index(rest, "\n"+level); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// configKeys lists the YAML key paths of t's leaves, as a user writes them.
func configKeys(t reflect.Type, prefix string, out *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || name == "value" { // secretRef.value exists only to be refused
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(SecretRef{}) {
			configKeys(ft, path, out)
			continue
		}
		*out = append(*out, path)
	}
}

// documentedKeys reads the first column of the configuration table: `a.b`,
// `a.b`, `.c` (a leading dot continues the previous key's parent).
func documentedKeys(t *testing.T, table string) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		parent := ""
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(first, -1) {
			k := m[1]
			if strings.HasPrefix(k, ".") {
				k = parent + k
			} else if i := strings.LastIndex(k, "."); i >= 0 {
				parent = k[:i]
			} else {
				parent = k
			}
			keys[k] = true
		}
	}
	return keys
}

func TestOperationsDocumentsEveryConfigKey(t *testing.T) {
	table := section(t, readOperations(t), "## Configuration")
	documented := documentedKeys(t, table)
	var configured []string
	configKeys(reflect.TypeOf(Config{}), "", &configured)
	realSet := map[string]bool{}
	for _, k := range configured {
		realSet[k] = true
		if !documented[k] {
			t.Errorf("config key %s is not in the configuration table of docs/operations.md", k)
		}
	}
	for k := range documented {
		if !realSet[k] {
			t.Errorf("docs/operations.md documents config key %s, which tkeops serve does not have", k)
		}
	}
}

// describer records the names of the metrics registered on it.
type describer struct{ names []string }

func (d *describer) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 16)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		if m := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(desc.String()); m != nil {
			d.names = append(d.names, m[1])
		}
	}
	return nil
}
func (d *describer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		_ = d.Register(c)
	}
}
func (d *describer) Unregister(prometheus.Collector) bool { return false }

func TestOperationsDocumentsEveryMetric(t *testing.T) {
	d := &describer{}
	if _, err := service.NewMetrics(d); err != nil {
		t.Fatal(err)
	}
	if len(d.names) == 0 {
		t.Fatal("service.NewMetrics registered no metrics")
	}
	sort.Strings(d.names)
	doc := readOperations(t)
	table := section(t, doc, "## Metrics and alerts")
	actual := map[string]bool{}
	for _, n := range d.names {
		actual[n] = true
		if !strings.Contains(table, "| `"+n+"` |") {
			t.Errorf("metric %s is not in the metrics table of docs/operations.md", n)
		}
	}
	// Every tkeops_ metric named anywhere in the page (tables, alert rules) exists.
	for _, n := range regexp.MustCompile(`tkeops_[a-z_]+`).FindAllString(doc, -1) {
		if !actual[n] {
			t.Errorf("docs/operations.md names metric %s, which tkeops serve does not export (has %v)", n, d.names)
		}
	}
}
