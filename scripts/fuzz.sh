#!/usr/bin/env bash
# Fuzzes the parsers of provider input (fuzz/README.md): installs clang and
# its libFuzzer runtime from Debian if missing, builds the fuzz targets in
# build/fuzz, and runs each for SECONDS_PER_TARGET on a scratch copy of its
# corpus in fuzz/corpus. Prints executions and coverage per target; exits
# non-zero when any target crashed, hung or ran out of memory, with the inputs
# saved in .local/fuzz-findings/<target>/ (logs in .local/fuzz-logs/).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]    (default 60 s, every target)
#
# FUZZ_JOBS=N runs N targets at a time (default 1). Stops by itself: each
# target gets -max_total_time, and a watchdog ends it 120 s after that.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

usage() { die "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]"; }

SECONDS_PER_TARGET=${1:-60}
[[ $SECONDS_PER_TARGET =~ ^[1-9][0-9]*$ ]] || usage
if [ $# -gt 0 ]; then shift; fi
JOBS=${FUZZ_JOBS:-1}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "FUZZ_JOBS must be a positive number"

FUZZ_DIR="$DELIVERYD_ROOT/fuzz"
BUILD="$DELIVERYD_ROOT/build/fuzz"
FINDINGS="$DELIVERYD_ROOT/.local/fuzz-findings"
LOGS="$DELIVERYD_ROOT/.local/fuzz-logs"

targets=()
for source_file in "$FUZZ_DIR"/fuzz_*.cpp; do
    targets+=("$(basename "$source_file" .cpp)")
done
if [ $# -gt 0 ]; then
    for wanted in "$@"; do
        [ -f "$FUZZ_DIR/$wanted.cpp" ] || die "no fuzz target $wanted (have: ${targets[*]})"
    done
    targets=("$@")
fi

DELIVERYD_PACKAGES+=(clang-14 libclang-rt-14-dev)
install_packages

log "building the fuzz targets in ${BUILD#"$DELIVERYD_ROOT"/}"
CC=clang-14 CXX=clang++-14 cmake -S "$DELIVERYD_ROOT" -B "$BUILD" -G Ninja \
    -DDELIVERYD_FUZZ=ON -DDELIVERYD_TESTS=OFF -DDELIVERYD_BENCH=OFF >/dev/null
cmake --build "$BUILD" --target "${targets[@]}" -j "$(nproc)"

WORK=$(mktemp -d /tmp/deliveryd-fuzz.XXXXXX)
mkdir -p "$FINDINGS" "$LOGS"

# Ends the watchdogs (each passes the signal on to its fuzzer) of the runs
# still going: by their recorded process ids only.
stop_runs() {
    local pid_file
    for pid_file in "$WORK"/*/pid; do
        [ -f "$pid_file" ] && kill -TERM "$(cat "$pid_file")" 2>/dev/null
    done
    return 0
}
trap 'stop_runs; wait; exit 130' INT TERM
trap 'rm -rf "$WORK"' EXIT

# run_target NAME: one fuzzing session; its exit status goes to $WORK/NAME/rc.
run_target() {
    local name=$1 dir="$WORK/$1" started rc=0
    mkdir -p "$dir/corpus" "$FINDINGS/$name"
    cp -R "$FUZZ_DIR/corpus/$name/." "$dir/corpus/"
    local options=(-max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$FINDINGS/$name/")
    if [ -f "$FUZZ_DIR/dict/$name.dict" ]; then
        options+=(-dict="$FUZZ_DIR/dict/$name.dict")
    fi
    started=$(date +%s)
    # llvm-symbolizer for readable stacks; leaks count as findings.
    PATH="/usr/lib/llvm-14/bin:$PATH" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        timeout --kill-after=30 "$((SECONDS_PER_TARGET + 120))" \
        "$BUILD/fuzz/$name" "${options[@]}" "$dir/corpus" >"$LOGS/$name.log" 2>&1 &
    echo $! >"$dir/pid"
    wait $! || rc=$?
    rm -f "$dir/pid"
    echo $(($(date +%s) - started)) >"$dir/seconds"
    echo "$rc" >"$dir/rc"
}

log "fuzzing ${#targets[@]} targets for ${SECONDS_PER_TARGET}s each, $JOBS at a time"
running=0
for name in "${targets[@]}"; do
    run_target "$name" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait

# final_stat NAME KEY: a value of libFuzzer's final statistics.
final_stat() { sed -n "s/^stat::$2: *//p" "$LOGS/$1.log" | tail -1; }

failed=0
printf '\n%-26s %7s %12s %9s %7s %7s %10s %8s  %s\n' \
    target seconds executions exec/s cov ft corpus rss_mb result
for name in "${targets[@]}"; do
    rc=$(cat "$WORK/$name/rc" 2>/dev/null || echo 1)
    progress=$(grep -E '^#[0-9]+.*cov: ' "$LOGS/$name.log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$progress")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$progress")
    corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$progress")
    case $rc in
        0) result=ok ;;
        124 | 137) result="DID NOT STOP (killed by the watchdog)" ;;
        *) result="FAILED (exit $rc)" ;;
    esac
    [ "$rc" = 0 ] || failed=1
    printf '%-26s %7s %12s %9s %7s %7s %10s %8s  %s\n' "$name" \
        "$(cat "$WORK/$name/seconds" 2>/dev/null || echo -)" \
        "$(final_stat "$name" number_of_executed_units)" "$(final_stat "$name" average_exec_per_sec)" \
        "${cov:--}" "${ft:--}" "${corpus:--}" "$(final_stat "$name" peak_rss_mb)" "$result"
done

for name in "${targets[@]}"; do
    [ "$(cat "$WORK/$name/rc" 2>/dev/null || echo 1)" = 0 ] && continue
    echo
    log "$name failed; log: ${LOGS#"$DELIVERYD_ROOT"/}/$name.log"
    grep -E -m 3 'ERROR: |invariant broken|check: |what: |SUMMARY: ' "$LOGS/$name.log" || true
    for input in "$FINDINGS/$name"/*; do
        [ -f "$input" ] || continue
        echo "  input:     ${input#"$DELIVERYD_ROOT"/}"
        echo "  reproduce: ${BUILD#"$DELIVERYD_ROOT"/}/fuzz/$name ${input#"$DELIVERYD_ROOT"/}"
    done
done
exit "$failed"
