#!/usr/bin/env bash
# Plans and timings of the DBA queries of docs/dba.md at scale: a private
# PostgreSQL (default settings), migrated by deliveryd, filled with
# 1,000,000 delivery_state rows over the last 90 days (four accounts, SMS /
# Viber / ZNS through eSMS and eTelecom, ~95% final, ~4% with an error code,
# ~5% unresolved, all of those in the last 7 days) and ~1.6 delivery_event
# rows per message across the monthly partitions; then VACUUM ANALYZE, and
# for each query EXPLAIN (ANALYZE, BUFFERS) and its time over 5 warm runs.
# Everything on 127.0.0.1; about 30 seconds at the default size (plus a build).
#
# Usage: bench/dba_plans.sh [rows, default 1000000]
# Environment: DELIVERYD, a built deliveryd binary to migrate with (any build
# type; skips the build); otherwise BUILD, the release build tree (default
# build/release), is built first.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
ROWS=${1:-1000000}
RUNS=5

if [ -z "${DELIVERYD:-}" ]; then
    bench_build
    DELIVERYD=$BUILD/deliveryd
else
    install_packages
fi

bench_migrated_database "$DELIVERYD"

PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$URL")

# seconds_since START: wall time since START (from `date +%s.%N`).
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

log "filling delivery_state with $ROWS rows over 90 days"
t0=$(date +%s.%N)
"${PSQL[@]}" -v n="$ROWS" -v accounts=0 -f "$DELIVERYD_ROOT/bench/fill_states.sql"
echo "delivery_state filled in $(seconds_since "$t0") s"

log "filling delivery_event (~1.6 reports per message)"
t0=$(date +%s.%N)
"${PSQL[@]}" -f "$DELIVERYD_ROOT/bench/fill_events.sql"
echo "delivery_event filled in $(seconds_since "$t0") s"

log "VACUUM ANALYZE"
t0=$(date +%s.%N)
"${PSQL[@]}" -c "VACUUM (ANALYZE) delivery_state" -c "VACUUM (ANALYZE) delivery_event"
echo "vacuumed and analyzed in $(seconds_since "$t0") s"

"${PSQL[@]}" <<'SQL'
SELECT count(*) AS messages,
       round(100.0 * count(*) FILTER (WHERE is_final) / count(*), 1) AS final_pct,
       round(100.0 * count(error_code) / count(*), 1) AS error_pct,
       (SELECT count(*) FROM delivery_event) AS events
FROM delivery_state;
SELECT c.relname AS relation, pg_size_pretty(pg_relation_size(c.oid)) AS size
FROM pg_class AS c
WHERE c.relname LIKE 'delivery_state%' OR c.relname LIKE 'delivery_event%'
ORDER BY c.relkind DESC, c.relname;
SQL

# One message with an earlier and a deciding report, for the history query.
SMS_ID=$("${PSQL[@]}" -tA -c "SELECT sms_id FROM delivery_state
    WHERE state_at IS NOT NULL AND abs(hashtext(sms_id)) % 3 <> 0 LIMIT 1")

dba_queries "$URL" "$SMS_ID" "$RUNS"

printf '\n\033[1m== %s rows: median and fastest of %s runs\033[0m\n' "$ROWS" "$RUNS"
printf '%s\n' "${SUMMARY[@]}"
