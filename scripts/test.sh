#!/usr/bin/env bash
# Sets everything up and runs every test: Debian packages -> build with
# AddressSanitizer and UndefinedBehaviorSanitizer, warnings as errors ->
# formatting, reference and layer checks -> each public header compiled
# alone -> deploy/ manifests validated offline -> a throwaway
# PostgreSQL -> unit, integration, browser and resilience tests -> the concurrent parts
# again under ThreadSanitizer -> a short fuzz of every parser. Exits non-zero
# on any failure. Extra arguments go to ctest (e.g. -L unit, or -LE resilience
# to skip the load tests).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/postgres.sh"

install_packages
install_browser_test_modules
# Both sanitizer builds compile in unity batches (CMakeLists.txt), in about
# half the time, which holds only while no two files of a target give a
# private helper the same name: checked first, for a clear message.
log "checking that no two files of a unity target share a private name"
"$DELIVERYD_ROOT/scripts/check-unity-names.sh"
# -g1: line tables only, enough for the sanitizers' stack traces, and a third
# less compile time than full debug information.
BUILD="$DELIVERYD_ROOT/build/test"
build_tree "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
    -DDELIVERYD_SANITIZE=ON -DDELIVERYD_WERROR=ON -DCMAKE_UNITY_BUILD=ON

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
cleanup() { [ -n "$PG_DIR" ] && pg_stop "$PG_DIR" && rm -rf "$PG_DIR"; return 0; }
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

log "running the tests"
ctest --test-dir "$BUILD" --output-on-failure --timeout 300 -j "$(nproc)" "$@"

# The concurrent parts once more under ThreadSanitizer (its own build: TSan
# and ASan exclude each other): the store under concurrent writers and
# claims, the group commit, the HTTP client and server, and deliveryd itself
# (the daemon the tests start is the TSan build, and a race makes it abort).
# Not the unit tests: they start no threads, so TSan has nothing to find in
# them. DELIVERYD_TSAN=0 skips this stage.
if [ "${DELIVERYD_TSAN:-1}" != 0 ]; then
    TSAN_BUILD="$DELIVERYD_ROOT/build/tsan"
    log "building in ${TSAN_BUILD#$DELIVERYD_ROOT/} (ThreadSanitizer)"
    # The provider simulator is the sanitizer build's: it is not what this
    # stage checks.
    cmake -S "$DELIVERYD_ROOT" -B "$TSAN_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" -DDELIVERYD_TSAN=ON -DDELIVERYD_WERROR=ON \
        -DDELIVERYD_BENCH=OFF -DCMAKE_UNITY_BUILD=ON \
        -DDELIVERYD_PROVIDER_SIM_BINARY="$BUILD/tools/provider-sim/provider-sim" >/dev/null
    cmake --build "$TSAN_BUILD" -j "$(nproc)" --target integration_tests
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$DELIVERYD_ROOT/tests/tsan.supp"
    log "running the concurrent tests under ThreadSanitizer"
    "$TSAN_BUILD/tests/integration_tests" --gtest_brief=1 --gtest_filter='StoreFixture*:BatcherTest*:PollStore*:ScopeLocks*:ClientTest*:HttpServer*:CallbackTest*:HostileCallbacks*:Daemon.Sig*:ConfigReload*:PollingEndToEnd*:PollingReplicas.One*'
fi

# The parsers' fuzz targets build (clang) and run briefly on their seed
# corpora: a parser change that crashes or breaks an invariant fails here.
# Longer runs: scripts/fuzz.sh SECONDS. DELIVERYD_FUZZ=0 skips this stage.
if [ "${DELIVERYD_FUZZ:-1}" != 0 ]; then
    log "fuzzing each parser for 10 s"
    FUZZ_JOBS=2 "$DELIVERYD_ROOT/scripts/fuzz.sh" 10
fi
