package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/spec"
)

// SeedFleet writes to path an emulator state file (`tkeops emulator --state`) that
// holds fleet o as `tkeops apply` leaves it, in seconds rather than the hours that
// applying 50,000 resources through a rate-limited engine takes on a shared machine.
//
// The engine applies a template of one stack per region (stacks 0 … R−1, which are
// stack i's twins for every i ≡ t mod R: same region, zones and shape). Every other
// stack is a copy of its twin's records with the stack's own identity put in: fresh
// IDs for every record and for every reference to one, the stack's name for the
// twin's (names, descriptions, tags), its address blocks for the twin's (VPC,
// subnets, cluster network, node addresses, security group rules), and a creation
// order after every earlier stack's. The Tag service's account-wide table gets each
// copy's key/value pairs. Nothing is invented: what the emulator stores for a stack
// is what its create handlers stored for the twin.
func SeedFleet(ctx context.Context, o fleet.Options, path string) error {
	if o.SpareVPCs != 0 {
		return errors.New("seed: spare VPCs are not seeded (the template has one stack per region)")
	}
	regions := len(o.Regions)
	if regions == 0 {
		regions = len(fleet.DefaultRegions())
	}
	tmplOpts := o
	tmplOpts.Stacks = min(o.Stacks, regions)
	tmplPath := path + ".template"
	defer os.Remove(tmplPath)
	if err := applyTemplate(ctx, tmplOpts, tmplPath); err != nil {
		return err
	}
	b, err := os.ReadFile(tmplPath)
	if err != nil {
		return err
	}
	out, err := replicate(b, tmplOpts.StackList(), o.StackList())
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

// applyTemplate applies the template fleet through the engine into an emulator that
// writes its state to path when it closes.
func applyTemplate(ctx context.Context, o fleet.Options, path string) (err error) {
	cloud, err := newCloud(o.Stacks, emulator.InstantTiming(), path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := cloud.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("seed: template: %w", cerr)
		}
	}()
	dir, err := os.MkdirTemp("", "tkeops-seed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if _, err := fleet.Write(dir, o); err != nil {
		return err
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		return fmt.Errorf("seed: template fleet does not load: %v", diags)
	}
	if err := WithoutRateLimits(cloud, func() error { return Populate(ctx, cloud, set) }); err != nil {
		return fmt.Errorf("seed: template: %w", err)
	}
	return nil
}

// stateTables is the part of a state file the seeder rewrites: tables of records by
// key, each record kept as its JSON text.
type stateTables struct {
	FormatVersion int                                              `json:"formatVersion"`
	Seq           int64                                            `json:"seq"`
	Regions       map[string]map[string]map[string]json.RawMessage `json:"regions"`
	Account       map[string]map[string]json.RawMessage            `json:"account,omitempty"`
	Accounts      json.RawMessage                                  `json:"accounts,omitempty"`
}

var (
	idRE   = regexp.MustCompile(`^[a-z]+-[a-z0-9]{8}$`)
	ipv4RE = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
	seqRE  = regexp.MustCompile(`"seq":\s*(\d+)`)
)

type record struct {
	key string
	raw json.RawMessage
}

