package runstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
)

// DefaultKubeRetain is how many runs the Kubernetes store keeps: each run is a
// ConfigMap (and its plans another), so fewer than the embedded store.
const DefaultKubeRetain = 200

// Labels of the store's ConfigMaps.
const (
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelStore     = "tkeops.io/store"
	labelRecord    = "tkeops.io/record"
	labelKind      = "tkeops.io/kind"
	labelChange    = "tkeops.io/change"
	labelDone      = "tkeops.io/done"
)

// Record types, the value of labelRecord.
const (
	recordRun       = "run"
	recordArtifacts = "artifacts"
	recordSequence  = "sequence"
	recordDelivery  = "delivery"
	recordApproval  = "approval"
)

// maxArtifactBytes bounds one run's compressed plans: a ConfigMap holds at most
// 1 MiB. A larger plan is kept cut, with a note; the forge comment and the logs
// are not affected.
const maxArtifactBytes = 900 << 10

// KubeOptions configure OpenKube.
type KubeOptions struct {
	// Config reaches the Kubernetes API.
	Config *rest.Config
	// Namespace holds the ConfigMaps; Name prefixes them and labels them, so
	// several instances can share a namespace (use the Lease's name).
	Namespace, Name string
	// Retain is how many runs to keep; DefaultKubeRetain when zero.
	Retain int
	// ReplayWindow is how long a delivery is remembered; DefaultReplayWindow
	// when zero.
	ReplayWindow time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
}

// Kube keeps the store in ConfigMaps in the Kubernetes API the replicas already
// share for their Lease: every replica reads the same history, records the
// deliveries it receives, and the leader watches for them. Optimistic
// concurrency (resourceVersion) orders the writers.
type Kube struct {
	cs     kubernetes.Interface
	opts   KubeOptions
	log    *slog.Logger
	notify chan struct{}

	watchOnce sync.Once
	stop      context.CancelFunc
	ctx       context.Context

	pruneMu   sync.Mutex
	lastPrune time.Time
}

var _ Store = (*Kube)(nil)

// OpenKube connects to the API; it makes no call until used.
func OpenKube(opts KubeOptions) (*Kube, error) {
	if opts.Config == nil || opts.Namespace == "" || opts.Name == "" {
		return nil, fmt.Errorf("kubernetes run store: Config, Namespace and Name are required")
	}
	cs, err := kubernetes.NewForConfig(rest.CopyConfig(opts.Config))
	if err != nil {
		return nil, fmt.Errorf("kubernetes run store: %w", err)
	}
	if opts.Retain <= 0 {
		opts.Retain = DefaultKubeRetain
	}
	if opts.ReplayWindow <= 0 {
		opts.ReplayWindow = DefaultReplayWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Kube{cs: cs, opts: opts, log: log, notify: make(chan struct{}, 1), ctx: ctx, stop: stop}, nil
}

// Close stops the watch.
func (k *Kube) Close() error {
	k.stop()
	return nil
}

func (k *Kube) cms() typedConfigMaps { return k.cs.CoreV1().ConfigMaps(k.opts.Namespace) }

type typedConfigMaps = interface {
	Create(ctx context.Context, cm *corev1.ConfigMap, opts metav1.CreateOptions) (*corev1.ConfigMap, error)
	Update(ctx context.Context, cm *corev1.ConfigMap, opts metav1.UpdateOptions) (*corev1.ConfigMap, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.ConfigMap, error)
	List(ctx context.Context, opts metav1.ListOptions) (*corev1.ConfigMapList, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

func (k *Kube) name(parts ...string) string {
	n := k.opts.Name
	for _, p := range parts {
		n += "-" + p
	}
	return n
}

func (k *Kube) labels(record string, extra ...string) map[string]string {
	l := map[string]string{labelManagedBy: "tkeops", labelStore: k.opts.Name, labelRecord: record}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i]] = extra[i+1]
	}
	return l
}

func (k *Kube) selector(record string, extra ...string) string {
	sel := labelStore + "=" + k.opts.Name + "," + labelRecord + "=" + record
	for i := 0; i+1 < len(extra); i += 2 {
		sel += "," + extra[i] + "=" + extra[i+1]
	}
	return sel
}

// nextID takes the next run ID from the sequence ConfigMap.
func (k *Kube) nextID(ctx context.Context) (uint64, error) {
	var id uint64
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := k.cms().Get(ctx, k.name("sequence"), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: k.name("sequence"), Labels: k.labels(recordSequence)},
				Data: map[string]string{"last": "1"}}
			if _, err := k.cms().Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				if apierrors.IsAlreadyExists(err) {
					return apierrors.NewConflict(corev1.Resource("configmaps"), cm.Name, err)
				}
				return err
			}
			id = 1
			return nil
		}
		if err != nil {
			return err
		}
		last, _ := strconv.ParseUint(cm.Data["last"], 10, 64)
		id = last + 1
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data["last"] = strconv.FormatUint(id, 10)
		_, err = k.cms().Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	return id, err
}

