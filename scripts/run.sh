#!/usr/bin/env bash
# Sets everything up and runs deliveryd locally, in the foreground:
#   Debian packages -> build -> private PostgreSQL under .local/ -> provider
#   simulator on 127.0.0.1 -> deliveryd migrate -> deliveryd run.
# Ctrl-C stops deliveryd and the simulator; PostgreSQL keeps its data and keeps
# running for the next time (stop it with: scripts/run.sh --stop-db).
#
# Usage: scripts/run.sh [--fresh] | --stop-db
#   --fresh    drop the local database first: only this run's simulated
#              messages in it (each run's simulator makes new ones, and knows
#              nothing of an earlier run's)
#   --stop-db  stop the local PostgreSQL and exit
# Environment: DELIVERYD_LISTEN (default 127.0.0.1:8080), DELIVERYD_PG_PORT
# (default 55432), DELIVERYD_SIM_PORT (default 18080), DELIVERYD_LOCAL_DIR
# (default .local: the cluster, the simulator's log), DELIVERYD_PREBUILT (a
# build directory holding deliveryd and tools/provider-sim/provider-sim: use
# those instead of building).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/postgres.sh"

LOCAL="${DELIVERYD_LOCAL_DIR:-$DELIVERYD_ROOT/.local}"
PG_DIR="$LOCAL/postgres"
FRESH=0
case "${1:-}" in
    --stop-db)
        pg_stop "$PG_DIR"
        exit 0
        ;;
    --fresh) FRESH=1 ;;
    "") ;;
    *) die "unknown option $1 (usage: scripts/run.sh [--fresh] | --stop-db)" ;;
esac

install_packages
if [ -n "${DELIVERYD_PREBUILT:-}" ]; then
    BUILD=$DELIVERYD_PREBUILT
else
    BUILD="$DELIVERYD_ROOT/build/release"
    build_tree "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDELIVERYD_TESTS=OFF
fi

pg_dir_usable "$PG_DIR" || die "the postgres user cannot reach $PG_DIR; use a checkout it can read"
log "starting PostgreSQL in ${PG_DIR#"$DELIVERYD_ROOT"/}"
pg_start "$PG_DIR" "${DELIVERYD_PG_PORT:-55432}"
PG_PORT=$(pg_port "$PG_DIR")
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT")
if [ "$FRESH" -eq 1 ]; then
    log "--fresh: dropping the local database deliveryd"
    "${PSQL[@]}" -U postgres -d postgres -c 'DROP DATABASE IF EXISTS deliveryd WITH (FORCE)'
fi
pg_ensure_database "$PG_PORT" deliveryd deliveryd
# Rows of earlier runs (none before the first migrate), for the banner.
EARLIER=$("${PSQL[@]}" -U deliveryd deliveryd -tA -c \
    "SELECT count(*) FROM pg_tables WHERE tablename = 'delivery_state'" 2>/dev/null) || EARLIER=0
if [ "$EARLIER" = 1 ]; then
    EARLIER=$("${PSQL[@]}" -U deliveryd deliveryd -tA -c 'SELECT count(*) FROM delivery_state') ||
        EARLIER=0
fi

export DELIVERYD_DATABASE_URL="postgresql://deliveryd@127.0.0.1:$PG_PORT/deliveryd"
export DELIVERYD_LISTEN="${DELIVERYD_LISTEN:-127.0.0.1:8080}"
SIM_PORT="${DELIVERYD_SIM_PORT:-18080}"
export DELIVERYD_SIM_URL="http://127.0.0.1:$SIM_PORT"

