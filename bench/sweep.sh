#!/usr/bin/env bash
# A backlog swept with listings against the same backlog asked one id at a
# time, in the provider simulator, every answer 50 ms late, at the default
# rates (5% margin):
#   PROVIDER=esms (default): 100,000 unresolved SMS (TypeId 2) of one eSMS
#     account, every callback lost: GetSmsSentData_V2 (1 call/s, 500 a page)
#     against GetSendStatus (10 calls/s);
#   PROVIDER=etelecom: 20,000 unresolved eTelecom ZNS of one OA: ListMessages
#     (1 call/s, 100 a page) against GetMessage (10 calls/s).
# Two runs in one:
#   1. sweep off (the listing's rate 0): rows resolved per second over
#      OFF_SECONDS, extrapolated to the whole backlog;
#   2. sweep on: time until every row equals the simulator's truth, and
#      provider calls per resolved row.
# The ratio of the two is the figure. Everything on 127.0.0.1; about
# 5 minutes.
#
# Usage: bench/sweep.sh [messages, default 100000 (esms) or 20000 (etelecom)]
# Environment: BUILD (default build/release); OFF_SECONDS (default 90);
# PROVIDER (esms or etelecom).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
PROVIDER=${PROVIDER:-esms}
OFF_SECONDS=${OFF_SECONDS:-90}
case "$PROVIDER" in
    esms)
        MESSAGES=${1:-100000}
        LISTING=GetSmsSentData_V2 PER_ID=GetSendStatus KEY=sim-api-key ;;
    etelecom)
        MESSAGES=${1:-20000}
        LISTING=ListMessages PER_ID=GetMessage KEY=sim-etelecom-key ;;
    *) die "PROVIDER is esms or etelecom" ;;
esac

bench_polling_setup
sql() { psql -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd -c "$1"; }

# Messages created when the simulator starts, all with their outcome within
# a second; one in ten failed.
log "writing $MESSAGES $PROVIDER messages"
if [ "$PROVIDER" = esms ]; then
    awk -v n="$MESSAGES" 'BEGIN {
        print "["
        for (i = 1; i <= n; i++) {
            ok = (i % 10 != 0)
            printf "{\"sms_id\":\"bench-sms-%d\",\"type_id\":2,\"phone\":\"09%08d\",\"price\":850,", i, i
            printf "\"timeline\":[{\"at_ms\":300,\"send_status\":5,\"success\":%d,\"failed\":%d}]}%s\n", ok, 1 - ok, (i < n ? "," : "")
        }
        print "]" }' >"$WORK/messages.json"
else
    awk -v n="$MESSAGES" 'BEGIN {
        print "["
        for (i = 1; i <= n; i++) {
            printf "{\"sms_id\":\"bench-zns-%d\",\"provider\":\"etelecom\",\"oa_id\":\"2911530487364192745\",\"phone\":\"09%08d\",\"price\":300,", i, i
            if (i % 10 != 0)
                printf "\"timeline\":[{\"at_ms\":300,\"send_status\":5,\"success\":1}],\"delivered_ms\":600}"
            else
                printf "\"timeline\":[{\"at_ms\":300,\"send_status\":5,\"failed\":1,\"error\":{\"code\":-118,\"message\":\"Zalo account does not exist\"}}]}"
            printf "%s\n", (i < n ? "," : "")
        }
        print "]" }' >"$WORK/messages.json"
fi

# The listing's rate as configuration lines after the eSMS account.
listing_rate() {
    if [ "$PROVIDER" = esms ]; then
        printf '      sent_data_tps: %s\n' "$1"
    else
        printf 'etelecom:\n  base_url: http://127.0.0.1:%s/v1/shop\n  api_key: sim-etelecom-key\n  list_messages_tps: %s\n' \
            "$SIM_PORT" "$1"
    fi
}

