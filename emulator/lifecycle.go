package emulator

import "time"

// advanceLocked moves every asynchronous resource whose transition is due at now to its
// next state and returns the node notifications for the backend. e.mu must be held.
// Transitions are computed from timestamps, so a fake clock steps them deterministically.
func (e *Emulator) advanceLocked(now time.Time) []notification {
	var notes []notification
	changed := false
	for _, name := range e.st.sortedRegions() {
		rs := e.st.Regions[name]
		for _, cl := range sortedValues(rs.Clusters) {
			if !now.Before(cl.StatusUntil) {
				switch cl.Status {
				case clusterCreating:
					cl.Status, changed = clusterRunning, true
				case clusterUpgrading:
					cl.Version, cl.TargetVersion = cl.TargetVersion, ""
					cl.Status, changed = clusterRunning, true
				case clusterDeleting:
					notes = append(notes, e.removeClusterLocked(rs, cl)...)
					changed = true
					continue
				}
			}
			for key, ep := range cl.Endpoints {
				if now.Before(ep.Until) {
					continue
				}
				switch ep.Status {
				case endpointCreating:
					ep.Status, changed = endpointCreated, true
				case endpointDeleting:
					delete(cl.Endpoints, key)
					changed = true
				}
			}
		}
		n, c := e.advanceNodePoolsLocked(rs, now)
		notes = append(notes, n...)
		changed = changed || c
	}
	if changed {
		e.st.dirty = true
	}
	return notes
}

// removeClusterLocked deletes a cluster with its node pools, groups and instances.
func (e *Emulator) removeClusterLocked(rs *regionState, cl *clusterRec) []notification {
	var notes []notification
	for _, np := range sortedValues(rs.NodePools) {
		if np.ClusterID == cl.ID {
			notes = append(notes, e.removeNodePoolLocked(rs, np)...)
		}
	}
	for _, in := range sortedValues(rs.Instances) {
		if in.ClusterID == cl.ID {
			notes = append(notes, removeInstanceLocked(rs, in)...)
		}
	}
	delete(rs.Clusters, cl.ID)
	return notes
}
