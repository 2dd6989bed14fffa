#!/usr/bin/env bash
# What one callback's rows cost PostgreSQL, counted in instructions
# (callgrind), so that the figure does not move with the load of this shared
# machine: deliveryd's state row and event, piece by piece (each index, the
# CHECK constraints, the triggers), beside the rows of a minimal receiver (a
# state row of the callback's fields with one key, and an event of id, time
# and payload with one key, written by an upsert, as the peers in
# bench/README.md write them).
#
# A private cluster is migrated and filled by deliveryd under `wrk -c64`
# (bench/callbacks.lua), the rows copied aside in arrival order, and the
# cluster stopped. Then, for each variant, PostgreSQL in single-user mode
# under callgrind (only the executor's run counted) truncates the tables,
# changes what the variant changes, inserts ROWS rows with one INSERT ...
# SELECT from the copy, and puts the change back. The first four variants
# only read the copies: subtract them from the others. Everything on
# 127.0.0.1.
#
# Usage: bench/pg_row_instructions.sh [ROWS]   (default 20000)
# Environment: DELIVERYD_BINARY (build/release/deliveryd).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
ROWS=${1:-20000}
BINARY=${DELIVERYD_BINARY:-$DELIVERYD_ROOT/build/release/deliveryd}
[ -x "$BINARY" ] || die "no deliveryd at $BINARY: run bench/callbacks.sh once, or set DELIVERYD_BINARY"
# valgrind is for the benchmarks alone: not among the packages setup installs.
DELIVERYD_PACKAGES=(valgrind)
install_packages

bench_migrated_database "$BINARY" >/dev/null
sql() { psql -X -qAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d deliveryd "$@"; }

log "filling the tables: deliveryd and wrk -c64 for 6 s"
HTTP_PORT=$(free_port)
config="$PG_DIR/deliveryd.yaml"
printf 'database:\n  url: %s\nhttp:\n  listen: 127.0.0.1:%s\nlog:\n  level: warn\n' \
    "$URL" "$HTTP_PORT" >"$config"
"$BINARY" run --config "$config" &
daemon=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break
    sleep 0.1
done
wrk -t2 -c64 -d6s -s "$DELIVERYD_ROOT/bench/callbacks.lua" \
    "http://127.0.0.1:$HTTP_PORT/callback/esms" >/dev/null
kill "$daemon"
wait "$daemon" || true