// replicate turns the state of the template stacks (tmpl, one per region) into that
// of every stack.
func replicate(tmplJSON []byte, tmpl, stacks []fleet.Stack) ([]byte, error) {
	var st stateTables
	if err := json.Unmarshal(tmplJSON, &st); err != nil {
		return nil, fmt.Errorf("seed: template state: %w", err)
	}
	if len(st.Accounts) > 0 && string(st.Accounts) != "null" {
		return nil, errors.New("seed: the template holds other accounts")
	}
	// What each twin has, before copies join the same tables.
	type twinState struct {
		regional map[string][]record // by table
		account  map[string][]record // by table: the pairs naming the twin
		ids      []string
	}
	twins := make([]twinState, len(tmpl))
	ids := newIDSource(st)
	for i, t := range tmpl {
		ts := twinState{regional: map[string][]record{}, account: map[string][]record{}}
		// The template's region holds its twin's records and nothing else.
		for table, records := range st.Regions[t.Region] {
			for key, raw := range records {
				ts.regional[table] = append(ts.regional[table], record{key, raw})
				if idRE.MatchString(key) {
					ts.ids = append(ts.ids, key)
				}
			}
		}
		for table, records := range st.Account {
			for key, raw := range records {
				if strings.Contains(key, t.Name) || bytes.Contains(raw, []byte(t.Name)) {
					ts.account[table] = append(ts.account[table], record{key, raw})
				}
			}
		}
		twins[i] = ts
	}
	for _, s := range stacks[len(tmpl):] {
		twin, ts := tmpl[s.Index%len(tmpl)], twins[s.Index%len(tmpl)]
		if twin.Region != s.Region || twin.Zones != s.Zones {
			return nil, fmt.Errorf("seed: stack %s (%s) has no twin among the template's stacks", s.Name, s.Region)
		}
		pairs := make([]string, 0, 2*len(ts.ids)+2)
		for _, id := range ts.ids {
			pairs = append(pairs, id, ids.next(id))
		}
		names := strings.NewReplacer(append(pairs, twin.Name, s.Name)...)
		seqShift := int64(s.Index/len(tmpl)) * st.Seq
		copyOf := func(raw []byte) json.RawMessage {
			b := []byte(names.Replace(string(raw)))
			b = ipv4RE.ReplaceAllFunc(b, func(ip []byte) []byte { return shiftAddr(ip, twin, s) })
			return seqRE.ReplaceAllFunc(b, func(m []byte) []byte {
				n, _ := strconv.ParseInt(string(seqRE.FindSubmatch(m)[1]), 10, 64)
				return []byte(`"seq":` + strconv.FormatInt(n+seqShift, 10))
			})
		}
		for table, records := range ts.regional {
			for _, r := range records {
				st.Regions[s.Region][table][names.Replace(r.key)] = copyOf(r.raw)
			}
		}
		for table, records := range ts.account {
			for _, r := range records {
				st.Account[table][names.Replace(r.key)] = copyOf(r.raw)
			}
		}
	}
	st.Seq *= int64((len(stacks) + len(tmpl) - 1) / len(tmpl))
	return json.Marshal(st)
}

// shiftAddr moves an address of the twin's VPC or cluster network to the same place
// in the stack's; other addresses (0.0.0.0/0, DNS servers) stay.
func shiftAddr(ip []byte, twin, s fleet.Stack) []byte {
	a, err := netip.ParseAddr(string(ip))
	if err != nil || !a.Is4() {
		return ip
	}
	for _, p := range [][2]netip.Prefix{{twin.VPC, s.VPC}, {twin.ClusterCIDR, s.ClusterCIDR}} {
		if !p[0].Contains(a) {
			continue
		}
		v := be32(a.As4()) - be32(p[0].Addr().As4()) + be32(p[1].Addr().As4())
		return []byte(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String())
	}
	return ip
}

func be32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// idSource makes fresh IDs in the real format ("<prefix>-" and 8 lower-case letters
// and digits), unique in the state and the same from run to run.
type idSource struct {
	rng  *rand.Rand
	used map[string]bool
}

func newIDSource(st stateTables) *idSource {
	used := map[string]bool{}
	for _, rs := range st.Regions {
		for _, records := range rs {
			for id := range records {
				used[id] = true
			}
		}
	}
	return &idSource{rng: rand.New(rand.NewPCG(18, 5)), used: used}
}

func (s *idSource) next(like string) string {
	prefix, _, _ := strings.Cut(like, "-")
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 8)
	for {
		for i := range b {
			b[i] = alphabet[s.rng.IntN(len(alphabet))]
		}
		if id := prefix + "-" + string(b); !s.used[id] {
			s.used[id] = true
			return id
		}
	}
}
