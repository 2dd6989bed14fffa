-- delivery_state filled with :n messages submitted over the last 90 days
-- across :accounts accounts (0: four), SMS / Viber / ZNS through eSMS and
-- eTelecom, ~95% final, ~4% with an error code, ~5% unresolved (all in the
-- last 7 days, the polling window). For bench/dba_plans.sh and
-- bench/scale.sh: psql -v n=ROWS -v accounts=ACCOUNTS -f bench/fill_states.sql
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
    -- accounts = 0: four accounts of 50%, 25%, 15% and 10%; otherwise that
    -- many, acct-0000 the busiest (a quadratic skew: acct-0000 to acct-0099
    -- carry about a third of the messages when there are 1,000).
    CASE WHEN :accounts > 0 THEN 'acct-' || lpad(floor(:accounts * r_acc * r_acc)::int::text, 4, '0')
         WHEN r_acc < 0.5 THEN 'default' WHEN r_acc < 0.75 THEN 'shop_a'
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
