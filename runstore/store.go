package runstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	bucketRuns       = []byte("runs")
	bucketArtifacts  = []byte("artifacts")
	bucketDeliveries = []byte("deliveries")
	bucketApprovals  = []byte("approvals")
)

// Options configure Open.
type Options struct {
	// Retain is how many of the newest runs to keep; older runs and their artifacts
	// are pruned on Create. Zero means DefaultRetain.
	Retain int
	// ReplayWindow is how long a delivery is remembered; zero means
	// DefaultReplayWindow.
	ReplayWindow time.Duration
	// LockTimeout bounds the wait for the file lock held by another process (another
	// replica sharing the volume); zero means 5s. Without it bbolt waits forever.
	LockTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Bolt is the embedded store: one bbolt file, for a single replica. It is safe
// for concurrent use.
type Bolt struct {
	db     *bolt.DB
	retain int
	window time.Duration
	now    func() time.Time
	notify chan struct{}
}

var _ Store = (*Bolt)(nil)

// Open opens (creating when missing) the store at path and marks runs left
// running by a previous process as abandoned.
func Open(path string, opts Options) (*Bolt, error) {
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open run store %s: locked by another process (is another tkeops using this data dir?): %w", path, err)
		}
		return nil, fmt.Errorf("open run store %s: %w", path, err)
	}
	s := &Bolt{db: db, retain: opts.Retain, window: opts.ReplayWindow, now: opts.Now, notify: make(chan struct{}, 1)}
	if s.retain <= 0 {
		s.retain = DefaultRetain
	}
	if s.window <= 0 {
		s.window = DefaultReplayWindow
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRuns, bucketArtifacts, bucketDeliveries, bucketApprovals} {
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

// AbandonRunning implements Store; Open does it too.
func (s *Bolt) AbandonRunning(context.Context) error {
	return s.db.Update(s.abandonRunning)
}

// abandonRunning ends the runs a crashed process left running.
func (s *Bolt) abandonRunning(tx *bolt.Tx) error {
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
		abandon(&r, s.now())
		if err := putRun(b, r); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the file.
func (s *Bolt) Close() error { return s.db.Close() }

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
func (s *Bolt) Create(_ context.Context, r *Run) error {
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

func (s *Bolt) prune(tx *bolt.Tx) error {
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
		if err := arts.DeleteBucket(k); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return err
		}
	}
	return nil
}

// Update replaces a stored run.
func (s *Bolt) Update(_ context.Context, r Run) error {
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
func (s *Bolt) Get(_ context.Context, id string) (Run, error) {
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

// List returns runs newest first.
func (s *Bolt) List(_ context.Context, f Filter) ([]Run, error) {
	limit := f.limit()
	out := []Run{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRuns).Cursor()
		var k, v []byte
		if f.Before != "" {
			bk, err := key(f.Before)
			if err != nil {
				return err
			}
			k, _ = c.Seek(bk)
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
			if f.matches(r) {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// Latest returns the newest run of a kind that has ended, or ErrNotFound.
func (s *Bolt) Latest(_ context.Context, kind Kind) (Run, error) {
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
func (s *Bolt) PutArtifact(_ context.Context, id, name string, data []byte) error {
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
func (s *Bolt) Artifact(_ context.Context, id, name string) ([]byte, error) {
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

// RecordDelivery implements Store.
func (s *Bolt) RecordDelivery(_ context.Context, d Delivery) (bool, error) {
	fresh := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		now := s.now()
		if v := b.Get([]byte(d.Key)); v != nil {
			var old Delivery
			if err := json.Unmarshal(v, &old); err == nil && now.Sub(old.ReceivedAt) < s.window {
				return nil
			}
		}
		fresh = true
		if d.ReceivedAt.IsZero() {
			d.ReceivedAt = now.UTC()
		}
		v, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(d.Key), v); err != nil {
			return err
		}
		// Forget handled deliveries past the window.
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var old Delivery
			if json.Unmarshal(v, &old) == nil && old.Done && now.Sub(old.ReceivedAt) >= s.window {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	if fresh {
		s.signal()
	}
	return fresh, nil
}

func (s *Bolt) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// PendingDeliveries implements Store.
func (s *Bolt) PendingDeliveries(context.Context) ([]Delivery, error) {
	var out []Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDeliveries).ForEach(func(_, v []byte) error {
			var d Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			if !d.Done {
				out = append(out, d)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	sortDeliveries(out)
	return out, nil
}

// DoneDelivery implements Store.
func (s *Bolt) DoneDelivery(_ context.Context, key string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		var d Delivery
		if err := json.Unmarshal(v, &d); err != nil {
			return err
		}
		d.Done = true
		v, err := json.Marshal(d)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
	if err != nil {
		return fmt.Errorf("mark delivery done: %w", err)
	}
	return nil
}

// Deliveries implements Store.
func (s *Bolt) Deliveries() <-chan struct{} { return s.notify }

// PutApproval implements Store.
func (s *Bolt) PutApproval(_ context.Context, a Approval) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketApprovals).Put([]byte(approvalKey(a)), v)
	})
	if err != nil {
		return fmt.Errorf("record approval: %w", err)
	}
	return nil
}

// Approvals implements Store.
func (s *Bolt) Approvals(_ context.Context, change int) ([]Approval, error) {
	var out []Approval
	prefix := []byte(fmt.Sprintf("%010d/", change))
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketApprovals).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var a Approval
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("approvals of %d: %w", change, err)
	}
	return out, nil
}
