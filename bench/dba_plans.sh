#!/usr/bin/env bash
# Plans and timings of the DBA queries of docs/dba.md at scale: a private
# PostgreSQL (default settings), migrated by deliveryd, filled with
# 1,000,000 delivery_state rows over the last 90 days (four accounts, SMS /
# Viber / ZNS through eSMS and eTelecom, ~95% final, ~4% with an error code,
# ~5% unresolved, all of those in the last 7 days) and ~1.6 delivery_event
# rows per message across the monthly partitions; then VACUUM ANALYZE, and
# for each query EXPLAIN (ANALYZE, BUFFERS) and its time over 5 warm runs.
# Everything on 127.0.0.1; about 30 seconds at the default size (plus a build).
#
# Usage: bench/dba_plans.sh [rows, default 1000000]
# Environment: DELIVERYD, a built deliveryd binary to migrate with (any build
# type; skips the build); otherwise BUILD, the release build tree (default
# build/release), is built first.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/../scripts/lib/postgres.sh"
source "$(dirname "$0")/lib.sh"
ROWS=${1:-1000000}
RUNS=5

if [ -z "${DELIVERYD:-}" ]; then
    bench_build
    DELIVERYD=$BUILD/deliveryd
else
    install_packages
fi

bench_migrated_database "$DELIVERYD"

PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$URL")

# seconds_since START: wall time since START (from `date +%s.%N`).
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

log "filling delivery_state with $ROWS rows over 90 days"
t0=$(date +%s.%N)
"${PSQL[@]}" -v n="$ROWS" <<'SQL'
-- Reproducible: random() below follows this seed (the insert is not parallel).
SELECT setseed(0.2026) \g /dev/null
INSERT INTO delivery_state (
    sms_id, provider, account, type_id, oa_id, phone, partner_id, state, is_final,
    send_status, send_success, send_failed, total_receiver, total_sent, total_price, telco_id,
    error_code, error_message, zalo_status, delivered_at, state_at, state_source,
    window_closed, window_closed_at, submitted_at, updated_at, final_at, resolved_by,
    poll_attempts, next_poll_at)
SELECT md5('bench' || i)::uuid::text, provider, account, type_id, oa_id,
       '09' || lpad((i % 100000000)::text, 8, '0'),
       CASE WHEN channel = 'zns' AND state NOT IN ('submitted', 'expired') THEN 'zalo-' || i END,
       state, is_final,
       CASE WHEN state IN ('sent', 'delivered', 'failed') THEN 5 WHEN state = 'rejected' THEN 4
            WHEN state = 'waiting' THEN 2 WHEN state = 'sent_to_telco' THEN 7 END,
       CASE WHEN state IN ('sent', 'delivered') THEN 1 WHEN state = 'failed' THEN 0 END,
       CASE WHEN state = 'failed' THEN 1 WHEN state IN ('sent', 'delivered') THEN 0 END,
       CASE WHEN state NOT IN ('submitted', 'expired') THEN 1 END,
       CASE WHEN state NOT IN ('submitted', 'expired') THEN 1 END,
       CASE WHEN state IN ('sent', 'delivered', 'failed') THEN price END,
       CASE WHEN channel <> 'zns' THEN 1 + i % 7 END,
       error_code, error_message,
       CASE WHEN state = 'delivered' AND provider = 'esms' THEN 1 END,
       CASE WHEN state = 'delivered' THEN state_at END,
       CASE WHEN state NOT IN ('submitted', 'expired') THEN state_at END,
       CASE WHEN state IN ('submitted', 'expired') THEN NULL
            WHEN by_callback THEN 'callback'
            WHEN provider = 'etelecom' THEN 'etelecom_get_message'
            WHEN channel <> 'zns' THEN 'get_send_status'
            WHEN state = 'delivered' THEN 'zalo_status'
            ELSE 'get_callback' END,
       window_end, CASE WHEN window_end THEN submitted_at + interval '7 days' END,
       submitted_at,
       CASE WHEN window_end THEN submitted_at + interval '7 days'
            WHEN state IN ('submitted', 'expired') THEN submitted_at ELSE state_at END,
       CASE WHEN NOT is_final THEN NULL
            WHEN window_end THEN submitted_at + interval '7 days' ELSE state_at END,
       CASE WHEN NOT is_final THEN NULL
            WHEN window_end OR NOT by_callback THEN 'poll' ELSE 'callback' END,
       CASE WHEN is_final AND by_callback AND NOT window_end THEN 0 ELSE 1 + i % 4 END,
       CASE WHEN NOT is_final THEN now() + (r_lat - 0.3) * interval '30 minutes' END
