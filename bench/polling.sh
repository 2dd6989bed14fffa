#!/usr/bin/env bash
# Polling at the providers' limits: 100,000 unresolved ZNS of one
# eSMS account across 5 OAs in the provider simulator, no callbacks, every
# answer 50 ms late. Measures, over the GetCallback pass:
#   * ids answered by GetCallback per second, against the permitted ceiling
#     of 20 calls/s x 200 ids = 4,000 ids/s;
#   * GetZaloMessageStatus calls per second, against 30/s (a ZNS that
#     GetCallback found accepted is asked about its handset receipt 5 s later);
#   * deliveryd's CPU (share of one core) and peak RSS;
#   * the simulator's count of rate-limit violations (must be 0).
# Everything on 127.0.0.1; PostgreSQL with its default settings; about 1 minute.
#
# Usage: bench/polling.sh [messages, default 100000]
# Environment: BUILD, the release build tree (default build/release);
# RATE_MARGIN overrides reconcile.rate_margin (default 0.05).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
MESSAGES=${1:-100000}

bench_polling_setup

# The simulator's messages: ZNS (TypeId 25) over 5 OAs, accepted by Zalo
# 200 ms after submission, on the phone 1 s later. They are known to
# GetCallback (sent with a CallbackUrl) but no callback is ever delivered.
log "writing $MESSAGES messages"
awk -v n="$MESSAGES" 'BEGIN {
    print "["
    for (i = 1; i <= n; i++) {
        # OA ids as text: 19 digits do not survive awk doubles.
        printf "{\"sms_id\":\"bench-%d\",\"type_id\":25,\"oa_id\":\"400000000000000000%d\",\"phone\":\"09%08d\",", i, i % 5, i
        printf "\"partner_id\":\"zalo-%d\",\"price\":200,\"timeline\":[{\"at_ms\":200,\"send_status\":5,\"success\":1,\"failed\":0,\"error\":{\"code\":0,\"message\":\"Success\"}}],\"delivered_ms\":1200}%s\n", i, (i < n ? "," : "")
    }
    print "]" }' >"$WORK/messages.json"
bench_start_sim
bench_start_deliveryd "" "  grace: 2s
  backoff: [5s, 10m]
  tick: 1s
${RATE_MARGIN:+  rate_margin: $RATE_MARGIN}"

log "registering $MESSAGES messages as a sender would"
psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd -c "
    INSERT INTO delivery_state (sms_id, type_id, oa_id, phone)
    SELECT 'bench-' || i, 25, '400000000000000000' || (i % 5), '09' || lpad(i::text, 8, '0')
    FROM generate_series(1, $MESSAGES) i"

# stat NAME: one number from the simulator's /sim/stats.
stats() { bench_sim_stats; }
field() { python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
ids_answered() { stats | field "s['get_callback_ids']['total_ids']"; }
zalo_calls() { stats | field "s['endpoints']['GetZaloMessageStatus']['keys'].get('sim-api-key',{}).get('calls',0)"; }
now() { date +%s.%N; }

# Steady state of the GetCallback pass: from 10% to 90% of the ids asked
# (the first tick claims cautiously, the last calls are cut short); then ten
# seconds of GetZaloMessageStatus alone, with ~100,000 accepted ZNS due.
while [ "$(ids_answered)" -lt $((MESSAGES / 10)) ]; do sleep 0.1; done
T0=$(now); IDS0=$(ids_answered)
cpu_begin "$DAEMON_PID" "$PG_DIR"
CPU0=$(cpu_ticks "$DAEMON_PID")
while [ "$(ids_answered)" -lt $((MESSAGES * 9 / 10)) ]; do sleep 0.1; done
T1=$(now); IDS1=$(ids_answered)
while [ "$(ids_answered)" -lt "$MESSAGES" ]; do sleep 0.1; done
Z0=$(now); ZALO0=$(zalo_calls)
sleep 10
Z1=$(now); ZALO1=$(zalo_calls)
CPU1=$(cpu_ticks "$DAEMON_PID")
cpu_end
RSS=$(awk '/VmHWM/ {print $2}' "/proc/$DAEMON_PID/status")

log "results"
stats | python3 -c "
import json, sys
s = json.load(sys.stdin)
dt = $T1 - $T0
ids = ($IDS1 - $IDS0) / dt
zalo = ($ZALO1 - $ZALO0) / ($Z1 - $Z0)
cpu_seconds = $Z1 - $T0
cb = s['endpoints']['GetCallback']['keys']['sim-api-key']
zs = s['endpoints']['GetZaloMessageStatus']['keys'].get('sim-api-key', {})
hz = $(getconf CLK_TCK)
print(f'GetCallback pass, 10% to 90%: {$IDS1 - $IDS0} ids in {dt:.1f} s')
print(f'  ids answered per second: {ids:,.0f} = {ids / 4000:.1%} of the ceiling 4,000 (20 calls/s x 200)')
print(f'  GetCallback calls: {cb[\"calls\"]}, max in any 1 s: {cb[\"max_calls_in_1s\"]} (limit 20); ids per call: {s[\"get_callback_ids\"][\"total_ids\"] / max(1, s[\"get_callback_ids\"][\"calls\"]):.1f}')
print(f'GetZaloMessageStatus, the next 10 s: {zalo:.1f} calls/s = {zalo / 30:.1%} of 30; max in any 1 s: {zs.get(\"max_calls_in_1s\", 0)}')
print(f'deliveryd CPU over both: {($CPU1 - $CPU0) / hz / cpu_seconds:.1%} of one core; peak RSS {$RSS / 1024:.0f} MB')
print(f'violations counted by the simulator: {s[\"violations\"]}')
"
psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd -c "
    SELECT state, count(*) FROM delivery_state GROUP BY state ORDER BY state"
