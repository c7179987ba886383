#!/usr/bin/env bash
# Installs the PostgreSQL server and client (Debian packages) if missing; prints the bin folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
bin="$(find_bin)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_dump" ]; then
  "$here/apt-install.sh" postgresql postgresql-client
  bin="$(find_bin)"
fi
echo "$bin"
