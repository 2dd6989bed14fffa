#!/usr/bin/env bash
# Time to truth for ZNS: how long after a ZNS reaches the phone its row says
# `delivered`, when no callback tells the handset receipt and only
# GetZaloMessageStatus (30 calls/s, 5% margin) can. RATE ZNS a second
# (default 10) are sent for DURATION seconds (default 600), each accepted by
# Zalo 1 s after it is sent (a callback says so), and on the phone after a
# delay drawn from these bands: 60% within 10 s, 25% from 10 s to 5 min,
# 10% from 5 min to 2 h, 5% never (log-uniform inside each band). The
# sender registers each message as it sends it. Everything else is
# deliveryd's production default (grace 2m, backoff 2m, 5m, 15m, 1h, 6h,
# 24h), QueryZnsStatus off, every answer 50 ms late. Runs in one script:
#   1. reconcile.spare_calls: false (rows asked only when due);
#   2. spare_calls: true;
#   3. with QUERY_ZNS=1 only: spare calls on and QueryZnsStatus at its
#      default rate (100 calls/s), as a deployment runs.
# Each runs DURATION + TAIL seconds (TAIL default 300). The lag of a message
# whose receipt came at least TAIL before the end is the time its row took
# to say delivered (the end, if it never did: a lower bound). Reported: p50,
# p95, the status calls per delivered message, the limits' use and the
# simulator's violations. Everything on 127.0.0.1; 2 (or 3) x (DURATION +
# TAIL).
#
# Usage: bench/zns_lag.sh
# Environment: BUILD (default build/release); RATE; DURATION; TAIL;
# QUERY_ZNS=1 for the third run; ONLY=a list of runs (false, true, query).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-10}
DURATION=${DURATION:-600}
TAIL=${TAIL:-300}
MESSAGES=$((RATE * DURATION))

bench_polling_setup
sql() { psql -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd -c "$1"; }

log "writing $MESSAGES ZNS"
awk -v n="$MESSAGES" -v rate="$RATE" 'BEGIN {
    srand(7)
    print "["
    for (i = 1; i <= n; i++) {
        u = rand()
        if (u < 0.60)      { lo = 1;   hi = 10 }
        else if (u < 0.85) { lo = 10;  hi = 300 }
        else if (u < 0.95) { lo = 300; hi = 7200 }
        else               { lo = 0 }
        printf "{\"sms_id\":\"lag-%d\",\"type_id\":25,\"oa_id\":\"4000000000000000001\",\"phone\":\"09%08d\",", i, i
        printf "\"partner_id\":\"zalo-%d\",\"price\":200,\"submitted_ms\":%d,", i, int((i - 1) * 1000 / rate)
        printf "\"timeline\":[{\"at_ms\":1000,\"send_status\":5,\"success\":1,\"failed\":0,\"error\":{\"code\":0,\"message\":\"Success\"}}]"
        if (lo > 0)
            printf ",\"delivered_ms\":%d", 1000 + int(1000 * exp(log(lo) + rand() * (log(hi) - log(lo))))
        printf "}%s\n", (i < n ? "," : "")
    }
    print "]" }' >"$WORK/messages.json"

