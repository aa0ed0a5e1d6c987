#!/usr/bin/env bash
# Builds the real Gitea server that tkeops' forge and git integration tests run
# against, from the Go module proxy.
#
#   hack/gitea/build.sh [CACHE_DIR]
#
# The binary lands in CACHE_DIR/bin/gitea (default ${TKEOPS_CACHE:-$HOME/.cache/tkeops}).
# Gitea built without the bindata tag reads its templates and locales from disk,
# so the script also records the module's source directory next to the binary
# (bin/gitea.static); the test harness points STATIC_ROOT_PATH at it.
# A stamp records what was built; when it matches, nothing is rebuilt.
# Tests find the binary through TKEOPS_GITEA_BIN, which defaults to that path.
set -euo pipefail

GITEA_VERSION=v1.26.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${1:-${TKEOPS_CACHE:-$HOME/.cache/tkeops}}"
bin="$cache/bin"
stamp="$bin/.gitea.stamp"

# The stamp names the version, the tools module's dependency lock and this
# script, so a change to any of them rebuilds.
want="gitea=$GITEA_VERSION sum=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" | sha256sum | cut -c1-16)"

if [[ -x "$bin/gitea" && -f "$bin/gitea.static" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "gitea: up to date in $bin ($GITEA_VERSION)"
	exit 0
fi

mkdir -p "$bin"
rm -f "$stamp"

cd "$here"
export GOFLAGS="${GOFLAGS:-} -mod=mod -trimpath"

echo "gitea: building $GITEA_VERSION into $bin (about 5 minutes when cold)"
tags='sqlite sqlite_unlock_notify'
CGO_ENABLED=1 go build -tags "$tags" \
	-ldflags "-s -w -X main.Version=${GITEA_VERSION#v} -X 'main.Tags=$tags'" \
	-o "$bin/gitea.tmp" code.gitea.io/gitea
mv "$bin/gitea.tmp" "$bin/gitea"
# Whatever stands at this path (an old file, or anything left there by hand) is replaced.
rm -rf "$bin/gitea.static"
go list -m -f '{{.Dir}}' code.gitea.io/gitea > "$bin/gitea.static"

echo "$want" > "$stamp"
echo "gitea: done"
