#!/usr/bin/env bash
# Measures store.apply against its baseline on a private PostgreSQL with the
# default settings (so fsync and synchronous_commit on). Bounded: about a
# minute at scale 1.
# Usage: bench/store_apply.sh [scale [mode-substring]]
# Environment: BUILD (release build tree to use, default build/release).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"

bench_build

bench_migrated_database "$BUILD/deliveryd"
"$BUILD/bench/bench_store_apply" "$URL" "${1:-1}" "${2:-}"
