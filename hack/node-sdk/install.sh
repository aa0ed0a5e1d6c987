#!/usr/bin/env bash
# Installs the official Tencent Cloud Node.js SDK (tencentcloud-sdk-nodejs) from npm for
# the emulator's conformance suite (e2e/conformance), a client of the API that tkeops did
# not write.
#
#   hack/node-sdk/install.sh [CACHE_DIR]
#
# The package lands in CACHE_DIR/node/node_modules (default ${TKEOPS_CACHE:-$HOME/.cache/tkeops}),
# beside the other components the tests use. A stamp records the version; when it
# matches and the package is there, nothing is installed. Needs node and npm.
set -euo pipefail

# The SDK version the suite is written against; change it here only.
SDK_VERSION="4.1.313"

cache="${1:-${TKEOPS_CACHE:-$HOME/.cache/tkeops}}"
dir="$cache/node"
stamp="$dir/.tencentcloud-sdk-nodejs.stamp"
want="tencentcloud-sdk-nodejs=$SDK_VERSION"

for tool in node npm; do
	command -v "$tool" >/dev/null || { echo "node-sdk: $tool is not installed (Node.js 18 or newer is needed)" >&2; exit 1; }
done

if [[ -f "$dir/node_modules/tencentcloud-sdk-nodejs/package.json" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "node-sdk: up to date in $dir ($want)"
	exit 0
fi

mkdir -p "$dir"
rm -f "$stamp"
echo "node-sdk: installing $want into $dir"
# A package.json of our own keeps npm from walking up into another project.
[[ -f "$dir/package.json" ]] || echo '{"name": "tkeops-conformance-deps", "private": true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error --save-exact "tencentcloud-sdk-nodejs@$SDK_VERSION"
echo "$want" > "$stamp"
echo "node-sdk: done"
