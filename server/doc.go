// Package server is the HTTP face of `tkeops serve`: forge webhooks
// (POST /hooks/{forge}), health (/healthz, /readyz), Prometheus metrics
// (/metrics), the runs API (/api/v1/runs, /api/v1/runs/{id},
// /api/v1/runs/{id}/plan.md|plan.json, /api/v1/drift) and a small read-only web
// page of runs, plans and the current drift.
//
// Webhook deliveries are verified by the forge package before anything else is
// read; a bad signature gets 401 and triggers nothing, a body over the limit 413,
// a delivery ID seen within the replay window 409, and events tkeops does not
// use 200 with "ignored". Accepted deliveries only queue a trigger on the
// service; they never wait for a run.
package server
