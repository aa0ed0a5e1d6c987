package emulator

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// state is everything the emulator knows, per account and region. It is persisted as
// JSON: the primary account's regions and account-wide tables at the top level (as
// before accounts existed), the other accounts under "accounts" by UIN.
type state struct {
	FormatVersion int   `json:"formatVersion"`
	Seq           int64 `json:"seq"`
	accountState
	// Accounts are the other accounts (Options.Accounts), by UIN.
	Accounts map[string]*accountState `json:"accounts,omitempty"`

	dirty bool
	gen   int64
}

// accountState is what one account holds.
type accountState struct {
	Regions map[string]*regionState `json:"regions"`
	// Account holds the account-wide tables, those of products without regions (the
	// Tag service's list of tag keys and values).
	Account *regionState `json:"account,omitempty"`
}

func newAccountState() *accountState {
	return &accountState{Regions: map[string]*regionState{}, Account: newRegionState()}
}

// accounts lists every account's state, the primary first, then by UIN.
func (s *state) accounts() []*accountState {
	out := []*accountState{&s.accountState}
	uins := make([]string, 0, len(s.Accounts))
	for u := range s.Accounts {
		uins = append(uins, u)
	}
	slices.Sort(uins)
	for _, u := range uins {
		if s.Accounts[u] == nil { // a null in a hand-edited file
			s.Accounts[u] = newAccountState()
		}
		out = append(out, s.Accounts[u])
	}
	return out
}

// accountOf is the state of an account: the primary one for its UIN or "", another one
// (created on first use) otherwise.
func (s *state) accountOf(uin, primaryUIN string) *accountState {
	if uin == "" || uin == primaryUIN {
		return &s.accountState
	}
	if s.Accounts == nil {
		s.Accounts = map[string]*accountState{}
	}
	a, ok := s.Accounts[uin]
	if !ok {
		a = newAccountState()
		s.Accounts[uin] = a
	}
	return a
}

// regionState holds the tables the modules declare (module.go), by table name. A state
// file holds them as {"<table>": {"<id>": record}}.
type regionState struct {
	tables map[string]any
	// raw holds tables read from a state file until decodeTables types them.
	raw map[string]json.RawMessage
}

func (r *regionState) MarshalJSON() ([]byte, error) { return json.Marshal(r.tables) }

func (r *regionState) UnmarshalJSON(b []byte) error {
	r.tables = map[string]any{}
	return json.Unmarshal(b, &r.raw)
}

// stateFormatVersion is written into state files; a file from another version is refused
// rather than half-read.
const stateFormatVersion = 1

func newState() *state {
	return &state{FormatVersion: stateFormatVersion, accountState: *newAccountState()}
}

func newRegionState() *regionState { return &regionState{tables: map[string]any{}} }

// region returns the state of a region, creating it on first use.
func (s *accountState) region(name string) *regionState {
	r, ok := s.Regions[name]
	if !ok {
		r = newRegionState()
		s.Regions[name] = r
	}
	return r
}

// nextSeq orders resources by creation for stable listings.
func (s *state) nextSeq() int64 {
	s.Seq++
	return s.Seq
}

func (s *accountState) sortedRegions() []string {
	names := make([]string, 0, len(s.Regions))
	for n := range s.Regions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// tagKV is a resource tag as every product except the Tag service spells it.
type tagKV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func tagValue(tags []tagKV, key string) (string, bool) {
	for _, t := range tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// sequenced is a stored resource with a creation order.
type sequenced interface{ order() int64 }

// sortedValues lists a map's records in creation order.
func sortedValues[T sequenced](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(a.order(), b.order()) })
	return out
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID makes "<prefix>-" + 8 lowercase alphanumerics, the real ID format.
func newID(prefix string) string {
	b := make([]byte, 8)
	for i := range b {
		b[i] = idAlphabet[rand.IntN(len(idAlphabet))]
	}
	return prefix + "-" + string(b)
}

// page applies Offset/Limit to n items and returns the [lo, hi) window.
func page(n int, offset, limit int) (int, int) {
	if offset > n {
		offset = n
	}
	hi := offset + limit
	if hi > n {
		hi = n
	}
	return offset, hi
}

// --- persistence ---------------------------------------------------------------------------

type snapshot struct {
	gen  int64
	data []byte
}

// fileStore writes state atomically: temp file in the same directory, fsync, rename.
type fileStore struct {
	path    string
	mu      sync.Mutex
	written int64
}

func (f *fileStore) load(tables map[string]tableDef) (*state, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.path, err)
	}
	st := &state{}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("parse %s: %w", f.path, err)
	}
	if st.FormatVersion != stateFormatVersion {
		return nil, fmt.Errorf("%s: state format version %d, this emulator reads %d", f.path, st.FormatVersion, stateFormatVersion)
	}
	for _, a := range st.accounts() {
		if err := a.decode(tables); err != nil {
			return nil, fmt.Errorf("%s: %w", f.path, err)
		}
	}
	return st, nil
}

