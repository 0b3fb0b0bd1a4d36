#!/usr/bin/env bash
# Starts (or reuses) a throwaway PostgreSQL 15 cluster for tests and local development.
#
#   eval "$(scripts/start-postgres.sh [DIR] [PORT])"
#
# DIR  (default $FARAMESH_PG_DIR or /tmp/faramesh-pg) holds data/, sock/ and postgres.log.
# PORT (default $FARAMESH_PG_PORT or 54329); the server listens on 127.0.0.1 only, trust auth on loopback.
# FARAMESH_PG_FSYNC=off trades durability for speed (default: on, real durability).
# When run as root the cluster runs as the unprivileged user `faramesh-ci` (created if missing).
# Only the eval-able `export FARAMESH_TEST_POSTGRES_DSN=...` line goes to stdout; progress goes to stderr.
set -euo pipefail

DIR="${1:-${FARAMESH_PG_DIR:-/tmp/faramesh-pg}}"
PORT="${2:-${FARAMESH_PG_PORT:-54329}}"
FSYNC="${FARAMESH_PG_FSYNC:-on}"
DB="faramesh"

log() { echo "start-postgres: $*" >&2; }

case "$PORT" in ''|*[!0-9]*) log "port must be a number: $PORT"; exit 2 ;; esac
case "$FSYNC" in on|off) ;; *) log "FARAMESH_PG_FSYNC must be on or off"; exit 2 ;; esac

PGBIN="${FARAMESH_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$PGBIN/pg_ctl" ]; then
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/pg_ctl" ]; then
        PGBIN="$(pg_config --bindir)"
    else
        log "PostgreSQL binaries not found (looked in $PGBIN); set FARAMESH_PG_BIN"; exit 1
    fi
fi

if [ "$(id -u)" = "0" ]; then
    RUN_USER="faramesh-ci"
    if ! id "$RUN_USER" >/dev/null 2>&1; then
        log "creating system user $RUN_USER"
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_USER"
    fi
    as_user() { runuser -u "$RUN_USER" -- "$@"; }
else
    RUN_USER="$(id -un)"
    as_user() { "$@"; }
fi

DATA="$DIR/data"
SOCK="$DIR/sock"
LOGFILE="$DIR/postgres.log"

mkdir -p "$DIR" "$SOCK"
if [ "$(id -u)" = "0" ]; then chown "$RUN_USER" "$DIR" "$SOCK"; fi
chmod 700 "$SOCK"

if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initialising cluster in $DATA"
    as_user "$PGBIN/initdb" -D "$DATA" -U "$RUN_USER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2
    # Loopback only: local socket and 127.0.0.1, trust (a throwaway test cluster).
    cat > "$DATA/pg_hba.conf" <<HBA
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
HBA
    if [ "$(id -u)" = "0" ]; then chown "$RUN_USER" "$DATA/pg_hba.conf"; fi
fi

# Settings live in postgresql.auto.conf so a reused cluster picks up a changed port or fsync mode.
as_user tee "$DATA/postgresql.auto.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
fsync = $FSYNC
synchronous_commit = $FSYNC
full_page_writes = $FSYNC
max_connections = 300
shared_buffers = '128MB'
log_min_messages = warning
CONF

is_running() { as_user "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

if is_running; then
    running_port="$(sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true)"
    if [ "$running_port" != "$PORT" ]; then
        log "cluster is running on port $running_port; restarting on $PORT"
        as_user "$PGBIN/pg_ctl" -D "$DATA" -m fast -w restart -l "$LOGFILE" >&2
    else
        log "reusing running cluster on 127.0.0.1:$PORT"
        as_user "$PGBIN/pg_ctl" -D "$DATA" reload >/dev/null
    fi
else
    log "starting cluster on 127.0.0.1:$PORT (fsync=$FSYNC)"
    as_user "$PGBIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 60 start >&2 || {
        log "start failed; last log lines:"; tail -n 20 "$LOGFILE" >&2 || true; exit 1; }
fi

for _ in $(seq 1 120); do
    if as_user "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$RUN_USER" -d postgres; then ready=1; break; fi
    sleep 0.25
done
if [ "${ready:-0}" != "1" ]; then log "server did not become ready"; exit 1; fi

exists="$(as_user "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U "$RUN_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'")"
if [ "$exists" != "1" ]; then
    log "creating database $DB"
    as_user "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$RUN_USER" "$DB"
fi

echo "export FARAMESH_TEST_POSTGRES_DSN=postgres://$RUN_USER@127.0.0.1:$PORT/$DB"
