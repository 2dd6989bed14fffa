-- delivery_event filled for the messages of bench/fill_states.sql: ~1.6
-- reports per message, in the monthly partitions deliveryd would have made.
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