// decode types the tables of an account read from a state file.
func (s *accountState) decode(tables map[string]tableDef) error {
	if s.Regions == nil {
		s.Regions = map[string]*regionState{}
	}
	for name, r := range s.Regions {
		if r == nil {
			s.Regions[name] = newRegionState()
			continue
		}
		if err := r.decodeTables(tables); err != nil {
			return fmt.Errorf("region %s: %w", name, err)
		}
	}
	if s.Account == nil {
		s.Account = newRegionState()
	} else if err := s.Account.decodeTables(tables); err != nil {
		return fmt.Errorf("account tables: %w", err)
	}
	return nil
}

// decodeTables types the tables read from a state file. A table this emulator does
// not declare is refused rather than dropped; a table the file lacks starts empty.
func (r *regionState) decodeTables(tables map[string]tableDef) error {
	for name, raw := range r.raw {
		def, ok := tables[name]
		if !ok {
			return fmt.Errorf("unknown table %q (written by another emulator version?)", name)
		}
		m, err := def.decode(raw)
		if err != nil {
			return fmt.Errorf("table %s: %w", name, err)
		}
		r.tables[name] = m
	}
	r.raw = nil
	return nil
}

func (f *fileStore) write(s *snapshot) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.gen <= f.written {
		return nil // a newer snapshot is already on disk
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(s.data); err != nil {
		tmp.Close()
		return fmt.Errorf("write temp state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync temp state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close temp state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("replace state file: %w", err)
	}
	f.written = s.gen
	return nil
}

// snapshotIfDirtyLocked serialises the state when it changed; e.mu must be held.
func (e *Emulator) snapshotIfDirtyLocked() (*snapshot, error) {
	if e.store == nil || !e.st.dirty {
		return nil, nil
	}
	return e.snapshotLocked()
}

func (e *Emulator) snapshotLocked() (*snapshot, error) {
	b, err := json.MarshalIndent(e.st, "", " ")
	if err != nil {
		return nil, fmt.Errorf("marshal state: %w", err)
	}
	e.st.dirty = false
	e.st.gen++
	return &snapshot{gen: e.st.gen, data: b}, nil
}

func (e *Emulator) persist(s *snapshot) {
	if s == nil || e.store == nil {
		return
	}
	if err := e.store.write(s); err != nil {
		e.log.Error("emulator: persist state", "path", e.store.path, "err", err)
	}
}

// flush writes the state file unconditionally (on Close and on signals).
func (e *Emulator) flush() error {
	if e.store == nil {
		return nil
	}
	e.mu.Lock()
	s, err := e.snapshotLocked()
	e.mu.Unlock()
	if err != nil {
		return err
	}
	return e.store.write(s)
}

// --- backend notifications -----------------------------------------------------------------

type notificationKind uint8

const (
	nodeJoined notificationKind = iota
	nodeRemoved
	nodeUpdated
	nodeUpgraded
)

type notification struct {
	kind notificationKind
	node NodeInfo
}

// notify tells the backend about nodes; it runs without e.mu held.
func (e *Emulator) notify(ctx context.Context, notes []notification) {
	if e.backend == nil || len(notes) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, n := range notes {
		var err error
		switch n.kind {
		case nodeJoined:
			err = e.backend.NodeJoined(ctx, n.node)
		case nodeRemoved:
			err = e.backend.NodeRemoved(ctx, n.node)
		case nodeUpdated:
			if u, ok := e.backend.(NodeUpdater); ok {
				err = u.NodeUpdated(ctx, n.node)
			}
		case nodeUpgraded:
			if u, ok := e.backend.(NodeVersionUpdater); ok {
				err = u.NodeUpgraded(ctx, n.node)
			}
		}
		if err != nil {
			e.log.Warn("emulator: cluster backend", "event", [...]string{"joined", "removed", "updated", "upgraded"}[n.kind],
				"cluster", n.node.ClusterID, "instance", n.node.InstanceID, "err", err)
		}
	}
}
