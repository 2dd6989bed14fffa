#!/usr/bin/env bash
# Capacity at scale: a private PostgreSQL (default settings) migrated by
# deliveryd and filled with ROWS messages (default 10,000,000) submitted over
# 90 days across ACCOUNTS eSMS accounts (default 1,000; the busiest tenth
# carries a third of the traffic), with ~1.6 reports each in delivery_event
# (bench/fill_states.sql, bench/fill_events.sql). Then it measures:
#   1. the fill itself (rows/s of one INSERT ... SELECT, every index on);
#   2. bytes per message in each table and each index;
#   3. `deliveryd status` (wall time, median of 3);
#   4. the claim query (bench_claim: PollStore::claim_due for random
#      accounts, each lane, p50/p99 of 400 claims);
#   5. each DBA query of docs/dba.md (median of 5 warm runs; plans printed);
#   6. each lookup of the admin listener (JSON API and pages), median of 5;
#   7. LOAD_SECONDS (default 600) of callbacks at full speed (wrk,
#      bench/scale_callbacks.lua: each message created, then updated), with
#      delivery_state's dead tuples and autovacuum runs sampled every 30 s.
# Everything on 127.0.0.1. About 10 GB of disk and 30-45 minutes at the
# default size (the fill is most of it, then the load).
#
# Usage: bench/scale.sh
# Environment: ROWS, ACCOUNTS, LOAD_SECONDS; BUILD (default build/release).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
ROWS=${ROWS:-10000000}
ACCOUNTS=${ACCOUNTS:-1000}
LOAD_SECONDS=${LOAD_SECONDS:-600}

bench_build
bench_migrated_database "$BUILD/deliveryd"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$URL")
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

log "1. filling delivery_state: $ROWS messages, $ACCOUNTS accounts"
t0=$(date +%s.%N)
"${PSQL[@]}" -v n="$ROWS" -v accounts="$ACCOUNTS" -f "$DELIVERYD_ROOT/bench/fill_states.sql"
took=$(seconds_since "$t0")
echo "delivery_state filled in $took s: $(awk -v n="$ROWS" -v s="$took" 'BEGIN { printf "%.0f", n / s }') rows/s"
t0=$(date +%s.%N)
"${PSQL[@]}" -f "$DELIVERYD_ROOT/bench/fill_events.sql"
echo "delivery_event filled in $(seconds_since "$t0") s"
t0=$(date +%s.%N)
"${PSQL[@]}" -c "VACUUM (ANALYZE) delivery_state" -c "VACUUM (ANALYZE) delivery_event"
echo "vacuumed and analyzed in $(seconds_since "$t0") s"

log "2. bytes per message"
"${PSQL[@]}" <<'SQL'
WITH messages AS (SELECT reltuples AS n FROM pg_class WHERE relname = 'delivery_state'),
rels AS (
    -- Each table (its partitions summed) and each index (likewise).
    SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'table' ELSE 'index' END AS kind,
           coalesce(parent.relname, c.relname) AS name,
           sum(pg_relation_size(c.oid)) AS bytes
    FROM pg_class AS c
    LEFT JOIN pg_inherits AS i ON i.inhrelid = c.oid
    LEFT JOIN pg_class AS parent ON parent.oid = i.inhparent
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')
      AND (c.relname LIKE 'delivery_state%' OR c.relname LIKE 'delivery_event%')
    GROUP BY 1, 2
)
SELECT kind, name, pg_size_pretty(bytes::bigint) AS size,
       round(bytes / (SELECT n FROM messages)) AS bytes_per_message
FROM rels ORDER BY kind DESC, bytes DESC;
SELECT count(*) AS messages, (SELECT count(*) FROM delivery_event) AS events,
       count(*) FILTER (WHERE NOT is_final) AS unresolved,
       count(DISTINCT account) AS accounts
FROM delivery_state;
SQL

log "3. deliveryd status"
CONFIG="$PG_DIR/scale.yaml"  # removed with the cluster
printf 'database:\n  url: %s\nlog:\n  level: warn\n' "$URL" >"$CONFIG"
status_times=()
for _ in 1 2 3; do
    t0=$(date +%s.%N)
    "$BUILD/deliveryd" status --config "$CONFIG" >"$CONFIG.out"
    status_times+=("$(seconds_since "$t0")")
done
head -20 "$CONFIG.out"
STATUS_MEDIAN=$(printf '%s\n' "${status_times[@]}" | sort -n | sed -n 2p)
echo "deliveryd status: ${status_times[*]} s (median $STATUS_MEDIAN s)"