func (k *Kube) runConfigMap(r Run) (*corev1.ConfigMap, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: k.name("run", r.ID), Labels: k.labels(recordRun, labelKind, string(r.Kind))},
		Data:       map[string]string{"run.json": string(b)},
	}, nil
}

// Create implements Store.
func (k *Kube) Create(ctx context.Context, r *Run) error {
	id, err := k.nextID(ctx)
	if err != nil {
		return fmt.Errorf("create run: next id: %w", err)
	}
	r.ID = strconv.FormatUint(id, 10)
	if r.StartedAt.IsZero() {
		r.StartedAt = k.opts.Now().UTC()
	}
	if r.State == "" {
		r.State = StateRunning
	}
	cm, err := k.runConfigMap(*r)
	if err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	if _, err := k.cms().Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	k.pruneRuns(ctx, id)
	return nil
}

// pruneRuns deletes runs (and their plans) older than the newest Retain.
func (k *Kube) pruneRuns(ctx context.Context, newest uint64) {
	if newest <= uint64(k.opts.Retain) {
		return
	}
	runs, err := k.listRuns(ctx, "")
	if err != nil {
		k.log.Warn("run store: prune", "error", err)
		return
	}
	for _, r := range runs {
		n, _ := strconv.ParseUint(r.ID, 10, 64)
		if n+uint64(k.opts.Retain) > newest {
			continue
		}
		for _, name := range []string{k.name("run", r.ID), k.name("run", r.ID, "plans")} {
			if err := k.cms().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				k.log.Warn("run store: prune", "configmap", name, "error", err)
			}
		}
	}
}

// Update implements Store.
func (k *Kube) Update(ctx context.Context, r Run) error {
	err := k.modify(ctx, k.name("run", r.ID), func(cm *corev1.ConfigMap) error {
		if cm == nil {
			return fmt.Errorf("run %s: %w", r.ID, ErrNotFound)
		}
		want, err := k.runConfigMap(r)
		if err != nil {
			return err
		}
		cm.Data, cm.Labels = want.Data, want.Labels
		return nil
	})
	if err != nil {
		return fmt.Errorf("update run: %w", err)
	}
	return nil
}

// errNoChange, returned by a modify func, leaves the ConfigMap as it is.
var errNoChange = errors.New("no change")

// modify reads ConfigMap name, lets fn change it (fn gets nil when it does not
// exist) and writes it back, again from a fresh read when another writer got
// there first.
func (k *Kube) modify(ctx context.Context, name string, fn func(*corev1.ConfigMap) error) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := k.cms().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			cm, err = nil, nil
		}
		if err != nil {
			return err
		}
		if err := fn(cm); err != nil {
			return err
		}
		_, err = k.cms().Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	return err
}