# run MODE: the simulator and deliveryd afresh on an empty table, a sender
# registering each message as it goes, for DURATION + TAIL seconds. MODE is
# spare_calls (false or true), or query: spare calls with QueryZnsStatus.
run() {
    sql "TRUNCATE delivery_state, delivery_event" 2>/dev/null || true
    bench_start_sim --callback-url "http://127.0.0.1:$HTTP_PORT/callback/esms"
    local account="      query_zns_tps: 0" spare=$1
    if [ "$1" = query ]; then
        account="" spare=true
    fi
    bench_start_deliveryd "$account" "  spare_calls: $spare
  tick: 1s" info
    curl -sf "http://127.0.0.1:$SIM_PORT/sim/truth" >"$WORK/truth-$1.json"
    python3 -c "
import json
for m in json.load(open('$WORK/truth-$1.json'))['messages']:
    print(m['sms_id'], m['submitted_at'], sep=',')" >"$WORK/outbox.csv"
    sql "DROP TABLE IF EXISTS bench_outbox; CREATE TABLE bench_outbox (sms_id text, submitted_at timestamptz)"
    psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U deliveryd -d deliveryd \
        -c "\\copy bench_outbox FROM '$WORK/outbox.csv' WITH (FORMAT csv)"
    local end=$((SECONDS + DURATION + TAIL))
    while [ "$SECONDS" -lt "$end" ]; do
        # Registered as sent, a moment before Zalo's acceptance comes back.
        sql "INSERT INTO delivery_state (sms_id, type_id, oa_id, phone, submitted_at)
             SELECT o.sms_id, 25, '4000000000000000001', '09' || lpad(substr(o.sms_id, 5), 8, '0'), o.submitted_at
             FROM bench_outbox o WHERE o.submitted_at <= now()
             ON CONFLICT (sms_id) DO NOTHING; DELETE FROM bench_outbox WHERE submitted_at <= now()"
        sleep 0.2
    done
    END_AT=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
    bench_sim_stats >"$WORK/stats-$1.json"
    sql "SELECT sms_id, state, coalesce(to_char(final_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '-')
         FROM delivery_state" | tr '|' ' ' >"$WORK/rows-$1.txt"
    echo "$END_AT" >"$WORK/end-$1.txt"
    bench_stop_programs
}

report() {
    python3 - "$WORK" "$TAIL" $MODES <<'PY'
import json, sys
from datetime import datetime
work, tail, modes = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
def t(s): return datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else float('nan')
out = {}
names = {'false': 'spare calls off', 'true': 'spare calls on', 'query': 'spare calls and QueryZnsStatus on'}
for mode in modes:
    truth = json.load(open(f'{work}/truth-{mode}.json'))['messages']
    end = t(open(f'{work}/end-{mode}.txt').read().strip()[:26] + 'Z')
    rows = {}
    for line in open(f'{work}/rows-{mode}.txt'):
        parts = line.split()
        if len(parts) == 3:
            rows[parts[0]] = (parts[1], parts[2])
    lags = []
    for m in truth:
        if not m.get('final_delivered_at'):
            continue  # never on the phone
        d = t(m['final_delivered_at'])
        if d > end - tail:
            continue
        state, final_at = rows.get(m['sms_id'], ('-', '-'))
        lags.append((t(final_at) if state == 'delivered' and final_at != '-' else end) - d)
    s = json.load(open(f'{work}/stats-{mode}.json'))
    delivered = sum(1 for st, _ in rows.values() if st == 'delivered')
    out[mode] = pct(lags, 0.5)
    print(f'{names[mode]}: {len(lags)} receipts measured; lag p50 {pct(lags, 0.5):.1f} s, '
          f'p95 {pct(lags, 0.95):.1f} s, p99 {pct(lags, 0.99):.1f} s; rows delivered {delivered}; '
          f'violations {s["violations"]}')
    calls = 0
    for endpoint, limit in (('GetZaloMessageStatus', 30), ('QueryZnsStatus', 100)):
        z = s['endpoints'].get(endpoint, {}).get('keys', {}).get('sim-api-key', {})
        calls += z.get('calls', 0)
        print(f'  {endpoint} calls {z.get("calls", 0)} (most in any 1 s: {z.get("max_calls_in_1s", 0)}, limit {limit})')
    print(f'  status calls per delivered row {calls / max(1, delivered):.2f}')
if 'false' in out and 'true' in out:
    print(f'ratio of p50 lags, spare calls off / on: {out["false"] / out["true"]:.1f}x')
if 'false' in out and 'query' in out:
    print(f'ratio of p50 lags, spare calls off / on with QueryZnsStatus: {out["false"] / out["query"]:.1f}x')
PY
}

MODES=${ONLY:-false true${QUERY_ZNS:+ query}}
for mode in $MODES; do
    log "run $mode ($((DURATION + TAIL)) s)"
    run "$mode"
done
log "results"
report