SIM="$BUILD/tools/provider-sim/provider-sim"
SIM_PID=
DAEMON_PID=
# On Ctrl-C or SIGTERM: stop deliveryd cleanly (it finishes in-flight
# batches), then the simulator.
cleanup() {
    [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "applying migrations"
"$BUILD/deliveryd" migrate --config "$DELIVERYD_ROOT/config/local.yaml"

"$BUILD/deliveryd" run --config "$DELIVERYD_ROOT/config/local.yaml" &
DAEMON_PID=$!
LISTEN_PORT=${DELIVERYD_LISTEN##*:}
for _ in $(seq 1 100); do
    port_in_use "$LISTEN_PORT" && break
    kill -0 "$DAEMON_PID" 2>/dev/null || die "deliveryd did not start (see its log above)"
    sleep 0.1
done

# The simulator plays eSMS: it holds 200 generated messages and calls
# deliveryd back as their statuses change, dropping 30% of the callbacks so
# that polling has gaps to fill. The messages are registered in
# delivery_state as a sender would.
log "starting the provider simulator on 127.0.0.1:$SIM_PORT"
mkdir -p "$LOCAL"
"$SIM" --listen "127.0.0.1:$SIM_PORT" \
    --callback-url "http://$DELIVERYD_LISTEN/callback/esms${DELIVERYD_CALLBACK_TOKEN:+/$DELIVERYD_CALLBACK_TOKEN}" \
    --generate 200 --seed "$RANDOM" --drop-callbacks 0.3 \
    >"$LOCAL/provider-sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 100); do port_in_use "$SIM_PORT" && break; sleep 0.1; done
curl -sf "$DELIVERYD_SIM_URL/sim/messages" >"$LOCAL/sim-messages.json" ||
    die "the provider simulator did not start; see $LOCAL/provider-sim.log"
"${PSQL[@]}" -U deliveryd deliveryd \
    -v doc="$(cat "$LOCAL/sim-messages.json")" <<'SQL'
INSERT INTO delivery_state (sms_id, provider, account, type_id, oa_id, phone)
SELECT m->>'sms_id', m->>'provider', m->>'account', (m->>'type_id')::int, m->>'oa_id', m->>'phone'
FROM json_array_elements((:'doc')::json -> 'messages') AS m
ON CONFLICT (sms_id) DO NOTHING;
SQL

EARLIER_NOTE=
if [ "${EARLIER:-0}" -gt 0 ] 2>/dev/null; then
    EARLIER_NOTE="
The database still holds $EARLIER rows of earlier runs. This run's simulator
does not know their messages: their polls find nothing and they expire after
reconcile.window. Start with scripts/run.sh --fresh for this run's alone.
"
fi

cat <<MSG

deliveryd is running on http://$DELIVERYD_LISTEN
  health:    curl http://$DELIVERYD_LISTEN/healthz   (and /readyz)
  metrics:   curl http://$DELIVERYD_LISTEN/metrics
  table:     psql -h 127.0.0.1 -p $PG_PORT -U deliveryd deliveryd -c 'SELECT state, is_final, count(*) FROM delivery_state GROUP BY 1, 2'
  simulator: curl $DELIVERYD_SIM_URL/sim/stats   (truth: /sim/truth, log: $LOCAL/provider-sim.log)
  a callback of your own, for a message the simulator does not have:
    curl 'http://$DELIVERYD_LISTEN/callback/esms${DELIVERYD_CALLBACK_TOKEN:+/TOKEN}?SMSID=try-by-hand-1&SendStatus=5&SendSuccess=1&SendFailed=0&TypeId=2'
  and to remove it again (and its report):
    psql -h 127.0.0.1 -p $PG_PORT -U deliveryd deliveryd -c "DELETE FROM delivery_event WHERE sms_id LIKE 'try-by-hand-%'; DELETE FROM delivery_state WHERE sms_id LIKE 'try-by-hand-%'"
$EARLIER_NOTE
A ZNS that the simulator shows delivered shows 'delivered' here soon after:
GetZaloMessageStatus's spare calls ask accepted ZNS ahead of their schedule
(reconcile.spare_calls), every few seconds while a ZNS is a minute old, then
every quarter of its age (at most 15 minutes). A ZNS older than 2 hours
waits for its next scheduled poll (config/local.yaml's backoff: 30 s, 1 m,
5 m, 15 m ... after registration).
Start again from an empty database with scripts/run.sh --fresh.
Stop with Ctrl-C.

MSG
wait "$DAEMON_PID"
