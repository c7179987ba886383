#!/usr/bin/env bash
# Usage: apt-install.sh PACKAGE...  Installs Debian packages (as root, or through sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "Missing Debian packages ($*) cannot be installed without root." >&2
    exit 1
  fi
  SUDO="sudo"
fi
echo "Installing Debian packages: $*" >&2
export DEBIAN_FRONTEND=noninteractive
# One `apt-get update` per machine boot is enough; later calls reuse the lists.
if [ ! -e /tmp/.portal-apt-updated ]; then
  $SUDO apt-get update -qq
  touch /tmp/.portal-apt-updated
fi
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
