#!/usr/bin/env bash
# What the delivery_state triggers (sql/004: an unresolved row always has a
# next poll) cost per row written, measured as a ratio in one run: the same
# INSERTs and UPDATEs with the triggers enabled and disabled, interleaved,
# on a private PostgreSQL with the migrations applied.
#
#   bench/trigger_cost.sh [ROWS] [ROUNDS]      (default 200000 rows, 7 rounds)
#
# The rows are what deliveryd writes on its hot path: an unresolved row with
# its next poll set (the triggers' WHEN clause is false, so the function
# never runs), and an update of such a row. Prints the median time of each
# statement and the difference per row.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"

ROWS=${1:-200000}
ROUNDS=${2:-7}

install_packages
PG_DIR=$(mktemp -d /tmp/deliveryd-bench-pg.XXXXXX)
PG_PORT=$(free_port)
trap 'pg_stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
bench_pg_start "$PG_DIR" "$PG_PORT"
URL="postgresql://deliveryd@127.0.0.1:$PG_PORT/deliveryd"
for migration in "$DELIVERYD_ROOT"/sql/[0-9]*.sql; do
    psql -q -X -v ON_ERROR_STOP=1 -1 -d "$URL" -f "$migration" >/dev/null
done

# Milliseconds one statement takes, as psql's \timing reports it.
timed() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$URL" -c '\timing on' -c "$1" |
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

insert_sql="INSERT INTO delivery_state (sms_id, type_id, state, send_status)
SELECT 'bench-' || g, 2, 'waiting', 2 FROM generate_series(1, $ROWS) AS g"
update_sql="UPDATE delivery_state SET state = 'sent_to_telco', send_status = 7, updated_at = now()"

declare -A times
for round in $(seq 1 "$ROUNDS"); do
    # Alternate which goes first, so that neither always follows the other.
    order="enabled disabled"
    [ $((round % 2)) = 0 ] && order="disabled enabled"
    for mode in $order; do
        psql -X -q -d "$URL" -c "TRUNCATE delivery_state" \
            -c "ALTER TABLE delivery_state $([ $mode = enabled ] && echo ENABLE || echo DISABLE) TRIGGER USER"

        psql -X -q -d "$URL" -c "VACUUM delivery_state"
        times[$mode,insert]+="$(timed "$insert_sql") "
        psql -X -q -d "$URL" -c "VACUUM delivery_state"
        times[$mode,update]+="$(timed "$update_sql") "
    done
    log "round $round of $ROUNDS done"
done

# quantile Q: the Q-th quantile (0..1) of the numbers on stdin.
quantile() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * (NR - 1) + 1.5); print v[i] }'; }
printf '\n%s rows per statement, %s rounds (ms: median, and the quartiles)\n\n' "$ROWS" "$ROUNDS"
printf '| statement | triggers enabled | triggers disabled | ratio of medians | per row |\n|---|---:|---:|---:|---:|\n'
for statement in insert update; do
    on=$(quantile 0.5 <<<"${times[enabled,$statement]}")
    off=$(quantile 0.5 <<<"${times[disabled,$statement]}")
    awk -v s="$statement" -v on="$on" -v off="$off" -v n="$ROWS" \
        -v a1="$(quantile 0.25 <<<"${times[enabled,$statement]}")" \
        -v a3="$(quantile 0.75 <<<"${times[enabled,$statement]}")" \
        -v b1="$(quantile 0.25 <<<"${times[disabled,$statement]}")" \
        -v b3="$(quantile 0.75 <<<"${times[disabled,$statement]}")" 'BEGIN {
        printf "| %s | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) | %.3f | %+.2f µs |\n",
            s, on, a1, a3, off, b1, b3, on / off, (on - off) * 1000 / n }'
done
