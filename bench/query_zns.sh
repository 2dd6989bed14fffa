#!/usr/bin/env bash
# QueryZnsStatus at its limit: 20,000 ZNS (TypeId 24/25) of one eSMS
# account sent without a CallbackUrl, so that no callback comes and
# GetCallback never returns them; every answer 50 ms late. After
# reconcile.query_zns_after GetCallback misses each goes to QueryZnsStatus.
# Measures, from 10% to 90% of the QueryZnsStatus calls:
#   * calls per second against what the configuration permits:
#     query_zns_tps x (1 - rate_margin) = 100 x 0.95 = 95/s;
#   * deliveryd's CPU (share of one core);
#   * the simulator's count of rate-limit violations (must be 0);
# then waits until every row is final and counts the rows whose state is not
# the simulator's truth (must be 0). Everything on 127.0.0.1; about 4 minutes.
#
# Usage: bench/query_zns.sh [messages, default 20000]
# Environment: BUILD, the release build tree (default build/release).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
MESSAGES=${1:-20000}

bench_polling_setup

# ZNS 24 and 25 over 5 OAs, accepted 200 ms after submission; every tenth
# fails with Zalo's -118, the others reach the phone 1 s later.
log "writing $MESSAGES messages"
awk -v n="$MESSAGES" 'BEGIN {
    print "["
    for (i = 1; i <= n; i++) {
        printf "{\"sms_id\":\"bench-%d\",\"type_id\":%d,\"oa_id\":\"400000000000000000%d\",\"phone\":\"09%08d\",\"callback\":false,", i, 24 + i % 2, i % 5, i
        if (i % 10 == 0) {
            printf "\"price\":200,\"timeline\":[{\"at_ms\":200,\"send_status\":5,\"success\":0,\"failed\":1,\"error\":{\"code\":-118,\"message\":\"Zalo account does not exist\"}}]}"
        } else {
            printf "\"partner_id\":\"zalo-%d\",\"price\":200,\"timeline\":[{\"at_ms\":200,\"send_status\":5,\"success\":1,\"failed\":0,\"error\":{\"code\":0,\"message\":\"Success\"}}],\"delivered_ms\":1200}", i
        }
        printf "%s\n", (i < n ? "," : "")
    }
    print "]" }' >"$WORK/messages.json"
bench_start_sim
bench_start_deliveryd "" "  grace: 2s
  backoff: [2s, 2s, 10m]
  tick: 1s"

log "registering $MESSAGES messages as a sender would"
psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd -c "
    INSERT INTO delivery_state (sms_id, type_id, oa_id, phone)
    SELECT 'bench-' || i, 24 + i % 2, '400000000000000000' || (i % 5), '09' || lpad(i::text, 8, '0')
    FROM generate_series(1, $MESSAGES) i"

stats() { bench_sim_stats; }
field() { python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
query_calls() { stats | field "s['endpoints']['QueryZnsStatus']['keys'].get('sim-api-key',{}).get('calls',0)"; }
unresolved() {
    psql -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd \
        -c "SELECT count(*) FROM delivery_state WHERE NOT is_final"
}
now() { date +%s.%N; }

while [ "$(query_calls)" -lt $((MESSAGES / 10)) ]; do sleep 0.1; done
T0=$(now); CALLS0=$(query_calls)
cpu_begin "$DAEMON_PID" "$PG_DIR"
CPU0=$(cpu_ticks "$DAEMON_PID")
while [ "$(query_calls)" -lt $((MESSAGES * 9 / 10)) ]; do sleep 0.1; done
T1=$(now); CALLS1=$(query_calls)
CPU1=$(cpu_ticks "$DAEMON_PID")
cpu_end
for _ in $(seq 600); do [ "$(unresolved)" = 0 ] && break; sleep 0.5; done

log "results"
curl -sf "http://127.0.0.1:$SIM_PORT/sim/truth" >"$WORK/truth.json"
psql -X -q -t -A -F ' ' -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd \
    -c "SELECT sms_id, state FROM delivery_state" >"$WORK/rows.txt"
stats | python3 -c "
import json, sys
s = json.load(sys.stdin)
dt = $T1 - $T0
rate = ($CALLS1 - $CALLS0) / dt
q = s['endpoints']['QueryZnsStatus']['keys']['sim-api-key']
cb = s['endpoints']['GetCallback']['keys'].get('sim-api-key', {})
hz = $(getconf CLK_TCK)
truth = {m['sms_id']: m['final_state'] for m in json.load(open('$WORK/truth.json'))['messages']}
rows = dict(line.split() for line in open('$WORK/rows.txt') if line.strip())
wrong = sum(1 for k, v in truth.items() if rows.get(k) != v)
print(f'QueryZnsStatus, 10% to 90% of the calls: {$CALLS1 - $CALLS0} calls in {dt:.1f} s')
print(f'  calls per second: {rate:.1f} = {rate / 95:.1%} of the permitted 95 (100/s less the 5% margin)')
print(f'  max in any 1 s: {q[\"max_calls_in_1s\"]} (limit 100); calls in all: {q[\"calls\"]} for {len(truth)} messages')
print(f'GetCallback calls before: {cb.get(\"calls\", 0)}')
print(f'deliveryd CPU over the window: {($CPU1 - $CPU0) / hz / dt:.1%} of one core')
print(f'violations counted by the simulator: {s[\"violations\"]}')
print(f'rows not equal to the simulator truth: {wrong} of {len(truth)}')
"
psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd -c "
    SELECT state, count(*) FROM delivery_state GROUP BY state ORDER BY state"