log "4. the claim query"
"$BUILD/bench/bench_claim" "$URL" "$ACCOUNTS" 400 200 | tee "$CONFIG.claim"

log "5. the DBA queries of docs/dba.md"
SMS_ID=$("${PSQL[@]}" -tA -c "SELECT sms_id FROM delivery_state
    WHERE state_at IS NOT NULL AND abs(hashtext(sms_id)) % 3 <> 0 LIMIT 1")
dba_queries "$URL" "$SMS_ID" 5

log "6. the admin listener at this size: each lookup, median of 5 (curl, warm)"
HTTP_PORT=$(free_port)
ADMIN_PORT=$(free_port)
ADMIN_TOKEN=scale-bench-admin-token
cat >"$CONFIG" <<YAML
database:
  url: $URL
http:
  listen: 127.0.0.1:$HTTP_PORT
admin:
  listen: 127.0.0.1:$ADMIN_PORT
  token: $ADMIN_TOKEN
reconcile:
  poll: false
log:
  level: warn
YAML
"$BUILD/deliveryd" run --config "$CONFIG" >"$CONFIG.admin.log" 2>&1 &
DAEMON_PID=$!
trap 'kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; pg_stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break; sleep 0.2; done
PHONE=$("${PSQL[@]}" -tA -c "SELECT phone FROM delivery_state WHERE sms_id = '$SMS_ID'")
REQUEST_ID=$("${PSQL[@]}" -tA -c "UPDATE delivery_state SET request_id = 'scale-request'
    WHERE sms_id IN (SELECT sms_id FROM delivery_state LIMIT 20) RETURNING request_id" | head -1)
ADMIN_SUMMARY=()
for path in "/api/messages/$SMS_ID" "/api/messages?phone=$PHONE" \
    "/api/messages?request_id=$REQUEST_ID" "/messages/$SMS_ID" "/messages?q=$PHONE" "/"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" \
        "http://127.0.0.1:$ADMIN_PORT$path")
    times=$(for _ in 1 2 3 4 5; do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $ADMIN_TOKEN" \
            "http://127.0.0.1:$ADMIN_PORT$path"
    done | sort -n)
    median=$(echo "$times" | awk 'NR == 3 { printf "%.1f", $1 * 1000 }')
    ADMIN_SUMMARY+=("$(printf '%-48s %5s %10s ms' "GET $path" "$code" "$median")")
    echo "${ADMIN_SUMMARY[-1]}"
done
kill "$DAEMON_PID"
wait "$DAEMON_PID" || true

log "7. $LOAD_SECONDS s of callbacks; delivery_state's dead tuples every 30 s"
cat >"$CONFIG" <<YAML
database:
  url: $URL
http:
  listen: 127.0.0.1:$HTTP_PORT
reconcile:
  poll: false
log:
  level: warn
YAML
"$BUILD/deliveryd" run --config "$CONFIG" >"$CONFIG.log" 2>&1 &
DAEMON_PID=$!
trap 'kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; pg_stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break; sleep 0.2; done
wrk -t2 -c64 -d"${LOAD_SECONDS}s" -s "$DELIVERYD_ROOT/bench/scale_callbacks.lua" \
    "http://127.0.0.1:$HTTP_PORT" >"$CONFIG.wrk" 2>&1 &
WRK_PID=$!
printf '%6s %12s %12s %12s %14s\n' seconds live_tuples dead_tuples autovacuums last_autovacuum
start=$SECONDS
while kill -0 "$WRK_PID" 2>/dev/null; do
    "${PSQL[@]}" -tA -F' ' -c "SELECT n_live_tup, n_dead_tup, autovacuum_count,
            coalesce(to_char(last_autovacuum, 'HH24:MI:SS'), '-')
        FROM pg_stat_user_tables WHERE relname = 'delivery_state'" |
        awk -v s=$((SECONDS - start)) '{ printf "%6d %12d %12d %12d %14s\n", s, $1, $2, $3, $4 }'
    sleep 30
done
wait "$WRK_PID" || true
grep -E "Requests/sec|Non-2xx|Socket errors" "$CONFIG.wrk" || true

log "summary: $ROWS messages, $ACCOUNTS accounts"
echo "deliveryd status: median $STATUS_MEDIAN s"
sed -n 2,4p "$CONFIG.claim"
printf '%-48s %13s %13s\n' "DBA query" "median" "fastest"
printf '%s\n' "${SUMMARY[@]}"
printf '%-48s %5s %13s\n' "admin lookup" "code" "median"
printf '%s\n' "${ADMIN_SUMMARY[@]}"
