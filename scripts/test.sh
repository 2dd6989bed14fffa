#!/usr/bin/env bash
# Sets everything up and runs every test: Debian packages -> build with
# AddressSanitizer and UndefinedBehaviorSanitizer, warnings as errors ->
# formatting, reference and layer checks -> each public header compiled
# alone -> deploy/ manifests validated offline -> a throwaway
# PostgreSQL -> unit, integration, browser and resilience tests (while the
# next two stages' trees build at idle priority) -> the concurrent parts
# again under ThreadSanitizer -> a short fuzz of every parser. Exits non-zero
# on any failure. Extra arguments go to ctest (e.g. -L unit, or -LE resilience
# to skip the load tests).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/postgres.sh"

install_packages
install_browser_test_modules
# -g1: line tables only, enough for the sanitizers' stack traces, and a third
# less compile time than full debug information.
BUILD="$DELIVERYD_ROOT/build/test"
build_tree "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
    -DDELIVERYD_SANITIZE=ON -DDELIVERYD_WERROR=ON

log "checking formatting"
"$DELIVERYD_ROOT/scripts/check-format.sh"
log "checking that no file points outside the repository"
"$DELIVERYD_ROOT/scripts/check-references.sh"
log "checking that no layer includes a layer above it"
"$DELIVERYD_ROOT/scripts/check-includes.sh"
log "checking that each public header compiles on its own"
cmake --build "$BUILD" -j "$(nproc)" --target deliveryd_header_checks

log "checking the deployment manifests offline"
DELIVERYD_BINARY="$BUILD/deliveryd" "$DELIVERYD_ROOT/scripts/check-deploy.sh"

PG_DIR=
BACKGROUND_BUILDS=()
cleanup() {
    local group
    for group in "${BACKGROUND_BUILDS[@]}"; do
        kill -TERM -- "-$group" 2>/dev/null || true
    done
    [ -n "$PG_DIR" ] && pg_stop "$PG_DIR" && rm -rf "$PG_DIR"
    return 0
}
trap cleanup EXIT
PG_DIR=$(mktemp -d /tmp/deliveryd-test-pg.XXXXXX)
PG_PORT=$(free_port) || die "no free port for PostgreSQL"
log "starting a throwaway PostgreSQL on 127.0.0.1:$PG_PORT"
# The tests create and drop many databases; durability is not what they test.
PG_FSYNC=off pg_start "$PG_DIR" "$PG_PORT"

export DELIVERYD_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export DELIVERYD_TEST_PG_DIR="$PG_DIR"
export DELIVERYD_TEST_PG_PORT="$PG_PORT"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$DELIVERYD_ROOT/tests/lsan.supp"
# Chromium and playwright-core are installed above: a browser test that
# cannot find them fails rather than skips.
export DELIVERYD_BROWSER_TESTS=1

# The later stages' trees build while the tests run, at idle priority: the
# tests spend much of their time waiting (on timers, the simulator's clock,
# daemons starting), and a build that takes only the CPU they leave neither
# slows them nor adds to their timing, which the scheduler serves first.
TSAN_BUILD="$DELIVERYD_ROOT/build/tsan"
TSAN_LOG="$DELIVERYD_ROOT/build/tsan-build.log"
FUZZ_LOG="$DELIVERYD_ROOT/build/fuzz-build.log"
# start_idle_build LOG COMMAND...: COMMAND in a process group of its own
# (ended by cleanup), at idle priority, its output in LOG.
start_idle_build() {
    local log_file=$1; shift
    local priority=(nice -n 19)
    if chrt --idle 0 true 2>/dev/null; then
        priority=(chrt --idle 0)
    fi
    setsid -w "${priority[@]}" "$@" >"$log_file" 2>&1 &
    BACKGROUND_BUILDS+=("$!")
}
# finish_idle_build INDEX LOG WHAT: waits for that build; on failure shows
# the end of its log.
finish_idle_build() {
    local status=0
    wait "${BACKGROUND_BUILDS[$1]}" || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$2" >&2
        die "building $3 failed (whole log: ${2#$DELIVERYD_ROOT/})"
    fi
}
if [ "${DELIVERYD_TSAN:-1}" != 0 ]; then
    log "building ${TSAN_BUILD#$DELIVERYD_ROOT/} (ThreadSanitizer) while the tests run"
    cmake -S "$DELIVERYD_ROOT" -B "$TSAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" -DDELIVERYD_TSAN=ON -DDELIVERYD_WERROR=ON \
        -DDELIVERYD_BENCH=OFF >/dev/null
    start_idle_build "$TSAN_LOG" cmake --build "$TSAN_BUILD" -j "$(nproc)" --target integration_tests
fi
TSAN_JOB=$((${#BACKGROUND_BUILDS[@]} - 1))
if [ "${DELIVERYD_FUZZ:-1}" != 0 ]; then
    log "building the fuzz targets while the tests run"
    start_idle_build "$FUZZ_LOG" env FUZZ_BUILD_ONLY=1 "$DELIVERYD_ROOT/scripts/fuzz.sh"
fi
FUZZ_JOB=$((${#BACKGROUND_BUILDS[@]} - 1))

log "running the tests"
ctest --test-dir "$BUILD" --output-on-failure --timeout 300 -j "$(nproc)" "$@"

# The concurrent parts once more under ThreadSanitizer (its own build: TSan
# and ASan exclude each other): the store under concurrent writers and
# claims, the group commit, the HTTP client and server, and deliveryd itself
# (the daemon the tests start is the TSan build, and a race makes it abort).
# Not the unit tests: they start no threads, so TSan has nothing to find in
# them. DELIVERYD_TSAN=0 skips this stage.
if [ "${DELIVERYD_TSAN:-1}" != 0 ]; then
    log "finishing the ThreadSanitizer build"
    finish_idle_build "$TSAN_JOB" "$TSAN_LOG" "${TSAN_BUILD#$DELIVERYD_ROOT/}"
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$DELIVERYD_ROOT/tests/tsan.supp"
    log "running the concurrent tests under ThreadSanitizer"
    "$TSAN_BUILD/tests/integration_tests" --gtest_brief=1 --gtest_filter='StoreFixture*:BatcherTest*:PollStore*:ScopeLocks*:ClientTest*:HttpServer*:CallbackTest*:HostileCallbacks*:Daemon.Sig*:ConfigReload*:PollingEndToEnd*:PollingReplicas.One*'
fi

# The parsers' fuzz targets build (clang) and run briefly on their seed
# corpora: a parser change that crashes or breaks an invariant fails here.
# Longer runs: scripts/fuzz.sh SECONDS. DELIVERYD_FUZZ=0 skips this stage.
if [ "${DELIVERYD_FUZZ:-1}" != 0 ]; then
    log "finishing the fuzz build"
    finish_idle_build "$FUZZ_JOB" "$FUZZ_LOG" "the fuzz targets"
    log "fuzzing each parser for 10 s"
    FUZZ_JOBS=2 "$DELIVERYD_ROOT/scripts/fuzz.sh" 10
fi
