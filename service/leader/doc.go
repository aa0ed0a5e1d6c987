// Package leader runs a function only while this replica holds a Kubernetes Lease
// (client-go's Lease-based leader election), so that of several `tkeops serve`
// replicas exactly one polls, plans and applies.
//
// On shutdown the leader's function is cancelled first and waited for (the service
// finishes or abandons its running step within its grace period); only then is the
// lease released, so the next leader never overlaps a running apply of this one.
package leader
