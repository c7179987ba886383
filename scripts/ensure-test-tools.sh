#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages: Chromium for the browser tests
# (Debian packages) and axe-core for their accessibility checks (npm registry, pinned in
# tests/browser/package.json, installed into tests/browser/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() {
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "$* missing and cannot be installed without root: browser tests will fail." >&2
    exit 1
  fi
  echo "Installing $* for the browser tests (Debian packages)..."
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

command -v chromium >/dev/null 2>&1 || apt_install chromium
command -v npm >/dev/null 2>&1 || apt_install npm

AXE=tests/browser/node_modules/axe-core/axe.min.js
if [ ! -f "$AXE" ] || [ tests/browser/package.json -nt "$AXE" ]; then
  echo "Installing axe-core for the accessibility checks (npm)..."
  npm install --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null
  touch "$AXE"
fi
