#!/usr/bin/env bash
# Installs what the checks of deploy/ need (Debian packages): nginx for `nginx -t`, openssl
# for a test certificate, systemd for `systemd-analyze verify`, logrotate for `--debug`.
# Nothing is started or enabled.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || missing+=(logrotate)
if [ "${#missing[@]}" -gt 0 ]; then
  "$here/apt-install.sh" "${missing[@]}"
fi
