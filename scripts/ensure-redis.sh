#!/usr/bin/env bash
# Installs redis-server (Debian package) if missing; prints the path of the server program.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v redis-server >/dev/null 2>&1; then
  "$here/apt-install.sh" redis-server
fi
command -v redis-server
