#!/usr/bin/env bash
# Builds the real Kubernetes control-plane binaries that tkeops' integration
# tests run against: kube-apiserver and etcd, from the Go module proxy.
#
#   hack/kube/build.sh [CACHE_DIR]
#
# Binaries land in CACHE_DIR/bin (default ${TKEOPS_CACHE:-$HOME/.cache/tkeops}).
# A stamp file records what was built; when it matches the pinned versions and
# the binaries exist, nothing is rebuilt. Tests find the binaries through
# TKEOPS_KUBE_BIN, which defaults to that same bin directory.
#
# kube-controller-manager is deliberately not built: the tests that need
# PodDisruptionBudget status set it through the status subresource, which is
# all the Eviction API reads.
set -euo pipefail

KUBE_VERSION=v1.33.4
ETCD_VERSION=v3.5.21

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${1:-${TKEOPS_CACHE:-$HOME/.cache/tkeops}}"
bin="$cache/bin"
stamp="$bin/.kube-bins.stamp"

# The stamp names the versions and the tools module's dependency lock, so a
# change to either rebuilds.
want="kube=$KUBE_VERSION etcd=$ETCD_VERSION sum=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"

if [[ -x "$bin/kube-apiserver" && -x "$bin/etcd" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "kube-bins: up to date in $bin ($KUBE_VERSION, etcd $ETCD_VERSION)"
	exit 0
fi

mkdir -p "$bin"
rm -f "$stamp"

# Without these the server reports v0.0.0-master+$Format:%H$, which clients
# such as kubectl cannot parse.
major="${KUBE_VERSION#v}"; major="${major%%.*}"
minor="${KUBE_VERSION#v*.}"; minor="${minor%%.*}"
vpkg=k8s.io/component-base/version
ldflags="-s -w -X $vpkg.gitVersion=$KUBE_VERSION -X $vpkg.gitMajor=$major -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"

cd "$here"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath"

echo "kube-bins: building etcd $ETCD_VERSION into $bin"
go build -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3
mv "$bin/etcd.tmp" "$bin/etcd"

echo "kube-bins: building kube-apiserver $KUBE_VERSION into $bin (several minutes when cold)"
go build -ldflags "$ldflags" -o "$bin/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
mv "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"

echo "$want" > "$stamp"
echo "kube-bins: done"
