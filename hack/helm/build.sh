#!/usr/bin/env bash
# Builds the helm CLI that the deploy/ tests use to render the tkeops chart
# (deploy/helm/tkeops), from the Go module proxy.
#
#   hack/helm/build.sh [CACHE_DIR]
#
# The binary lands in CACHE_DIR/bin/helm (default ${TKEOPS_CACHE:-$HOME/.cache/tkeops}),
# next to kube-apiserver and etcd from hack/kube/build.sh. A stamp file records
# the version and this module's dependency lock; when both match and the
# binary exists, nothing is rebuilt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${1:-${TKEOPS_CACHE:-$HOME/.cache/tkeops}}"
bin="$cache/bin"
stamp="$bin/.helm.stamp"

# The version is the one go.mod pins; read it so there is one place to change.
HELM_VERSION="$(cd "$here" && go list -m -f '{{.Version}}' helm.sh/helm/v3)"
want="helm=$HELM_VERSION sum=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"

if [[ -x "$bin/helm" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "helm-bin: up to date in $bin ($HELM_VERSION)"
	exit 0
fi

mkdir -p "$bin"
rm -f "$stamp"

cd "$here"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod -trimpath"
# helm prints its version from these; without them `helm version` says v3.x-dev.
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"

echo "helm-bin: building helm $HELM_VERSION into $bin"
go build -ldflags "$ldflags" -o "$bin/helm.tmp" helm.sh/helm/v3/cmd/helm
mv "$bin/helm.tmp" "$bin/helm"

echo "$want" > "$stamp"
echo "helm-bin: done"
