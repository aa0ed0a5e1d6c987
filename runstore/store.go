package runstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketRuns      = []byte("runs")
	bucketArtifacts = []byte("artifacts")
)

// ErrNotFound is returned for a run or artifact that is not in the store.
var ErrNotFound = errors.New("not found")

// DefaultRetain is how many runs Open keeps when Options.Retain is zero.
const DefaultRetain = 1000

// Options configure Open.
type Options struct {
	// Retain is how many of the newest runs to keep; older runs and their artifacts
	// are pruned on Create. Zero means DefaultRetain.
	Retain int
	// LockTimeout bounds the wait for the file lock held by another process (another
	// replica sharing the volume); zero means 5s. Without it bbolt waits forever.
	LockTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store is the run history. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	retain int
	now    func() time.Time
}

// Open opens (creating when missing) the store at path and marks runs left
// running by a previous process as abandoned.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open run store %s: locked by another process (is another tkeops using this data dir?): %w", path, err)
		}
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	s := &Store{db: db, retain: opts.Retain, now: opts.Now}
	if s.retain <= 0 {
		s.retain = DefaultRetain
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRuns, bucketArtifacts} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return s.abandonRunning(tx)
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	return s, nil
}

// abandonRunning ends the runs a crashed process left running.
func (s *Store) abandonRunning(tx *bolt.Tx) error {
	b := tx.Bucket(bucketRuns)
	var fix []Run
	if err := b.ForEach(func(_, v []byte) error {
		var r Run
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.State == StateRunning {
			fix = append(fix, r)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, r := range fix {
		r.State = StateAbandoned
		if r.Error == "" {
			r.Error = "tkeops stopped before the run ended; the next run re-observes what it changed"
		}
		r.FinishedAt = s.now().UTC()
		if err := putRun(b, r); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func key(id string) ([]byte, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return nil, fmt.Errorf("run id %q: %w", id, ErrNotFound)
	}
	return binary.BigEndian.AppendUint64(nil, n), nil
}

func putRun(b *bolt.Bucket, r Run) error {
	k, err := key(r.ID)
	if err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode run %s: %w", r.ID, err)
	}
	return b.Put(k, v)
}

// Create stores a new run, assigning its ID (and StartedAt when zero), and prunes
// runs beyond the retention.
func (s *Store) Create(r *Run) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRuns)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.ID = strconv.FormatUint(seq, 10)
		if r.StartedAt.IsZero() {
			r.StartedAt = s.now().UTC()
		}
		if r.State == "" {
			r.State = StateRunning
		}
		if err := putRun(b, *r); err != nil {
			return err
		}
		return s.prune(tx)
	})
	if err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	return nil
}

func (s *Store) prune(tx *bolt.Tx) error {
	b := tx.Bucket(bucketRuns)
	var old [][]byte
	c := b.Cursor()
	count := 0
	for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
		count++
		if count > s.retain {
			old = append(old, append([]byte(nil), k...))
		}
	}
	if len(old) == 0 {
		return nil
	}
	arts := tx.Bucket(bucketArtifacts)
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
		if err := arts.DeleteBucket(k); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
	}
	return nil
}

// Update replaces a stored run.
func (s *Store) Update(r Run) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRuns)
		k, err := key(r.ID)
		if err != nil {
			return err
		}
		if b.Get(k) == nil {
			return fmt.Errorf("run %s: %w", r.ID, ErrNotFound)
		}
		return putRun(b, r)
	})
	if err != nil {
		return fmt.Errorf("update run: %w", err)
	}
	return nil
}

// Get returns one run.
func (s *Store) Get(id string) (Run, error) {
	var r Run
	err := s.db.View(func(tx *bolt.Tx) error {
		k, err := key(id)
		if err != nil {
			return err
		}
		v := tx.Bucket(bucketRuns).Get(k)
		if v == nil {
			return fmt.Errorf("run %s: %w", id, ErrNotFound)
		}
		return json.Unmarshal(v, &r)
	})
	return r, err
}

// Filter selects runs for List.
type Filter struct {
	// Kind, when set, keeps only runs of that kind.
	Kind Kind
	// Limit caps the number of runs returned; zero means 50.
	Limit int
	// Before, when set, returns runs older than that run ID (paging).
	Before string
}

// List returns runs newest first.
func (s *Store) List(f Filter) ([]Run, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	out := []Run{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRuns).Cursor()
		var k, v []byte
		if f.Before != "" {
			bk, err := key(f.Before)
			if err != nil {
				return err
			}
			k, v = c.Seek(bk)
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		} else {
			k, v = c.Last()
		}
		for ; k != nil && len(out) < limit; k, v = c.Prev() {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode run %x: %w", k, err)
			}
			if f.Kind != "" && r.Kind != f.Kind {
				continue
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// Latest returns the newest run of a kind that has ended, or ErrNotFound.
func (s *Store) Latest(kind Kind) (Run, error) {
	var found *Run
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRuns).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode run %x: %w", k, err)
			}
			if r.Kind == kind && r.State.Done() {
				found = &r
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return Run{}, fmt.Errorf("latest %s run: %w", kind, err)
	}
	if found == nil {
		return Run{}, fmt.Errorf("latest %s run: %w", kind, ErrNotFound)
	}
	return *found, nil
}

// PutArtifact stores a named blob (a rendered plan) with a run.
func (s *Store) PutArtifact(id, name string, data []byte) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		k, err := key(id)
		if err != nil {
			return err
		}
		if tx.Bucket(bucketRuns).Get(k) == nil {
			return fmt.Errorf("run %s: %w", id, ErrNotFound)
		}
		b, err := tx.Bucket(bucketArtifacts).CreateBucketIfNotExists(k)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), data)
	})
	if err != nil {
		return fmt.Errorf("store %s of run %s: %w", name, id, err)
	}
	return nil
}

// Artifact returns a named blob of a run, or ErrNotFound.
func (s *Store) Artifact(id, name string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		k, err := key(id)
		if err != nil {
			return err
		}
		b := tx.Bucket(bucketArtifacts).Bucket(k)
		if b == nil {
			return fmt.Errorf("%s of run %s: %w", name, id, ErrNotFound)
		}
		v := b.Get([]byte(name))
		if v == nil {
			return fmt.Errorf("%s of run %s: %w", name, id, ErrNotFound)
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}
