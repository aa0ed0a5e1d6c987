package emulator

import (
	"slices"
	"strings"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// Node upgrades: CheckInstancesUpgradeAble, UpgradeClusterInstances and
// GetUpgradeInstanceProgress of tke 2018-05-25. A node runs the Kubernetes version of
// its cluster when it is launched; after a control-plane upgrade it lags until a task
// moves it.
//
// What the emulator relies on, and where from:
//   - Fields, operations (create, pause, resume, abort), upgrade types (reset: reinstall
//     on the new version; major: in place across minors; hot: in place within a minor),
//     task and step life states (pending, process, paused, done, aborted; steps
//     pending/running/success/failed): the SDK's models. Concurrent is 1 to 15.
//   - Codes: FailedOperation.TaskAlreadyRunning for a second task, InternalError.
//     TaskNotFound when there is no task, FailedOperation.TaskLifeStateError for an
//     operation the task's state does not allow, InvalidParameter.Param for nodes that
//     cannot be upgraded — the codes the SDK lists for these actions.
//   - A reinstall removes the node from the cluster and joins it again on the new
//     version; an in-place upgrade restarts its kubelet on the new version (seeds §5.2).
//   - UpdateClusterVersion refuses a control-plane version more than the allowed skew
//     ahead of the oldest node (FailedOperation.ClusterUpgradeNodeVersion, a code of the
//     SDK's errors.go), as TKE's pre-check does.

// Upgrade task and node life states.
const (
	upgradePending = "pending"
	upgradeProcess = "process"
	upgradePaused  = "paused"
	upgradeDone    = "done"
	upgradeAborted = "aborted"
)

type upgradeItemRec struct {
	InstanceID string    `json:"instanceId"`
	LifeState  string    `json:"lifeState"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Target     string    `json:"target"`
}

// upgradeTaskRec is a cluster's latest node upgrade task, keyed by cluster ID.
type upgradeTaskRec struct {
	ClusterID  string            `json:"clusterId"`
	Type       string            `json:"type"`
	Concurrent int               `json:"concurrent"`
	LifeState  string            `json:"lifeState"`
	Items      []*upgradeItemRec `json:"items"`
	// Resumed is when the task was created or last resumed: no node starts before.
	Resumed time.Time `json:"resumed"`
	Seq     int64     `json:"seq"`
}

func (r *upgradeTaskRec) order() int64 { return r.Seq }

var upgradeTaskTable = table[*upgradeTaskRec]{"upgradeTasks"}

// nodeUpgradeModule serves node upgrades.
func nodeUpgradeModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"CheckInstancesUpgradeAble", op(tke.NewCheckInstancesUpgradeAbleRequest, checkInstancesUpgradeAble)},
			{"UpgradeClusterInstances", op(tke.NewUpgradeClusterInstancesRequest, upgradeClusterInstances)},
			{"GetUpgradeInstanceProgress", op(tke.NewGetUpgradeInstanceProgressRequest, getUpgradeInstanceProgress)},
		},
		tables:  []tableDef{upgradeTaskTable.def()},
		advance: advanceUpgrades,
	}
}

// clusterVersionOf is the control-plane version of a cluster ("" when it is gone).
func clusterVersionOf(rs *regionState, clusterID string) string {
	if cl, ok := clusterTable.in(rs)[clusterID]; ok {
		return cl.Version
	}
	return ""
}

// kubeletVersion is a node's version as its kubelet reports it.
func kubeletVersion(v string) string {
	if v == "" || strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

// upgradableTo reports whether a node on version have can be upgraded to the
// cluster's version want with upgrade type typ ("" for any).
func upgradableTo(have, want, typ string) bool {
	if have == "" || have == want || !versionBefore(have, want) {
		return false
	}
	hm, _ := kubeMinor(have)
	wm, _ := kubeMinor(want)
	switch typ {
	case "hot":
		return hm == wm
	case "major":
		return hm != wm
	}
	return true
}

// versionBefore compares x.y.z versions.
func versionBefore(a, b string) bool {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < 3 && i < len(pa) && i < len(pb); i++ {
		x, y := atoiPrefix(pa[i]), atoiPrefix(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}

func atoiPrefix(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func checkUpgradeType(t *string) *APIError {
	switch deref(t) {
	case "reset", "hot", "major":
		return nil
	}
	return apiErr("InvalidParameter.Param", "UpgradeType must be reset, hot or major; got `%s`.", deref(t))
}

func checkInstancesUpgradeAble(c *call, req *tke.CheckInstancesUpgradeAbleRequest) (*tke.CheckInstancesUpgradeAbleResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	if req.UpgradeType != nil {
		if aerr := checkUpgradeType(req.UpgradeType); aerr != nil {
			return nil, aerr
		}
	}
	offset, limit, aerr := tkePage(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	ids := derefs(req.InstanceIds)
	for _, f := range req.Filter {
		switch deref(f.Name) {
		case "instanceId":
			ids = append(ids, derefs(f.Values)...)
		case "ip", "hostname", "label":
		default:
			return nil, apiErr("InvalidParameter.Param", "Unknown filter `%s`; known: ip, instanceId, hostname, label.", deref(f.Name))
		}
	}
	var items []*tke.UpgradeAbleInstancesItem
	for _, in := range sortedValues(instanceTable.in(rs)) {
		if in.ClusterID != cl.ID || (len(ids) > 0 && !slices.Contains(ids, in.ID)) || !upgradableTo(in.Version, cl.Version, deref(req.UpgradeType)) {
			continue
		}
		items = append(items, &tke.UpgradeAbleInstancesItem{InstanceId: ptr(in.ID), Version: ptr(in.Version), LatestVersion: ptr(cl.Version),
			RuntimeVersion: ptr("1.6.9"), RuntimeLatestVersion: ptr("1.6.9")})
	}
	lo, hi := page(len(items), int(offset), int(limit))
	return &tke.CheckInstancesUpgradeAbleResponseParams{ClusterVersion: ptr(cl.Version), LatestVersion: ptr(cl.Version),
		UpgradeAbleInstances: orEmpty(items[lo:hi]), Total: ptr(int64(len(items)))}, nil
}

func upgradeClusterInstances(c *call, req *tke.UpgradeClusterInstancesRequest) (*tke.UpgradeClusterInstancesResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "InternalError.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	task := upgradeTaskTable.in(rs)[cl.ID]
	running := task != nil && (task.LifeState == upgradeProcess || task.LifeState == upgradePaused)
	switch op := deref(req.Operation); op {
	case "create":
		if aerr := requireRunning(cl); aerr != nil {
			return nil, aerr
		}
		if aerr := checkUpgradeType(req.UpgradeType); aerr != nil {
			return nil, aerr
		}
		if running {
			return nil, apiErr("FailedOperation.TaskAlreadyRunning", "Cluster `%s` has an upgrade task in %s.", cl.ID, task.LifeState)
		}
		ids := derefs(req.InstanceIds)
		if len(ids) == 0 {
			return nil, apiErr("InvalidParameter.Param", "InstanceIds is required.")
		}
		concurrent := int(deref(req.Concurrent))
		if req.Concurrent == nil {
			concurrent = 1
		}
		if concurrent < 1 || concurrent > 15 {
			return nil, apiErr("InvalidParameter.Param", "Concurrent is 1 to 15; got %d.", concurrent)
		}
		t := &upgradeTaskRec{ClusterID: cl.ID, Type: *req.UpgradeType, Concurrent: concurrent, LifeState: upgradeProcess, Resumed: c.now, Seq: c.e.st.nextSeq()}
		for _, id := range ids {
			in, ok := instanceTable.in(rs)[id]
			if !ok || in.ClusterID != cl.ID {
				return nil, apiErr("InvalidParameter.Param", "Instance `%s` is not a node of cluster `%s`.", id, cl.ID)
			}
			if in.State != instanceRunning || !upgradableTo(in.Version, cl.Version, t.Type) {
				return nil, apiErr("InvalidParameter.Param", "Instance `%s` (on %s, %s) cannot be upgraded to %s with %s.", id, in.Version, in.State, cl.Version, t.Type)
			}
			t.Items = append(t.Items, &upgradeItemRec{InstanceID: id, LifeState: upgradePending, Target: cl.Version})
		}
		upgradeTaskTable.in(rs)[cl.ID] = t
	case "pause", "resume", "abort":
		if task == nil {
			return nil, apiErr("InternalError.TaskNotFound", "Cluster `%s` has no upgrade task.", cl.ID)
		}
		from := map[string]string{"pause": upgradeProcess, "resume": upgradePaused, "abort": ""}[op]
		to := map[string]string{"pause": upgradePaused, "resume": upgradeProcess, "abort": upgradeAborted}[op]
		if (from != "" && task.LifeState != from) || (op == "abort" && !running) {
			return nil, apiErr("FailedOperation.TaskLifeStateError", "The upgrade task of cluster `%s` is %s; it cannot be %sd.", cl.ID, task.LifeState, strings.TrimSuffix(op, "e"))
		}
		task.LifeState = to
		if op == "resume" {
			task.Resumed = c.now
		}
	default:
		return nil, apiErr("InvalidParameter.Param", "Operation must be create, pause, resume or abort; got `%s`.", op)
	}
	return &tke.UpgradeClusterInstancesResponseParams{}, nil
}

// advanceUpgrades moves running tasks forward: up to Concurrent nodes at a time, each
// taking the NodeUpgrade timing; a node starts when a slot frees (or the task is
// resumed), so a stepped clock sees deterministic times.
func advanceUpgrades(e *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
	var notes []notification
	changed := false
	for _, t := range sortedValues(upgradeTaskTable.in(rs)) {
		for t.LifeState == upgradeProcess {
			progressed := false
			var freed []time.Time
			active := 0
			for _, it := range t.Items {
				if it.LifeState != upgradeProcess {
					continue
				}
				if now.Before(it.End) {
					active++
					continue
				}
				it.LifeState, progressed = upgradeDone, true
				freed = append(freed, it.End)
				notes = append(notes, finishUpgrade(e, rs, t, it)...)
			}
			for _, it := range t.Items {
				if active >= t.Concurrent {
					break
				}
				if it.LifeState != upgradePending {
					continue
				}
				start := now
				if len(freed) > 0 {
					start, freed = freed[0], freed[1:]
				}
				if start.Before(t.Resumed) {
					start = t.Resumed
				}
				it.LifeState, it.Start, it.End = upgradeProcess, start, start.Add(e.timing.NodeUpgrade)
				active, progressed = active+1, true
			}
			if !slices.ContainsFunc(t.Items, func(it *upgradeItemRec) bool { return it.LifeState != upgradeDone }) {
				t.LifeState, progressed = upgradeDone, true
			}
			if !progressed {
				break
			}
			changed = true
		}
	}
	return notes, changed
}

// finishUpgrade moves a node to its new version: a reinstalled node leaves the
// cluster and joins again; an upgraded one reports its new version.
func finishUpgrade(e *Emulator, rs *regionState, t *upgradeTaskRec, it *upgradeItemRec) []notification {
	in, ok := instanceTable.in(rs)[it.InstanceID]
	if !ok {
		return nil
	}
	in.Version = it.Target
	if t.Type != "reset" {
		if in.Joined {
			return []notification{{kind: nodeUpgraded, node: nodeInfo(rs, in)}}
		}
		return nil
	}
	var notes []notification
	if in.Joined {
		notes = append(notes, notification{kind: nodeRemoved, node: nodeInfo(rs, in)})
	}
	in.State, in.Joined, in.RunningAt = instanceInitializing, false, it.End.Add(e.timing.NodeJoin)
	return notes
}

func getUpgradeInstanceProgress(c *call, req *tke.GetUpgradeInstanceProgressRequest) (*tke.GetUpgradeInstanceProgressResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "InvalidParameter.Param")
	if aerr != nil {
		return nil, aerr
	}
	t := upgradeTaskTable.in(rs)[cl.ID]
	if t == nil {
		return nil, apiErr("InternalError.TaskNotFound", "Cluster `%s` has no upgrade task.", cl.ID)
	}
	offset, limit := deref(req.Offset), int64(len(t.Items))
	if req.Limit != nil {
		limit = *req.Limit
	}
	if offset < 0 || limit < 0 {
		return nil, apiErr("InvalidParameter.Param", "Offset and Limit must not be negative.")
	}
	done := int64(0)
	items := []*tke.InstanceUpgradeProgressItem{}
	for i, it := range t.Items {
		if it.LifeState == upgradeDone {
			done++
		}
		if int64(i) < offset || int64(len(items)) >= limit {
			continue
		}
		state := it.LifeState
		step := map[string]string{upgradePending: "pending", upgradeProcess: "running", upgradeDone: "success"}[state]
		if t.LifeState == upgradeAborted && state != upgradeDone {
			state, step = upgradeAborted, "pending"
		}
		items = append(items, &tke.InstanceUpgradeProgressItem{
			InstanceID: ptr(it.InstanceID), LifeState: ptr(state), StartAt: ptr(progressTime(it.Start)), EndAt: ptr(progressTime(it.End)),
			CheckResult: &tke.InstanceUpgradePreCheckResult{CheckPass: ptr(true), Items: []*tke.InstanceUpgradePreCheckResultItem{}, SinglePods: []*string{}},
			Detail:      []*tke.TaskStepInfo{{Step: ptr("upgrade"), LifeState: ptr(step), StartAt: ptr(progressTime(it.Start)), EndAt: ptr(progressTime(it.End)), FailedMsg: ptr("")}},
		})
	}
	return &tke.GetUpgradeInstanceProgressResponseParams{Total: ptr(int64(len(t.Items))), Done: ptr(done), LifeState: ptr(t.LifeState),
		Instances: items, ClusterStatus: &tke.InstanceUpgradeClusterStatus{PodTotal: ptr(int64(0)), NotReadyPod: ptr(int64(0))}}, nil
}

func progressTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return tkeTime(t)
}

// nodeSkewRefusal is UpdateClusterVersion's pre-check: the new control plane may be
// at most the allowed skew ahead of the cluster's oldest node.
func nodeSkewRefusal(rs *regionState, cl *clusterRec, target string) *APIError {
	tm, ok := kubeMinor(target)
	if !ok {
		return nil
	}
	skew := 3
	if tm < 28 {
		skew = 2
	}
	for _, in := range sortedValues(instanceTable.in(rs)) {
		if in.ClusterID != cl.ID || in.Version == "" {
			continue
		}
		if m, ok := kubeMinor(in.Version); ok && tm-m > skew {
			return apiErr("FailedOperation.ClusterUpgradeNodeVersion", "Node `%s` runs %s; upgrade it before the control plane goes to %s (nodes may be %d minors behind at most).", in.ID, in.Version, target, skew)
		}
	}
	return nil
}
