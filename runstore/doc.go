// Package runstore keeps the history of tkeops runs (applies, pull-request plans and
// drift reports) in an embedded bbolt file, so the history, the rendered plans and the
// last drift report survive restarts.
//
// A run is written when it starts and again when it ends. A run found still
// "running" when the store is opened was cut short by a crash; Open marks it
// abandoned, so a half-finished apply is never shown as done.
package runstore
