#!/usr/bin/env bash
# Two or more builds (or settings) of deliveryd's callback path compared in
# one run: on this shared 2-core machine the same binary moves by a quarter
# between minutes, so variants are alternated round after round (every other
# round in the reverse order) against one PostgreSQL (default settings) and
# the medians compared. Each round of each variant: the tables emptied and a
# checkpoint taken, deliveryd started afresh, `wrk -t2 -cCONNS` for SECONDS
# with a new SMSID per request (bench/callbacks.lua), then requests/s,
# deliveryd's and PostgreSQL's CPU per callback (from /proc) and the mean
# batch per commit. Everything on 127.0.0.1.
#
# Usage: bench/callbacks_ab.sh LABEL=BINARY[:THREADS] LABEL=BINARY[:THREADS] ...
#   e.g. bench/callbacks_ab.sh before=/tmp/deliveryd.old after=build/release/deliveryd:1
# Environment: CONNS (256), ROUNDS (4), SECONDS_PER_RUN (10).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
CONNS=${CONNS:-256}
ROUNDS=${ROUNDS:-4}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
[ $# -ge 2 ] || die "usage: bench/callbacks_ab.sh LABEL=BINARY[:THREADS] LABEL=BINARY[:THREADS] ..."

first=${1#*=}
bench_migrated_database "${first%:*}" >/dev/null
HTTP_PORT=$(free_port)
RESULTS="$PG_DIR/results"  # removed with the cluster

# Empties the tables the callbacks fill and checkpoints: every run starts
# from the same empty tables, a checkpoint behind it. Without this each run
# wrote into the rows of all runs before it (a deeper index, more of it
# outside shared_buffers), which favoured whichever variant ran first in a
# round.
fresh_tables() {
    psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d deliveryd \
        -c "TRUNCATE delivery_state, delivery_event" -c "CHECKPOINT"
}

# one_run LABEL BINARY THREADS: appends "label rps daemon_us pg_us batch".
one_run() {
    fresh_tables
    local config="$PG_DIR/$1.yaml"
    printf 'database:\n  url: %s\nhttp:\n  listen: 127.0.0.1:%s\n%slog:\n  level: warn\n' \
        "$URL" "$HTTP_PORT" "${3:+  threads: $3
}" >"$config"
    "$2" run --config "$config" &
    local daemon=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break
        sleep 0.1
    done
    local d0 pid
    declare -A pg0=()
    d0=$(cpu_ticks "$daemon")
    for pid in $(pg_processes "$PG_DIR"); do pg0[$pid]=$(cpu_ticks "$pid"); done
    local out
    out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" --timeout 10s \
        -s "$DELIVERYD_ROOT/bench/callbacks.lua" "http://127.0.0.1:$HTTP_PORT/callback/esms")
    local d1 pg=0
    d1=$(cpu_ticks "$daemon")
    for pid in $(pg_processes "$PG_DIR"); do
        pg=$((pg + $(cpu_ticks "$pid") - ${pg0[$pid]:-0}))
    done
    local batches
    batches=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" |
        awk '/^deliveryd_ingest_batch_size_sum/ { s = $2 } /^deliveryd_ingest_batch_size_count/ { c = $2 }
             END { printf "%.1f", c ? s / c : 0 }')
    kill "$daemon"
    wait "$daemon" || true
    local requests rps
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    awk -v l="$1" -v r="$rps" -v n="$requests" -v d=$((d1 - d0)) -v p="$pg" -v b="$batches" \
        -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%s %.0f %.1f %.1f %s\n", l, r, d / hz * 1e6 / n, p / hz * 1e6 / n, b }' |
        tee -a "$RESULTS"
}

log "$ROUNDS rounds of ${SECONDS_PER_RUN}s at $CONNS connections: label requests/s deliveryd_us pg_us batch"
variants=("$@")
for round in $(seq 1 "$ROUNDS"); do
    # Every other round in the reverse order.
    order=("${variants[@]}")
    if ((round % 2 == 0)); then
        order=()
        for ((i = ${#variants[@]} - 1; i >= 0; i--)); do order+=("${variants[i]}"); done
    fi
    for variant in "${order[@]}"; do
        label=${variant%%=*}
        binary=${variant#*=}
        threads=
        if [[ "$binary" == *:* ]]; then
            threads=${binary##*:}
            binary=${binary%:*}
        fi
        one_run "$label" "$binary" "$threads"
    done
done

log "medians"
printf '| variant | requests/s | deliveryd µs/cb | PostgreSQL µs/cb | callbacks per commit |\n|---|---:|---:|---:|---:|\n'
for variant in "$@"; do
    label=${variant%%=*}
    awk -v l="$label" '$1 == l' "$RESULTS" | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin]
med = lambda i: statistics.median(float(r[i]) for r in rows)
print(f"| {rows[0][0]} | {med(1):,.0f} | {med(2):.1f} | {med(3):.1f} | {med(4):.0f} |")'
done
