// Package forge talks to the code forges that host the spec repository:
// GitHub, GitLab and Gitea (and Forgejo, which speaks Gitea's API).
//
// Outbound, a Client posts commit statuses (skipping a post when the latest
// status for the same context is already identical, so repeated runs stay
// quiet) and keeps one Markdown comment per pull request up to date, found
// again by a hidden marker. Inbound, ParseWebhook verifies a delivery's
// signature in constant time before it reads a single field, enforces a body
// size limit, and turns push and pull-request payloads into one Event shape.
//
// Each forge lives in one file holding both directions and defining its
// driver; adding a forge is that file plus one entry in the drivers registry
// (registry.go), which New, ParseWebhook and the configuration's checks and
// error messages read.
package forge
