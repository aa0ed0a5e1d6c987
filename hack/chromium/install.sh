#!/usr/bin/env bash
# Installs headless Chromium from Debian's packages for the web page's
# screenshot test (server/screenshot_test.go), when /usr/bin/chromium is
# missing. Needs root (apt-get); CI and the developers' machines run as root.
#
#   hack/chromium/install.sh
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
	echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present) at /usr/bin/chromium"
	exit 0
fi
if ! command -v apt-get >/dev/null; then
	echo "chromium: /usr/bin/chromium is missing and apt-get is not available; install Chromium by hand" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: installed $(/usr/bin/chromium --version 2>/dev/null)"
