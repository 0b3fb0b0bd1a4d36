#!/usr/bin/env bash
# Stops the throwaway cluster started by start-postgres.sh.
#
#   scripts/stop-postgres.sh [DIR] [--purge]
#
# --purge also deletes DIR (data, socket, log). Stopping a cluster that is not running is not an error.
set -euo pipefail

DIR="${FARAMESH_PG_DIR:-/tmp/faramesh-pg}"
PURGE=0
for arg in "$@"; do
    case "$arg" in
        --purge) PURGE=1 ;;
        *) DIR="$arg" ;;
    esac
done

PGBIN="${FARAMESH_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$PGBIN/pg_ctl" ] && command -v pg_config >/dev/null 2>&1; then PGBIN="$(pg_config --bindir)"; fi

log() { echo "stop-postgres: $*" >&2; }

if [ "$(id -u)" = "0" ]; then
    as_user() { runuser -u faramesh-ci -- "$@"; }
else
    as_user() { "$@"; }
fi

DATA="$DIR/data"
if [ -s "$DATA/PG_VERSION" ] && as_user "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "stopping cluster in $DATA"
    as_user "$PGBIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
else
    log "no running cluster in $DATA"
fi

if [ "$PURGE" = "1" ] && [ -d "$DIR" ]; then
    case "$DIR" in
        /|/tmp|/home|"") log "refusing to delete $DIR"; exit 1 ;;
    esac
    rm -rf -- "$DIR"
    log "deleted $DIR"
fi
