// Package source keeps a local copy of the git repository that holds the
// specs and tells the caller when the tracked branch moved.
//
// A poll lists the remote's references first and fetches only when the
// branch head differs from the last commit it fetched, so a poll on an
// unchanged repository transfers no pack. The object store lives under a
// cache directory and survives restarts; work trees for a given commit are
// written next to it on demand. Errors are typed so that the caller can tell
// a remote that is down (back off, keep serving the last good commit) from
// a configuration mistake (authentication, a missing branch or path).
package source
