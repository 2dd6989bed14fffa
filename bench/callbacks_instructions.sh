#!/usr/bin/env bash
# The instructions deliveryd executes per callback, all threads, counted by
# callgrind: a figure that does not move with the load of this shared
# machine, for changes to deliveryd's own work (parsing, copies, the
# answer, the batch's parameters). It says nothing of the kernel's part or
# of PostgreSQL's; bench/callbacks_ab.sh measures those.
#
# Each build in turn: deliveryd under valgrind, its counts zeroed once it is
# ready, `wrk -t2 -cCONNS` for SECONDS with a new SMSID per request
# (bench/callbacks.lua), the counts dumped, and divided by the requests
# answered: the main thread's (the io thread, which reads, parses and
# answers) and the other threads' (the database threads, which merge, build
# the parameters and talk to PostgreSQL). Batches are smaller than without
# valgrind (deliveryd runs some 50 times slower) and differ between builds
# that run at different speeds, so the database threads' per-batch work
# weighs more here, and differently: the mean batch is printed beside them.
# Everything on 127.0.0.1.
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

echo "| build | requests | callbacks per commit | io thread | database threads | all |"
echo "|---|---:|---:|---:|---:|---:|"
for variant in "$@"; do
    label=${variant%%=*}
    binary=${variant#*=}
    config="$PG_DIR/$label.yaml"
    printf 'database:\n  url: %s\nhttp:\n  listen: 127.0.0.1:%s\nlog:\n  level: warn\n' \
        "$URL" "$HTTP_PORT" >"$config"
    out_file="$PG_DIR/$label.callgrind"
    valgrind --tool=callgrind --callgrind-out-file="$out_file" --separate-threads=yes \
        "$binary" run --config "$config" 2>/dev/null &
    daemon=$!
    for _ in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break
        sleep 0.2
    done
    callgrind_control -z "$daemon" >/dev/null 2>&1
    out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" --timeout 10s \
        -s "$DELIVERYD_ROOT/bench/callbacks.lua" "http://127.0.0.1:$HTTP_PORT/callback/esms")
    callgrind_control -d "$daemon" >/dev/null 2>&1
    batch=$(curl -s "http://127.0.0.1:$HTTP_PORT/metrics" |
        awk '/^deliveryd_ingest_batch_size_sum/ { s = $2 } /^deliveryd_ingest_batch_size_count/ { c = $2 }
             END { printf "%.1f", c ? s / c : 0 }')
    kill "$daemon"
    wait "$daemon" || true
    requests=$(echo "$out" | awk '/requests in/ { print $1 }')
    # The dump made on request is part 1, a file per thread; thread 1 is main.
    io=$(awk '/^summary:/ { print $2 }' "$out_file".1-01)
    all=$(cat "$out_file".1-* | awk '/^summary:/ { s += $2 } END { print s }')
    awk -v l="$label" -v r="$requests" -v b="$batch" -v io="$io" -v all="$all" \
        'BEGIN { printf "| %s | %d | %s | %.0f | %.0f | %.0f |\n", l, r, b, io / r, (all - io) / r, all / r }'
done
