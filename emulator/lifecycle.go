package emulator

import "time"

// advanceLocked moves every asynchronous resource whose transition is due at now to its
// next state and returns the node notifications for the backend. e.mu must be held.
// Transitions are computed from timestamps, so a fake clock steps them deterministically.
// Each module advances its own resources, in module order, region by region, account by
// account.
func (e *Emulator) advanceLocked(now time.Time) []notification {
	var notes []notification
	changed := false
	for _, acct := range e.st.accounts() {
		for _, name := range acct.sortedRegions() {
			rs := acct.Regions[name]
			for _, m := range e.reg.modules {
				if m.advance == nil {
					continue
				}
				n, c := m.advance(e, rs, now)
				notes = append(notes, n...)
				changed = changed || c
			}
		}
	}
	if changed {
		e.st.dirty = true
	}
	return notes
}
