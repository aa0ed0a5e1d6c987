#!/usr/bin/env bash
# Builds golangci-lint for `make lint` from the Go module proxy, at the version
# and with the dependencies this directory's go.mod pins.
#
#   hack/golangci-lint/build.sh [CACHE_DIR]
#
# The binary lands in CACHE_DIR/bin/golangci-lint (default
# ${TKEOPS_CACHE:-$HOME/.cache/tkeops}), next to the other built tools. A stamp
# file records the version and this module's dependency lock; when both match
# and the binary exists, nothing is rebuilt. A cold build takes about 3 minutes
# of two cores (see docs/contributing.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${1:-${TKEOPS_CACHE:-$HOME/.cache/tkeops}}"
bin="$cache/bin"
stamp="$bin/.golangci-lint.stamp"
pkg=github.com/golangci/golangci-lint/v2

# The version is the one go.mod pins; read it so there is one place to change.
LINT_VERSION="$(cd "$here" && go list -m -f '{{.Version}}' "$pkg")"
want="golangci-lint=$LINT_VERSION sum=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"

if [[ -x "$bin/golangci-lint" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "golangci-lint: up to date in $bin ($LINT_VERSION)"
	exit 0
fi

mkdir -p "$bin"
rm -f "$stamp"

cd "$here"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod -trimpath"
echo "golangci-lint: building $LINT_VERSION into $bin"
go build -ldflags "-s -w -X main.version=${LINT_VERSION#v}" -o "$bin/golangci-lint.tmp" "$pkg/cmd/golangci-lint"
mv "$bin/golangci-lint.tmp" "$bin/golangci-lint"

echo "$want" > "$stamp"
echo "golangci-lint: done"
