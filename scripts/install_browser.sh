#!/usr/bin/env bash
# Install the headless browser used by tests/test_browser*.py: Debian's `chromium` package.
#
# Idempotent: does nothing when /usr/bin/chromium already exists. The Python side uses the
# `playwright` package (dev extra) with executable_path=/usr/bin/chromium, so we never run
# `playwright install` (that would download a browser build from a CDN at test time).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" ]]; then
    echo "chromium already installed: $($CHROMIUM --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "install_browser.sh: not root and no sudo; cannot install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when chromium is not known to apt yet (keeps reruns fast).
if ! apt-cache show chromium >/dev/null 2>&1; then
    $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "installed: $($CHROMIUM --version 2>/dev/null || echo "$CHROMIUM")"