state_columns=$(sql -c "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum)
    FROM pg_attribute WHERE attrelid = 'delivery_state'::regclass AND attnum > 0 AND NOT attisdropped")
# The event's identity and arrival time fill themselves, as when deliveryd writes.
event_columns=$(sql -c "SELECT string_agg(quote_ident(attname), ',' ORDER BY attnum)
    FROM pg_attribute WHERE attrelid = 'delivery_event'::regclass AND attnum > 0 AND NOT attisdropped
    AND attname NOT IN ('event_id', 'received_at')")
minimal_columns="sms_id,state,send_status,send_success,send_failed,total_receiver,total_sent,\
total_price,telco_id,phone,type_id,partner_id,error_info,oa_id,template_id"
sql <<SQL
-- The rows in the order they arrived (the order of their events).
CREATE TABLE copy_state AS
    SELECT (row_number() OVER (ORDER BY e.event_id) - 1) AS rn, s.*
    FROM delivery_state AS s JOIN delivery_event AS e USING (sms_id);
CREATE TABLE copy_event AS
    SELECT s.rn, $(echo "$event_columns" | sed 's/[a-z_][a-z_0-9]*/e.&/g')
    FROM delivery_event AS e JOIN copy_state AS s USING (sms_id);
CREATE TABLE minimal_state (sms_id text PRIMARY KEY, state smallint, send_status smallint,
    send_success int, send_failed int, total_receiver int, total_sent int, total_price numeric,
    telco_id smallint, phone text, type_id smallint, partner_id text, error_info text, oa_id text,
    template_id text, updated_at timestamptz);
CREATE TABLE minimal_event (event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sms_id text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(), raw text NOT NULL);
CREATE TABLE copy_minimal_state AS
    SELECT rn, sms_id, 5::smallint AS state, send_status::smallint, send_success, send_failed,
           total_receiver, total_sent, total_price, telco_id::smallint, phone, type_id::smallint,
           partner_id, NULL::text AS error_info, oa_id, template_id
    FROM copy_state;
CREATE TABLE copy_minimal_event AS SELECT rn, sms_id, raw_payload AS raw FROM copy_event;
CREATE INDEX ON copy_state (rn);
CREATE INDEX ON copy_event (rn);
CREATE INDEX ON copy_minimal_state (rn);
CREATE INDEX ON copy_minimal_event (rn);
VACUUM ANALYZE copy_state, copy_event, copy_minimal_state, copy_minimal_event;
SQL
checks=$(sql -F'|' -c "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
    WHERE conrelid = 'delivery_state'::regclass AND contype = 'c' ORDER BY conname")
drop_checks=$(echo "$checks" | awk -F'|' '{ printf "ALTER TABLE delivery_state DROP CONSTRAINT %s;", $1 }')
add_checks=$(echo "$checks" | awk -F'|' '{ printf "ALTER TABLE delivery_state ADD CONSTRAINT %s %s;", $1, $2 }')
pg_stop "$PG_DIR"

range="WHERE rn < $ROWS"
state_insert="INSERT INTO delivery_state ($state_columns) SELECT $state_columns FROM copy_state $range"
event_insert="INSERT INTO delivery_event ($event_columns) SELECT $event_columns FROM copy_event $range"
minimal_updates=$(echo "$minimal_columns" | tr ',' '\n' | sed 1d |
    awk '{ printf "%s%s = excluded.%s", (NR > 1 ? ", " : ""), $1, $1 }')
minimal_state_insert="INSERT INTO minimal_state ($minimal_columns, updated_at)
    SELECT $minimal_columns, now() FROM copy_minimal_state $range
    ON CONFLICT (sms_id) DO UPDATE SET $minimal_updates, updated_at = excluded.updated_at
    WHERE minimal_state.state <= excluded.state"
minimal_event_insert="INSERT INTO minimal_event (sms_id, raw) SELECT sms_id, raw FROM copy_minimal_event $range"
phone_index="ON delivery_state (right(phone, 9), submitted_at DESC) WHERE phone IS NOT NULL"
day_index="ON delivery_state (delivery_day(submitted_at), account)"

# instructions LABEL BEFORE STATEMENT AFTER: the executor's instructions per
# row for STATEMENT, with BEFORE run ahead of it and AFTER behind it. In
# single-user mode a line is a command: each goes on one line.
variant=0
instructions() {
    variant=$((variant + 1))
    local out="$PG_DIR/variant-$variant"
    local command
    for command in "TRUNCATE delivery_state, delivery_event, minimal_state, minimal_event" \
        "$2" "$3" "$4"; do
        echo "$command" | tr '\n' ' '
        echo
    done | as_pg_owner valgrind --tool=callgrind --callgrind-out-file="$out.callgrind" \
        --collect-atstart=no --toggle-collect=standard_ExecutorRun \
        "$PG_BIN/postgres" --single -D "$PG_DIR/data" deliveryd >"$out.log" 2>&1
    if grep -q ERROR "$out.log"; then
        grep ERROR "$out.log" >&2
        die "$1: failed"
    fi
    awk -v l="$1" -v n="$ROWS" '/^summary:/ { s += $2 } END { printf "| %s | %.0f |\n", l, s / n }' \
        "$out.callgrind"
}

echo "| variant | instructions per row |"
echo "|---|---:|"
instructions "reading the copy of delivery_state alone" "" \
    "SELECT count(*) FROM (SELECT $state_columns FROM copy_state $range OFFSET 0) AS x" ""
instructions "reading the copy of delivery_event alone" "" \
    "SELECT count(*) FROM (SELECT $event_columns FROM copy_event $range OFFSET 0) AS x" ""
instructions "reading the minimal state rows' copy alone" "" \
    "SELECT count(*) FROM (SELECT $minimal_columns FROM copy_minimal_state $range OFFSET 0) AS x" ""
instructions "reading the minimal events' copy alone" "" \
    "SELECT count(*) FROM (SELECT sms_id, raw FROM copy_minimal_event $range OFFSET 0) AS x" ""
instructions "delivery_state" "" "$state_insert" ""
instructions "delivery_event" "" "$event_insert" ""
instructions "minimal state row (upsert)" "" "$minimal_state_insert" ""
instructions "minimal event" "" "$minimal_event_insert" ""
instructions "delivery_state without delivery_state_phone_tail" \
    "DROP INDEX delivery_state_phone_tail" "$state_insert" \
    "CREATE INDEX delivery_state_phone_tail $phone_index"
instructions "delivery_state without delivery_state_day" "DROP INDEX delivery_state_day" \
    "$state_insert" "CREATE INDEX delivery_state_day $day_index"
instructions "delivery_state with delivery_state_phone_tail ascending" \
    "DROP INDEX delivery_state_phone_tail; CREATE INDEX delivery_state_phone_tail ON delivery_state (right(phone, 9), submitted_at) WHERE phone IS NOT NULL" \
    "$state_insert" "DROP INDEX delivery_state_phone_tail; CREATE INDEX delivery_state_phone_tail $phone_index"
instructions "delivery_state with delivery_day() as before migration 013" \
    "CREATE OR REPLACE FUNCTION delivery_day(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS \$\$ SELECT (at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date \$\$" \
    "$state_insert" "$(sed -n '/^CREATE OR REPLACE FUNCTION delivery_day/,/^\$\$;/p' \
        "$DELIVERYD_ROOT/sql/013_delivery_day_offset.sql")"
instructions "delivery_state without its CHECK constraints" "$drop_checks" "$state_insert" \
    "$add_checks"
instructions "delivery_state without its triggers" \
    "ALTER TABLE delivery_state DISABLE TRIGGER USER" "$state_insert" \
    "ALTER TABLE delivery_state ENABLE TRIGGER USER"
instructions "delivery_event without delivery_event_sms_id_hash" \
    "DROP INDEX delivery_event_sms_id_hash" "$event_insert" \
    "CREATE INDEX delivery_event_sms_id_hash ON delivery_event USING hash (sms_id)"
instructions "delivery_event with the B-tree on (sms_id, received_at) of before migration 014" \
    "DROP INDEX delivery_event_sms_id_hash; CREATE INDEX delivery_event_sms_id ON delivery_event (sms_id, received_at)" \
    "$event_insert" \
    "DROP INDEX delivery_event_sms_id; CREATE INDEX delivery_event_sms_id_hash ON delivery_event USING hash (sms_id)"
instructions "delivery_event without its primary key" \
    "ALTER TABLE delivery_event DROP CONSTRAINT delivery_event_pkey" "$event_insert" \
    "ALTER TABLE delivery_event ADD PRIMARY KEY (event_id, received_at)"
