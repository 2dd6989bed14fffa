#!/usr/bin/env bash
# The long resilience runs: deliveryd killed with SIGKILL at random
# moments (0.5-3 s apart) for at least 75 s under 32 connections of callback
# load, and a 10 s PostgreSQL outage under the same load. Prints one summary
# line per run (for docs/reliability.md); exits non-zero if a run failed.
# Everything on 127.0.0.1; the runs take about 2 minutes (at most 5, then
# they are stopped), plus the build.
#
# Usage: tests/resilience/run.sh [extra gtest arguments, e.g. --gtest_filter=DatabaseLoss.*]
# Environment: BUILD, the build tree (default build/resilience, RelWithDebInfo);
# SANITIZE=1 builds it with AddressSanitizer and UBSan; JOBS, build jobs
# (default nproc).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"
source "$(dirname "$0")/../../scripts/lib/postgres.sh"

install_packages
BUILD=${BUILD:-$DELIVERYD_ROOT/build/resilience}
log "building in $BUILD"
cmake -S "$DELIVERYD_ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDELIVERYD_SANITIZE="$([ "${SANITIZE:-0}" = 1 ] && echo ON || echo OFF)" >/dev/null
cmake --build "$BUILD" -j "${JOBS:-$(nproc)}" --target deliveryd loadgen resilience_tests

WORK=$(mktemp -d /tmp/deliveryd-resilience.XXXXXX)
chmod 755 "$WORK"
PG_DIR="$WORK/pg"
cleanup() { pg_stop "$PG_DIR"; rm -rf "$WORK"; }
trap cleanup EXIT
PG_PORT=$(free_port) || die "no free port for PostgreSQL"
log "starting a throwaway PostgreSQL on 127.0.0.1:$PG_PORT (default settings, fsync on)"
pg_start "$PG_DIR" "$PG_PORT"

export DELIVERYD_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export DELIVERYD_RESILIENCE_LONG=1
export DELIVERYD_RESILIENCE_SUMMARY="$WORK/summary.txt"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$DELIVERYD_ROOT/tests/lsan.supp"

log "running the long variants"
status=0
timeout --kill-after=10 300 "$BUILD/tests/resilience/resilience_tests" "$@" || status=$?

log "summaries"
cat "$DELIVERYD_RESILIENCE_SUMMARY" 2>/dev/null || echo "(none)"
exit "$status"
