#!/usr/bin/env bash
# Durable callbacks per second: wrk against deliveryd's callback
# route, every request a new SMSID, answered 200 only after its commit; the
# same load against /healthz (the HTTP ceiling of the same server); and
# store.apply alone at batch 1000 (the database ceiling). Everything on
# 127.0.0.1, PostgreSQL with its default settings (so fsync and
# synchronous_commit on); about 2 minutes.
#
# Usage: bench/callbacks.sh [seconds per run, default 15]
# Environment: BUILD, the release build tree (default build/release);
# COMMITS_IN_FLIGHT, POOL_SIZE, MAX_BATCH, HTTP_THREADS override deliveryd's
# defaults; STATEMENTS=1 also prints PostgreSQL's time per statement (from
# pg_stat_statements, which costs a few per cent).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
DURATION=${1:-15}

bench_build

WORK=$(mktemp -d /tmp/deliveryd-bench.XXXXXX)
chmod 755 "$WORK"
PG_DIR="$WORK/pg"
PG_PORT=$(free_port)
HTTP_PORT=$(free_port)
DAEMON_PID=
cleanup() {
    [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
    pg_stop "$PG_DIR"
    rm -rf "$WORK"
}
trap cleanup EXIT
bench_pg_start "$PG_DIR" "$PG_PORT" "${STATEMENTS:-0}"
URL="postgresql://deliveryd@127.0.0.1:$PG_PORT/deliveryd"
cat >"$WORK/deliveryd.yaml" <<YAML
database:
  url: $URL
${POOL_SIZE:+  pool_size: $POOL_SIZE}
${COMMITS_IN_FLIGHT:+  commits_in_flight: $COMMITS_IN_FLIGHT}
${MAX_BATCH:+  max_batch: $MAX_BATCH}
http:
  listen: 127.0.0.1:$HTTP_PORT
${HTTP_THREADS:+  threads: $HTTP_THREADS}
log:
  level: warn
YAML
"$BUILD/deliveryd" migrate --config "$WORK/deliveryd.yaml"
"$BUILD/deliveryd" run --config "$WORK/deliveryd.yaml" &
DAEMON_PID=$!
for _ in $(seq 1 50); do port_in_use "$HTTP_PORT" && break; sleep 0.1; done

psql_count() { psql -X -qAt -h 127.0.0.1 -p "$PG_PORT" -U deliveryd deliveryd -c "$1"; }

run_wrk() {  # connections target [script]
    wrk -t2 -c"$1" -d"${DURATION}s" --latency --timeout 10s \
        ${3:+-s "$3"} "http://127.0.0.1:$HTTP_PORT$2"
}

# callbacks CONNECTIONS: one wrk run, the rows it stored, where the CPU went.
callbacks() {
    echo "## callbacks, $1 connections"
    local before after
    before=$(psql_count "SELECT count(*) FROM delivery_state")
    cpu_begin "$DAEMON_PID" "$PG_DIR"
    run_wrk "$1" /callback/esms "$DELIVERYD_ROOT/bench/callbacks.lua"
    cpu_end
    after=$(psql_count "SELECT count(*) FROM delivery_state")
    echo "rows stored: $((after - before))"
    [ "${STATEMENTS:-0}" = 1 ] && statement_times "$PG_PORT"
    return 0
}

callbacks 64
callbacks 256

echo "## /healthz, 64 connections (HTTP ceiling)"
run_wrk 64 /healthz
echo "## /healthz, 256 connections"
run_wrk 256 /healthz

echo "## deliveryd memory"
grep -E 'VmHWM|VmRSS' "/proc/$DAEMON_PID/status"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" |
    grep -E '^deliveryd_(callbacks_total|ingest_batch_size_(sum|count))'

kill "$DAEMON_PID"; wait "$DAEMON_PID" || true; DAEMON_PID=
echo "## store.apply alone (database ceiling)"
"$BUILD/bench/bench_store_apply" "$URL" 1 "batch 100"
