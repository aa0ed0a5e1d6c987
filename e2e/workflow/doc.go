// Package workflow drives `tkeops serve` through the pull-request workflow with
// a real Gitea: plans made on the merge result and again when the base moves,
// webhooks of another repository, a replay after a restart, and the approval
// of a destroy by a person with write access.
package workflow
