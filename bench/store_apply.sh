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

PG_DIR=$(mktemp -d /tmp/deliveryd-bench-pg.XXXXXX)
PG_PORT=$(free_port)
trap 'pg_stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
bench_pg_start "$PG_DIR" "$PG_PORT"
URL="postgresql://deliveryd@127.0.0.1:$PG_PORT/deliveryd"
"$BUILD/deliveryd" migrate --config <(printf 'database:\n  url: %s\nlog:\n  level: warn\n' "$URL")
"$BUILD/bench/bench_store_apply" "$URL" "${1:-1}" "${2:-}"
