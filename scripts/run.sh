#!/usr/bin/env bash
# Sets everything up and runs deliveryd locally, in the foreground:
#   Debian packages -> build -> private PostgreSQL under .local/ -> provider
#   simulator on 127.0.0.1 -> deliveryd migrate -> deliveryd run.
# Ctrl-C stops deliveryd and the simulator; PostgreSQL keeps its data and keeps
# running for the next time (stop it with: scripts/run.sh --stop-db).
# Environment: DELIVERYD_LISTEN (default 127.0.0.1:8080), DELIVERYD_PG_PORT
# (default 55432), DELIVERYD_SIM_PORT (default 18080).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/postgres.sh"

PG_DIR="$DELIVERYD_ROOT/.local/postgres"
if [ "${1:-}" = "--stop-db" ]; then
    pg_stop "$PG_DIR"
    exit 0
fi

install_packages
BUILD="$DELIVERYD_ROOT/build/release"
build_tree "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDELIVERYD_TESTS=OFF

pg_dir_usable "$PG_DIR" || die "the postgres user cannot reach $PG_DIR; use a checkout it can read"
log "starting PostgreSQL in ${PG_DIR#$DELIVERYD_ROOT/}"
pg_start "$PG_DIR" "${DELIVERYD_PG_PORT:-55432}"
PG_PORT=$(pg_port "$PG_DIR")
pg_ensure_database "$PG_PORT" deliveryd deliveryd

export DELIVERYD_DATABASE_URL="postgresql://deliveryd@127.0.0.1:$PG_PORT/deliveryd"
export DELIVERYD_LISTEN="${DELIVERYD_LISTEN:-127.0.0.1:8080}"
SIM_PORT="${DELIVERYD_SIM_PORT:-18080}"
export DELIVERYD_SIM_URL="http://127.0.0.1:$SIM_PORT"

SIM="$BUILD/tools/provider-sim/provider-sim"
SIM_PID=
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
if [ -x "$SIM" ]; then
    log "starting the provider simulator on 127.0.0.1:$SIM_PORT"
    mkdir -p "$DELIVERYD_ROOT/.local"
    "$SIM" --listen "127.0.0.1:$SIM_PORT" \
        --callback-url "http://$DELIVERYD_LISTEN/callback/esms" \
        --generate 200 --seed 1 --drop-callbacks 0.3 \
        >"$DELIVERYD_ROOT/.local/provider-sim.log" 2>&1 &
    SIM_PID=$!
else
    log "provider simulator not built; polling will find no provider"
fi

log "applying migrations"
"$BUILD/deliveryd" migrate --config "$DELIVERYD_ROOT/config/local.yaml"

cat <<MSG

deliveryd is starting on http://$DELIVERYD_LISTEN
  health:   curl http://$DELIVERYD_LISTEN/healthz   (and /readyz)
  metrics:  curl http://$DELIVERYD_LISTEN/metrics
  callback: curl 'http://$DELIVERYD_LISTEN/callback/esms?SMSID=test-1&SendStatus=5&SendSuccess=1&SendFailed=0&TypeId=2'
  table:    psql -h 127.0.0.1 -p $PG_PORT -U deliveryd deliveryd -c 'SELECT sms_id, state, is_final, updated_at FROM delivery_state ORDER BY updated_at DESC LIMIT 20'
  simulator: $DELIVERYD_SIM_URL/sim/stats   (log: .local/provider-sim.log)
Stop with Ctrl-C.

MSG
"$BUILD/deliveryd" run --config "$DELIVERYD_ROOT/config/local.yaml"