FROM (
    -- Submitted evenly over the last 90 days, in order, as senders insert.
    SELECT i, now() - interval '90 days' * (1 - (i - 0.5) / :n) AS submitted_at,
           random() AS r_acc, random() AS r_ch, random() AS r_open, random() AS r_out,
           random() AS r_src, random() AS r_lat, random() AS r_err
    FROM generate_series(1, :n) AS i
    OFFSET 0  -- one draw per row, not one per use
) AS g
CROSS JOIN LATERAL (SELECT
    CASE WHEN r_acc < 0.5 THEN 'default' WHEN r_acc < 0.75 THEN 'shop_a'
         WHEN r_acc < 0.9 THEN 'shop_b' ELSE 'bank' END AS account,
    CASE WHEN r_ch < 0.92 THEN 'esms' ELSE 'etelecom' END AS provider,
    -- 45% customer care SMS, 10% advertising SMS, 10% Viber, 27% ZNS, 8% eTelecom.
    CASE WHEN r_ch < 0.45 THEN 2 WHEN r_ch < 0.55 THEN 1 WHEN r_ch < 0.65 THEN 23
         WHEN r_ch < 0.92 THEN 25 END AS type_id,
    CASE WHEN r_ch >= 0.92 THEN '39000000000000000' || i % 2
         WHEN r_ch >= 0.65 THEN '40000000000000000' || i % 5 END AS oa_id,
    CASE WHEN r_ch < 0.55 THEN 'sms' WHEN r_ch < 0.65 THEN 'viber' ELSE 'zns' END AS channel,
    CASE WHEN r_ch < 0.45 THEN 800 WHEN r_ch < 0.55 THEN 350 WHEN r_ch < 0.65 THEN 600
         ELSE 200 END AS price,
    -- Only the last 7 days (the polling window) can still be open.
    submitted_at > now() - interval '7 days' AND r_open < 0.6 AS open,
    submitted_at <= now() - interval '7 days' AS window_over,
    r_src < 0.85 AS by_callback,
    least(now(), submitted_at + CASE WHEN r_src < 0.85
                                     THEN interval '2 seconds' + r_lat * interval '1 minute'
                                     ELSE interval '3 minutes' + r_lat * interval '6 hours' END)
        AS state_at
) AS a
CROSS JOIN LATERAL (SELECT
    CASE WHEN open THEN
             CASE WHEN channel = 'zns' THEN CASE WHEN r_out < 0.6 THEN 'sent' ELSE 'submitted' END
                  WHEN r_out < 0.5 THEN 'submitted' WHEN r_out < 0.8 THEN 'waiting'
                  ELSE 'sent_to_telco' END
         WHEN channel <> 'zns' THEN
             CASE WHEN r_out < 0.93 THEN 'sent' WHEN r_out < 0.98 THEN 'failed'
                  ELSE 'rejected' END
         WHEN r_out < 0.82 OR (r_out >= 0.9 AND NOT window_over) THEN 'delivered'
         WHEN r_out < 0.9 THEN 'failed'
         WHEN r_out < 0.98 THEN 'sent'  -- no handset receipt by the window's end
         ELSE 'expired' END AS state,
    NOT open AS is_final,
    NOT open AND channel = 'zns' AND r_out >= 0.9 AND window_over AS window_end
) AS b
CROSS JOIN LATERAL (SELECT
    CASE WHEN state = 'failed' AND channel = 'zns' THEN
             CASE WHEN r_err < 0.45 THEN -114 WHEN r_err < 0.7 THEN -118
                  WHEN r_err < 0.85 THEN -124 WHEN r_err < 0.95 THEN -139 ELSE -108 END
         WHEN state = 'rejected' THEN 104 END AS error_code,
    CASE WHEN state = 'failed' AND channel = 'zns' THEN
             CASE WHEN r_err < 0.45 THEN 'User is inactive'
                  WHEN r_err < 0.7 THEN 'Zalo account does not exist'
                  WHEN r_err < 0.85 THEN 'Access token is invalid'
                  WHEN r_err < 0.95 THEN 'User refused to receive ZNS'
                  ELSE 'Phone number is invalid' END
         WHEN state = 'rejected' THEN 'Brandname is not registered' END AS error_message
) AS c;
SQL
echo "delivery_state filled in $(seconds_since "$t0") s"

