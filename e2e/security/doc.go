// Package security checks, against the tkeops binary, that webhook endpoints refuse
// bad signatures, oversized bodies and replayed deliveries, and that known secrets
// (the cloud key, the forge token, the webhook secret) never appear in anything
// tkeops writes: stdout and stderr of serve, plan and apply, saved plans, the run
// store file, the git cache, HTTP responses, and what it posts to the forge.
package security
