// Package service is the GitOps loop of `tkeops serve`: it turns triggers (a git poll
// tick, a forge webhook, a drift schedule) into runs, one at a time, and reports each
// run back to the forge as commit statuses and to the run store.
//
// Three kinds of run:
//
//   - apply: the tracked branch's head is checked out, loaded, planned and applied.
//     A pending status goes on the commit first; the final status is success only
//     when every step finished and the resources are healthy.
//   - plan: a pull request's head is planned against live state and never applied.
//     The status carries the one-line summary and a link to the full plan; the
//     Markdown plan can be kept in one PR comment, edited in place.
//   - drift: on a cron schedule, the head is planned without applying; the report
//     goes to the store, the metrics and a status on the head commit. Correcting is
//     opt-in.
//
// An invalid commit never reaches the engine's Plan: its validation errors
// (file:line:col) become the failure status and no cloud call is made.
//
// The service knows nothing about git, forges or the cloud: it consumes the small
// Source, Forge and Engine interfaces defined here, and cmd/tkeops adapts the real
// packages to them.
package service
