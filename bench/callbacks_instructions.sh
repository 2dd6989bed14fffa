#!/usr/bin/env bash
# The instructions deliveryd executes per callback, all threads, counted by
# callgrind: a figure that does not move with the load of this shared
# machine, for changes to deliveryd's own work (parsing, copies, the
# answer, the batch's parameters). It says nothing of the kernel's part or
# of PostgreSQL's; bench/callbacks_ab.sh measures those.
#
# Each build in turn: deliveryd under valgrind, its counts zeroed once it is
# ready, `wrk -t2 -cCONNS` for SECONDS with a new SMSID per request
# (bench/callbacks.lua), the counts dumped, and their total divided by the
# requests answered. Batches are smaller than without valgrind (deliveryd
# runs some 50 times slower), so per-batch work weighs more here. Everything
# on 127.0.0.1.
#
# Usage: bench/callbacks_instructions.sh LABEL=BINARY [LABEL=BINARY ...]
# Environment: CONNS (32), SECONDS_PER_RUN (10).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
CONNS=${CONNS:-32}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
[ $# -ge 1 ] || die "usage: bench/callbacks_instructions.sh LABEL=BINARY [LABEL=BINARY ...]"
# valgrind is for this benchmark alone: not among the packages setup installs.
DELIVERYD_PACKAGES=(valgrind)
install_packages

first=${1#*=}
bench_migrated_database "$first" >/dev/null
HTTP_PORT=$(free_port)

echo "| build | requests | instructions per callback |"
echo "|---|---:|---:|"
for variant in "$@"; do
    label=${variant%%=*}
    binary=${variant#*=}
    config="$PG_DIR/$label.yaml"
    printf 'database:\n  url: %s\nhttp:\n  listen: 127.0.0.1:%s\nlog:\n  level: warn\n' \
        "$URL" "$HTTP_PORT" >"$config"
    out_file="$PG_DIR/$label.callgrind"
    valgrind --tool=callgrind --callgrind-out-file="$out_file" --separate-threads=no \
        "$binary" run --config "$config" 2>/dev/null &
    daemon=$!
    for _ in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break
        sleep 0.2
    done
    callgrind_control -z "$daemon" >/dev/null
    out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" --timeout 10s \
        -s "$DELIVERYD_ROOT/bench/callbacks.lua" "http://127.0.0.1:$HTTP_PORT/callback/esms")
    callgrind_control -d "$daemon" >/dev/null
    kill "$daemon"
    wait "$daemon" || true
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    # The dump made on request is the file with the part number 1.
    total=$(awk '/^summary:/ { print $2 }' "$out_file".1)
    awk -v l="$label" -v r="$requests" -v t="$total" \
        'BEGIN { printf "| %s | %d | %.0f |\n", l, r, t / r }'
done
