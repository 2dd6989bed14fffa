#!/usr/bin/env bash
# The archive while callbacks run: a private PostgreSQL (default settings)
# filled with ROWS messages submitted over 90 days (bench/fill_states.sql,
# no events), then two rounds of LOAD_SECONDS (default 60) of callbacks at
# full speed (wrk, bench/scale_callbacks.lua) against deliveryd's release
# build:
#   A. archive.after 3650d: nothing to move (the baseline);
#   B. archive.after 30d: two thirds of the rows are due to move, and the
#      daemon moves them while the callbacks run, then goes on without
#      callbacks until none is left (at most 10 minutes).
# Reports the callbacks' requests/s and latency in each round (B / A is the
# archive's cost to them), the rows moved in B per second, the rows left to
# move, and delivery_state's size before and after.
# Everything on 127.0.0.1; about 5 minutes at the default size.
#
# Usage: bench/archive.sh
# Environment: ROWS (default 2,000,000), LOAD_SECONDS; BUILD (default build/release).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
ROWS=${ROWS:-2000000}
LOAD_SECONDS=${LOAD_SECONDS:-60}

bench_build
bench_migrated_database "$BUILD/deliveryd"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$URL")

log "filling delivery_state: $ROWS messages over 90 days"
"${PSQL[@]}" -v n="$ROWS" -v accounts=0 -f "$DELIVERYD_ROOT/bench/fill_states.sql"
"${PSQL[@]}" -c "VACUUM (ANALYZE) delivery_state"
# Rows final for more than 30 days: what archive.after 30d moves.
due_rows() {
    "${PSQL[@]}" -tA -c "SELECT count(*) FROM delivery_state
        WHERE is_final AND final_at < now() - interval '30 days'
          AND delivery_day(submitted_at) < delivery_day(now() - interval '30 days')"
}
DUE=$(due_rows)
echo "rows final for more than 30 days: $DUE"

CONFIG="$PG_DIR/archive.yaml"
HTTP_PORT=$(free_port)
DAEMON_PID=
trap '[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null; wait 2>/dev/null; pg_stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT

# round NAME ARCHIVE_AFTER: deliveryd with that archive.after under LOAD_SECONDS
# of callbacks; prints wrk's figures and the rows moved meanwhile.
round() {
    local name=$1 after=$2
    cat >"$CONFIG" <<YAML
database:
  url: $URL
http:
  listen: 127.0.0.1:$HTTP_PORT
reconcile:
  poll: false
archive:
  after: $after
log:
  level: warn
YAML
    local before
    before=$("${PSQL[@]}" -tA -c "SELECT rows_archived FROM deliveryd_archive_progress")
    "$BUILD/deliveryd" run --config "$CONFIG" >"$CONFIG.$name.log" 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break; sleep 0.2; done
    wrk -t2 -c64 -d"${LOAD_SECONDS}s" --latency -s "$DELIVERYD_ROOT/bench/scale_callbacks.lua" \
        "http://127.0.0.1:$HTTP_PORT" >"$CONFIG.$name.wrk" 2>&1
    MOVED_UNDER_LOAD[$name]=$(($("${PSQL[@]}" -tA -c "SELECT rows_archived FROM deliveryd_archive_progress") - before))
    # Then, without callbacks, until nothing is due any more (at most 10
    # minutes), when this round archives.
    local waited=0
    while [ "$name" = B ] && [ "$waited" -lt 600 ] && [ "$(due_rows)" -gt 0 ]; do
        sleep 5
        waited=$((waited + 5))
    done
    DRAIN[$name]=$waited
    kill "$DAEMON_PID"
    wait "$DAEMON_PID" || true
    DAEMON_PID=
    local after_rows moved
    after_rows=$("${PSQL[@]}" -tA -c "SELECT rows_archived FROM deliveryd_archive_progress")
    moved=$((after_rows - before))
    RPS[$name]=$(awk '/Requests\/sec/ { print $2 }' "$CONFIG.$name.wrk")
    P99[$name]=$(awk '$1 == "99%" { print $2 }' "$CONFIG.$name.wrk")
    MOVED[$name]=$moved
    echo "round $name (archive.after $after): ${RPS[$name]} callbacks/s, p99 ${P99[$name]}," \
        "${MOVED_UNDER_LOAD[$name]} rows archived under load" \
        "($(awk -v m="${MOVED_UNDER_LOAD[$name]}" -v s="$LOAD_SECONDS" 'BEGIN { printf "%.0f", m / s }') rows/s)," \
        "$moved in all; nothing left due ${DRAIN[$name]} s after the load"
    grep -E "Non-2xx|Socket errors" "$CONFIG.$name.wrk" || true
}

declare -A RPS P99 MOVED MOVED_UNDER_LOAD DRAIN
SIZE_BEFORE=$("${PSQL[@]}" -tA -c "SELECT pg_size_pretty(pg_total_relation_size('delivery_state'))")
log "A. $LOAD_SECONDS s of callbacks, nothing to archive"
round A 3650d
log "B. $LOAD_SECONDS s of callbacks while $DUE rows are due to move"
round B 30d
LEFT=$(due_rows)

log "summary: $ROWS messages"
echo "callbacks/s: A ${RPS[A]}, B ${RPS[B]} (B/A $(awk -v a="${RPS[A]}" -v b="${RPS[B]}" 'BEGIN { printf "%.2f", b / a }')); p99: A ${P99[A]}, B ${P99[B]}"
echo "archived in B: ${MOVED_UNDER_LOAD[B]} rows in $LOAD_SECONDS s under load ($(awk -v m="${MOVED_UNDER_LOAD[B]}" -v s="$LOAD_SECONDS" 'BEGIN { printf "%.0f", m / s }') rows/s), ${MOVED[B]} in all, $LEFT still due ${DRAIN[B]} s after the load"
"${PSQL[@]}" -c "VACUUM delivery_state"
echo "delivery_state with its indexes: $SIZE_BEFORE before; $("${PSQL[@]}" -tA -c "SELECT pg_size_pretty(pg_total_relation_size('delivery_state'))") after (space reused, not returned)"
"${PSQL[@]}" -c "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE relname LIKE 'delivery_state%' ORDER BY 1"
