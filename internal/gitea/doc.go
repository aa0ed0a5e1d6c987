// Package gitea runs a real Gitea server — built from source by
// hack/gitea/build.sh — on a free loopback port, for tests of the git source,
// the forge clients and webhook handling.
//
// Start gives a server with an admin user and an API token, and helpers to
// create repositories, push commits with go-git, open pull requests, add
// webhooks and read commit statuses and comments back through Gitea's API.
// Proxy puts a counting, stoppable HTTP proxy in front of it, so a test can
// prove that a poll transferred no pack and can make the remote unreachable.
//
// The binary is found through TKEOPS_GITEA_BIN (default
// ${TKEOPS_CACHE:-$HOME/.cache/tkeops}/bin/gitea). When it is missing, Start
// fails the test naming `make gitea-bin`, except under -short, where it skips.
package gitea