// Get implements Store.
func (k *Kube) Get(ctx context.Context, id string) (Run, error) {
	if _, err := key(id); err != nil {
		return Run{}, err
	}
	cm, err := k.cms().Get(ctx, k.name("run", id), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return Run{}, fmt.Errorf("run %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("get run %s: %w", id, err)
	}
	var r Run
	if err := json.Unmarshal([]byte(cm.Data["run.json"]), &r); err != nil {
		return Run{}, fmt.Errorf("decode run %s: %w", id, err)
	}
	return r, nil
}

// listRuns returns the stored runs (of kind, when set), newest first.
func (k *Kube) listRuns(ctx context.Context, kind Kind) ([]Run, error) {
	var extra []string
	if kind != "" {
		extra = []string{labelKind, string(kind)}
	}
	list, err := k.cms().List(ctx, metav1.ListOptions{LabelSelector: k.selector(recordRun, extra...)})
	if err != nil {
		return nil, err
	}
	out := make([]Run, 0, len(list.Items))
	for _, cm := range list.Items {
		var r Run
		if err := json.Unmarshal([]byte(cm.Data["run.json"]), &r); err != nil {
			k.log.Warn("run store: skipping an unreadable run", "configmap", cm.Name, "error", err)
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Run) int { return compareIDs(b.ID, a.ID) })
	return out, nil
}

func compareIDs(a, b string) int {
	x, _ := strconv.ParseUint(a, 10, 64)
	y, _ := strconv.ParseUint(b, 10, 64)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// List implements Store.
func (k *Kube) List(ctx context.Context, f Filter) ([]Run, error) {
	if f.Before != "" {
		if _, err := key(f.Before); err != nil {
			return nil, err
		}
	}
	runs, err := k.listRuns(ctx, f.Kind)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out := []Run{}
	for _, r := range runs {
		if len(out) == f.limit() {
			break
		}
		if (f.Before == "" || compareIDs(r.ID, f.Before) < 0) && f.matches(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Latest implements Store.
func (k *Kube) Latest(ctx context.Context, kind Kind) (Run, error) {
	runs, err := k.listRuns(ctx, kind)
	if err != nil {
		return Run{}, fmt.Errorf("latest %s run: %w", kind, err)
	}
	for _, r := range runs {
		if r.State.Done() {
			return r, nil
		}
	}
	return Run{}, fmt.Errorf("latest %s run: %w", kind, ErrNotFound)
}

// AbandonRunning implements Store.
func (k *Kube) AbandonRunning(ctx context.Context) error {
	runs, err := k.listRuns(ctx, "")
	if err != nil {
		return fmt.Errorf("abandon running runs: %w", err)
	}
	for _, r := range runs {
		if r.State != StateRunning {
			continue
		}
		abandon(&r, k.opts.Now())
		if err := k.Update(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// PutArtifact implements Store: the plans of a run share one ConfigMap,
// gzipped.
func (k *Kube) PutArtifact(ctx context.Context, id, name string, data []byte) error {
	if _, err := key(id); err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(data)
	_ = zw.Close()
	if buf.Len() > maxArtifactBytes {
		note := []byte(fmt.Sprintf("\n\n(the stored copy of this %s was cut: %d bytes compressed is more than a ConfigMap holds)\n", name, buf.Len()))
		buf.Reset()
		zw = gzip.NewWriter(&buf)
		_, _ = zw.Write(data[:min(len(data), maxArtifactBytes)])
		_, _ = zw.Write(note)
		_ = zw.Close()
	}
	cmName := k.name("run", id, "plans")
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cm, err := k.cms().Get(ctx, cmName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: cmName, Labels: k.labels(recordArtifacts)},
				BinaryData: map[string][]byte{name: buf.Bytes()}}
			_, err = k.cms().Create(ctx, cm, metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(corev1.Resource("configmaps"), cmName, err)
			}
			return err
		}
		if err != nil {
			return err
		}
		if cm.BinaryData == nil {
			cm.BinaryData = map[string][]byte{}
		}
		cm.BinaryData[name] = buf.Bytes()
		_, err = k.cms().Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("store %s of run %s: %w", name, id, err)
	}
	return nil
}

// Artifact implements Store.
func (k *Kube) Artifact(ctx context.Context, id, name string) ([]byte, error) {
	if _, err := key(id); err != nil {
		return nil, err
	}
	cm, err := k.cms().Get(ctx, k.name("run", id, "plans"), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%s of run %s: %w", name, id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s of run %s: %w", name, id, err)
	}
	z, ok := cm.BinaryData[name]
	if !ok {
		return nil, fmt.Errorf("%s of run %s: %w", name, id, ErrNotFound)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("%s of run %s: %w", name, id, err)
	}
	return io.ReadAll(zr)
}

func (k *Kube) deliveryName(key string) string {
	if len(key) > 40 {
		key = key[:40]
	}
	return k.name("delivery", key)
}

func (k *Kube) deliveryConfigMap(d Delivery) (*corev1.ConfigMap, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: k.deliveryName(d.Key), Labels: k.labels(recordDelivery, labelDone, strconv.FormatBool(d.Done))},
		Data:       map[string]string{"delivery.json": string(b)},
	}, nil
}

// RecordDelivery implements Store. Creating the ConfigMap is the decision: of
// two replicas that receive the same payload, one creates it, the other finds
// it there.
func (k *Kube) RecordDelivery(ctx context.Context, d Delivery) (bool, error) {
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = k.opts.Now().UTC()
	}
	cm, err := k.deliveryConfigMap(d)
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	_, err = k.cms().Create(ctx, cm, metav1.CreateOptions{})
	if err == nil {
		return true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	old, err := k.cms().Get(ctx, cm.Name, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	var prev Delivery
	if json.Unmarshal([]byte(old.Data["delivery.json"]), &prev) == nil && k.opts.Now().Sub(prev.ReceivedAt) < k.opts.ReplayWindow {
		return false, nil
	}
	// Past the window: the same payload again is a new delivery.
	cm.ResourceVersion = old.ResourceVersion
	if _, err := k.cms().Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsConflict(err) {
			return false, nil // another replica took it first
		}
		return false, fmt.Errorf("record delivery: %w", err)
	}
	return true, nil
}

// PendingDeliveries implements Store. It also forgets handled deliveries past
// the replay window, at most once a minute.
func (k *Kube) PendingDeliveries(ctx context.Context) ([]Delivery, error) {
	list, err := k.cms().List(ctx, metav1.ListOptions{LabelSelector: k.selector(recordDelivery, labelDone, "false")})
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	var out []Delivery
	for _, cm := range list.Items {
		var d Delivery
		if err := json.Unmarshal([]byte(cm.Data["delivery.json"]), &d); err != nil {
			k.log.Warn("run store: skipping an unreadable delivery", "configmap", cm.Name, "error", err)
			continue
		}
		out = append(out, d)
	}
	sortDeliveries(out)
	k.pruneDeliveries(ctx)
	return out, nil
}

func (k *Kube) pruneDeliveries(ctx context.Context) {
	k.pruneMu.Lock()
	now := k.opts.Now()
	if now.Sub(k.lastPrune) < time.Minute {
		k.pruneMu.Unlock()
		return
	}
	k.lastPrune = now
	k.pruneMu.Unlock()
	list, err := k.cms().List(ctx, metav1.ListOptions{LabelSelector: k.selector(recordDelivery, labelDone, "true")})
	if err != nil {
		k.log.Warn("run store: prune deliveries", "error", err)
		return
	}
	for _, cm := range list.Items {
		var d Delivery
		if json.Unmarshal([]byte(cm.Data["delivery.json"]), &d) == nil && now.Sub(d.ReceivedAt) < k.opts.ReplayWindow {
			continue
		}
		if err := k.cms().Delete(ctx, cm.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			k.log.Warn("run store: prune deliveries", "configmap", cm.Name, "error", err)
		}
	}
}

// DoneDelivery implements Store.
func (k *Kube) DoneDelivery(ctx context.Context, key string) error {
	err := k.modify(ctx, k.deliveryName(key), func(cm *corev1.ConfigMap) error {
		if cm == nil {
			return errNoChange
		}
		var d Delivery
		if err := json.Unmarshal([]byte(cm.Data["delivery.json"]), &d); err != nil {
			return err
		}
		d.Done = true
		want, err := k.deliveryConfigMap(d)
		if err != nil {
			return err
		}
		cm.Data, cm.Labels = want.Data, want.Labels
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark delivery done: %w", err)
	}
	return nil
}

// Deliveries implements Store: the first call starts a watch on pending
// deliveries, so the leader hears of one a standby recorded within
// milliseconds.
func (k *Kube) Deliveries() <-chan struct{} {
	k.watchOnce.Do(func() { go k.watchDeliveries() })
	return k.notify
}

func (k *Kube) signal() {
	select {
	case k.notify <- struct{}{}:
	default:
	}
}

func (k *Kube) watchDeliveries() {
	for k.ctx.Err() == nil {
		w, err := k.cms().Watch(k.ctx, metav1.ListOptions{LabelSelector: k.selector(recordDelivery, labelDone, "false")})
		if err != nil {
			k.log.Warn("run store: watch deliveries", "error", err)
			select {
			case <-k.ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		k.signal() // whatever arrived while not watching
		for ev := range w.ResultChan() {
			if ev.Type == watch.Added || ev.Type == watch.Modified {
				k.signal()
			}
		}
		w.Stop()
	}
}

// PutApproval implements Store.
func (k *Kube) PutApproval(ctx context.Context, a Approval) error {
	sum := sha256.Sum256([]byte(approvalKey(a)))
	name := k.name("approval", strconv.Itoa(a.Change), hex.EncodeToString(sum[:8]))
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("record approval: %w", err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: k.labels(recordApproval, labelChange, strconv.Itoa(a.Change))},
		Data: map[string]string{"approval.json": string(b)}}
	_, err = k.cms().Create(ctx, cm, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		err = k.modify(ctx, name, func(old *corev1.ConfigMap) error {
			if old == nil {
				return fmt.Errorf("approval %s vanished", name)
			}
			old.Data = cm.Data
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("record approval: %w", err)
	}
	return nil
}

// Approvals implements Store.
func (k *Kube) Approvals(ctx context.Context, change int) ([]Approval, error) {
	list, err := k.cms().List(ctx, metav1.ListOptions{LabelSelector: k.selector(recordApproval, labelChange, strconv.Itoa(change))})
	if err != nil {
		return nil, fmt.Errorf("approvals of %d: %w", change, err)
	}
	var out []Approval
	for _, cm := range list.Items {
		var a Approval
		if err := json.Unmarshal([]byte(cm.Data["approval.json"]), &a); err == nil {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Approval) int { return a.At.Compare(b.At) })
	return out, nil
}
