#!/usr/bin/env bash
# Usage: with-services.sh [--postgres] [--redis] -- COMMAND...
#
# Starts throw-away servers on free local ports in a temporary folder, runs COMMAND with
#   PORTAL_TEST_DATABASE_URL  postgresql+psycopg://portal@127.0.0.1:PORT/postgres (a superuser)
#   PORTAL_TEST_REDIS_URL     redis://127.0.0.1:PORT/0
# in its environment, then stops the servers and removes the folder. PostgreSQL runs as an
# unprivileged cluster (initdb refuses root: as root it runs as the `postgres` system user that
# the Debian package creates, else as `nobody`), without fsync: the data is thrown away.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
want_pg=0
want_redis=0
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) want_pg=1 ;;
    --redis) want_redis=1 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ $# -gt 0 ] || { echo "usage: $0 [--postgres] [--redis] -- COMMAND..." >&2; exit 2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

workdir="$(mktemp -d /tmp/portal-services.XXXXXX)"
chmod 755 "$workdir"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  id -u "$user" >/dev/null 2>&1 || user=nobody
  as_user=(runuser -u "$user" --)
fi
pg_bin=""
redis_pid=""

cleanup() {
  if [ -n "$pg_bin" ] && [ -f "$workdir/pg/postmaster.pid" ]; then
    "${as_user[@]}" "$pg_bin/pg_ctl" -D "$workdir/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

if [ "$want_pg" -eq 1 ]; then
  pg_bin="$("$here/ensure-postgres.sh" | tail -n 1)"
  mkdir -p "$workdir/pg"
  [ "${#as_user[@]}" -gt 0 ] && chown "$user" "$workdir/pg"
  "${as_user[@]}" "$pg_bin/initdb" -D "$workdir/pg" -U portal --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 \
    || { cat "$workdir/initdb.log" >&2; exit 1; }
  pg_port="$(free_port)"
  "${as_user[@]}" "$pg_bin/pg_ctl" -D "$workdir/pg" -l "$workdir/pg/server.log" -w -t 60 \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$workdir/pg \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_connections=300 -c shared_buffers=64MB" start >/dev/null \
    || { cat "$workdir/pg/server.log" >&2; exit 1; }
  export PORTAL_TEST_DATABASE_URL="postgresql+psycopg://portal@127.0.0.1:$pg_port/postgres"
  # pg_dump/pg_restore of the server's own version come first on the PATH.
  export PATH="$pg_bin:$PATH"
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port" >&2
fi

if [ "$want_redis" -eq 1 ]; then
  redis_server="$("$here/ensure-redis.sh" | tail -n 1)"
  redis_port="$(free_port)"
  "$redis_server" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$workdir" --logfile "$workdir/redis.log" &
  redis_pid=$!
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $redis_port), 0.2)" \
      2>/dev/null && break
    sleep 0.1
  done
  export PORTAL_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"
  echo "Redis on 127.0.0.1:$redis_port" >&2
fi

set +e
"$@"
status=$?
set -e
exit "$status"