log "filling delivery_event (~1.6 reports per message)"
t0=$(date +%s.%N)
"${PSQL[@]}" <<'SQL'
-- The monthly partitions deliveryd would have created while these 90 days
-- went by (migrate created this month's and the next three).
DO $$
DECLARE
    month_start date := date_trunc('month', (now() - interval '91 days') AT TIME ZONE 'UTC')::date;
BEGIN
    WHILE month_start < date_trunc('month', now() AT TIME ZONE 'UTC')::date LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF delivery_event '
                       'FOR VALUES FROM (%L) TO (%L)',
                       'delivery_event_' || to_char(month_start, 'YYYY_MM'),
                       month_start::timestamp AT TIME ZONE 'UTC',
                       (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        month_start := (month_start + interval '1 month')::date;
    END LOOP;
END
$$;
-- Every reported message has its deciding report; two in three also an
-- earlier one (Zalo accepted, or the SMS was waiting) a second after
-- submission. Messages with no report yet have no event.
INSERT INTO delivery_event (sms_id, source, received_at, observed_at, state, send_status,
                            error_code, error_message, partner_id, raw_payload)
SELECT s.sms_id, e.source, e.at, e.at, e.state, e.send_status, e.error_code, e.error_message,
       s.partner_id,
       CASE WHEN e.source = 'callback'
            THEN format('SMSID=%s&SendStatus=%s&SendSuccess=%s&SendFailed=%s&TelcoId=%s',
                        s.sms_id, e.send_status, s.send_success, s.send_failed, s.telco_id)
            ELSE format('{"CodeResult":"100","SMSID":"%s","SendStatus":%s,"ErrorCode":%s}',
                        s.sms_id, e.send_status, coalesce(s.error_code, 0)) END
FROM delivery_state AS s
CROSS JOIN LATERAL generate_series(CASE WHEN abs(hashtext(s.sms_id)) % 3 = 0 THEN 2 ELSE 1 END,
                                   2) AS k
CROSS JOIN LATERAL (SELECT
    CASE WHEN k = 2 THEN s.state_source ELSE 'callback' END AS source,
    CASE WHEN k = 2 THEN s.state_at ELSE s.submitted_at + interval '1 second' END AS at,
    CASE WHEN k = 2 THEN s.state
         WHEN delivery_channel(s.provider, s.type_id, s.oa_id) = 'zns' THEN 'sent'
         ELSE 'waiting' END AS state,
    CASE WHEN k = 2 THEN s.send_status
         WHEN delivery_channel(s.provider, s.type_id, s.oa_id) = 'zns' THEN 5 ELSE 2 END
        AS send_status,
    CASE WHEN k = 2 THEN s.error_code END AS error_code,
    CASE WHEN k = 2 THEN s.error_message END AS error_message
) AS e
WHERE s.state_at IS NOT NULL;
SQL
echo "delivery_event filled in $(seconds_since "$t0") s"

log "VACUUM ANALYZE"
t0=$(date +%s.%N)
"${PSQL[@]}" -c "VACUUM (ANALYZE) delivery_state" -c "VACUUM (ANALYZE) delivery_event"
echo "vacuumed and analyzed in $(seconds_since "$t0") s"

"${PSQL[@]}" <<'SQL'
SELECT count(*) AS messages,
       round(100.0 * count(*) FILTER (WHERE is_final) / count(*), 1) AS final_pct,
       round(100.0 * count(error_code) / count(*), 1) AS error_pct,
       (SELECT count(*) FROM delivery_event) AS events
FROM delivery_state;
SELECT c.relname AS relation, pg_size_pretty(pg_relation_size(c.oid)) AS size
FROM pg_class AS c
WHERE c.relname LIKE 'delivery_state%' OR c.relname LIKE 'delivery_event%'
ORDER BY c.relkind DESC, c.relname;
SQL

# One message with an earlier and a deciding report, for the history query.
SMS_ID=$("${PSQL[@]}" -tA -c "SELECT sms_id FROM delivery_state
    WHERE state_at IS NOT NULL AND abs(hashtext(sms_id)) % 3 <> 0 LIMIT 1")

# The queries of docs/dba.md, read from it in its order: each "### heading"
# and its first ```sql block. The history query gets a message of this data.
NAMES=() QUERIES=()
while IFS= read -r -d '' name && IFS= read -r -d '' sql; do
    NAMES+=("$name")
    QUERIES+=("$(printf '%s' "$sql" | sed "s/WHERE sms_id = '[^']*'/WHERE sms_id = '$SMS_ID'/")")
done < <(awk '
    /^### / { heading = substr($0, 5); taken = 0; next }
    /^```sql$/ && heading != "" && !taken { inside = 1; sql = ""; next }
    /^```$/ && inside { printf "%s%c%s%c", heading, 0, sql, 0; inside = 0; taken = 1; next }
    inside { sql = sql $0 "\n" }
' "$DELIVERYD_ROOT/docs/dba.md")
[ "${#QUERIES[@]}" -ge 6 ] || die "found ${#QUERIES[@]} queries in docs/dba.md, expected 6"

SUMMARY=()
for i in "${!QUERIES[@]}"; do
    name=${NAMES[$i]} sql=${QUERIES[$i]}
    printf '\n\033[1m== %s\033[0m\n%s\n\n' "$name" "$sql"
    # Warm: the first run after the fill would also count reading from disk.
    "${PSQL[@]}" -c "$sql" >/dev/null
    "${PSQL[@]}" -c "EXPLAIN (ANALYZE, BUFFERS) $sql"
    times=$({
        printf '%s\n' '\timing on' '\o /dev/null'
        for _ in $(seq "$RUNS"); do echo "$sql"; done
    } | "${PSQL[@]}" | awk '/^Time:/ { print $2 }' | sort -n)
    median=$(echo "$times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    fastest=$(echo "$times" | head -1)
    echo "time over $RUNS runs (psql, client side): median $median ms, fastest $fastest ms"
    SUMMARY+=("$(printf '%-48s %10s ms %10s ms' "$name" "$median" "$fastest")")
done

printf '\n\033[1m== %s rows: median and fastest of %s runs\033[0m\n' "$ROWS" "$RUNS"
printf '%s\n' "${SUMMARY[@]}"
