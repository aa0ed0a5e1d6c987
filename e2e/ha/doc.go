// Package ha runs `tkeops serve` as two replicas under leader election against
// a real Gitea and a real kube-apiserver: webhooks reach either replica, the
// leader is killed in the middle of an apply, and every pull request and every
// commit still ends with its status, with no cloud write done twice.
package ha