# run LISTING_TPS: starts the simulator and deliveryd afresh on an empty table.
run() {
    sql "TRUNCATE delivery_state, delivery_event" 2>/dev/null || true
    bench_start_sim
    bench_start_deliveryd "$(listing_rate "$1")" "  grace: 2s
  backoff: [5s, 10m]
  tick: 1s" info
    sleep 2  # every message has its outcome at the provider
    if [ "$PROVIDER" = esms ]; then
        sql "INSERT INTO delivery_state (sms_id, type_id, phone)
             SELECT 'bench-sms-' || i, 2, '09' || lpad(i::text, 8, '0')
             FROM generate_series(1, $MESSAGES) i" >/dev/null
    else
        sql "INSERT INTO delivery_state (sms_id, provider, oa_id, phone)
             SELECT 'bench-zns-' || i, 'etelecom', '2911530487364192745', '09' || lpad(i::text, 8, '0')
             FROM generate_series(1, $MESSAGES) i" >/dev/null
    fi
    REGISTERED=$(date +%s.%N)
}
resolved() { sql "SELECT count(*) FROM delivery_state WHERE is_final"; }
calls() {
    bench_sim_stats | python3 -c "
import json, sys
s = json.load(sys.stdin)
print(sum(k['calls'] for e in s['endpoints'].values() for k in e['keys'].values()))"
}

log "sweep off: $PER_ID alone for ${OFF_SECONDS} s"
run 0
sleep 5
T0=$(date +%s.%N); R0=$(resolved)
sleep "$OFF_SECONDS"
T1=$(date +%s.%N); R1=$(resolved); OFF_CALLS=$(calls)
bench_stop_programs

log "sweep on"
run 1
while [ "$(resolved)" -lt "$MESSAGES" ]; do
    sleep 0.5
    if [ "$(echo "$(date +%s.%N) - $REGISTERED > 1800" | bc)" = 1 ]; then
        log "not resolved within 30 minutes"; break
    fi
done
DONE=$(date +%s.%N); ON_CALLS=$(calls); ON_RESOLVED=$(resolved)
bench_sim_stats >"$WORK/stats.json"
curl -sf "http://127.0.0.1:$SIM_PORT/sim/truth" >"$WORK/truth.json"
sql "SELECT sms_id, state FROM delivery_state" | tr '|' ' ' >"$WORK/rows.txt"
grep -c "sweeping" "$WORK/deliveryd.log" >"$WORK/sweeps.txt" || true

log "results"
python3 -c "
import json
off_rate = ($R1 - $R0) / ($T1 - $T0)
on_seconds = $DONE - $REGISTERED
s = json.load(open('$WORK/stats.json'))
truth = {m['sms_id']: m['final_state'] for m in json.load(open('$WORK/truth.json'))['messages']}
rows = dict(line.split() for line in open('$WORK/rows.txt') if line.strip())
wrong = sum(1 for k, v in truth.items() if rows.get(k) != v)
listing = s['endpoints']['$LISTING']['keys'].get('$KEY', {})
per_id = s['endpoints']['$PER_ID']['keys'].get('$KEY', {})
off_total = $MESSAGES / off_rate if off_rate > 0 else float('inf')
print(f'sweep off: {off_rate:.2f} rows resolved per second over {$T1 - $T0:.0f} s ({$OFF_CALLS} calls): {$MESSAGES:,} rows would take {off_total / 3600:.2f} h')
print(f'sweep on: {$ON_RESOLVED:,} of {$MESSAGES:,} rows final {on_seconds:.0f} s after they were registered; sweeps started: {open(\"$WORK/sweeps.txt\").read().strip()}')
print(f'  $LISTING calls: {listing.get(\"calls\", 0)} (max in any 1 s: {listing.get(\"max_calls_in_1s\", 0)}); $PER_ID calls: {per_id.get(\"calls\", 0)}')
print(f'  provider calls per resolved row: {$ON_CALLS / max(1, $ON_RESOLVED):.4f}')
print(f'  rows not equal to the simulator truth: {wrong} of {len(truth)}; violations: {s[\"violations\"]}')
print(f'ratio, time to resolve the backlog, off / on: {off_total / on_seconds:.1f}x')
"
