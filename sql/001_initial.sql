-- 001_initial: the canonical status table, the event log, and the one setting
-- the sender-facing defaults depend on. Applied by `deliveryd migrate` in one
-- transaction.

-- Settings that deliveryd writes at start-up and that SQL defaults read, so a
-- sender's plain INSERT follows the running configuration.
CREATE TABLE deliveryd_settings (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE deliveryd_settings IS
    'Configuration values that SQL defaults read; written by deliveryd run at start-up.';
COMMENT ON COLUMN deliveryd_settings.name IS 'Setting name, as in the YAML configuration (e.g. reconcile.grace).';
COMMENT ON COLUMN deliveryd_settings.value IS 'Setting value as text (durations as PostgreSQL intervals).';
COMMENT ON COLUMN deliveryd_settings.updated_at IS 'When deliveryd last wrote the value.';

INSERT INTO deliveryd_settings (name, value) VALUES ('reconcile.grace', '2 minutes');

-- When a newly registered message is first polled: after the grace period,
-- because the provider's callback usually arrives first.
CREATE FUNCTION delivery_first_poll_at() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT now() + coalesce(
        (SELECT value::interval FROM deliveryd_settings WHERE name = 'reconcile.grace'),
        interval '2 minutes')
$$;
COMMENT ON FUNCTION delivery_first_poll_at() IS
    'Default of delivery_state.next_poll_at: now() plus the configured reconcile.grace.';

CREATE TABLE delivery_state (
    sms_id         text PRIMARY KEY CHECK (length(sms_id) BETWEEN 1 AND 128),
    provider       text NOT NULL DEFAULT 'esms' CHECK (provider IN ('esms', 'etelecom')),
    account        text NOT NULL DEFAULT 'default',
    type_id        integer,
    oa_id          text,
    phone          text,
    zalo_user_id   text,
    request_id     text,
    state          text NOT NULL DEFAULT 'submitted' CHECK (state IN (
                       'submitted', 'pending_approval', 'waiting', 'sent_to_telco', 'sent',
                       'delivered', 'failed', 'rejected', 'expired')),
    is_final       boolean NOT NULL DEFAULT false,
    send_status    integer,
    send_success   integer,
    send_failed    integer,
    total_receiver integer,
    total_sent     integer,
    total_price    numeric(18, 4),
    telco_id       integer,
    partner_id     text,
    template_id    text,
    error_code     integer,
    error_message  text,
    zalo_status    integer,
    delivered_at   timestamptz,
    state_at       timestamptz,
    state_source   text CHECK (state_source IN (
                       'callback', 'get_callback', 'get_send_status', 'zalo_status',
                       'etelecom_get_message')),
    window_closed  boolean NOT NULL DEFAULT false,
    window_closed_at timestamptz,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    final_at       timestamptz,
    resolved_by    text CHECK (resolved_by IN ('callback', 'poll')),
    poll_attempts  integer NOT NULL DEFAULT 0,
    next_poll_at   timestamptz DEFAULT delivery_first_poll_at()
);

-- The scheduler's claim: unresolved rows of one account due for polling,
-- oldest first. Final rows are not in the index at all, so it stays as small
-- as the backlog however large the table grows.
CREATE INDEX delivery_state_due ON delivery_state (account, next_poll_at)
    WHERE NOT is_final;

COMMENT ON TABLE delivery_state IS
    'One row per message: its merged delivery status from callbacks and status polls. '
    'Senders insert (sms_id, ...) ON CONFLICT (sms_id) DO NOTHING; deliveryd updates.';
COMMENT ON COLUMN delivery_state.sms_id IS 'Provider message id (eSMS SMSID); the key of every status API.';
COMMENT ON COLUMN delivery_state.provider IS 'esms (SMS, Viber, ZNS through eSMS) or etelecom (ZNS through eTelecom Zalo Cloud).';
COMMENT ON COLUMN delivery_state.account IS 'Name of the provider account in deliveryd''s configuration; selects credentials and rate limits.';
COMMENT ON COLUMN delivery_state.type_id IS 'eSMS TypeId: 1 advertising SMS, 2 customer care SMS, 23 Viber, 24/25 ZNS, 26 Zalo follower message, 27 ZNS journey.';
COMMENT ON COLUMN delivery_state.oa_id IS 'Zalo Official Account id (ZNS only).';
COMMENT ON COLUMN delivery_state.phone IS 'Receiver phone number as registered by the sender or reported by the provider.';
COMMENT ON COLUMN delivery_state.zalo_user_id IS 'Zalo user id of the receiver, when the provider reports one (TypeId 26/27, UID sends).';
COMMENT ON COLUMN delivery_state.request_id IS 'The sender''s own RequestId, if any.';
COMMENT ON COLUMN delivery_state.state IS 'Merged status: submitted, pending_approval, waiting, sent_to_telco, sent, delivered, failed, rejected or expired. Never moves backwards.';
COMMENT ON COLUMN delivery_state.is_final IS 'True when no further status is expected: SMS/Viber from sent on; ZNS at delivered, failed, rejected, or when the polling window ended.';
COMMENT ON COLUMN delivery_state.send_status IS 'Provider SendStatus of the report that decided the state (1 pending approval, 2 waiting, 4 rejected, 5 sent, 7 at telco).';
COMMENT ON COLUMN delivery_state.send_success IS 'Receivers reached (SendSuccess), the highest reported.';
COMMENT ON COLUMN delivery_state.send_failed IS 'Receivers failed (SendFailed), the highest reported.';
COMMENT ON COLUMN delivery_state.total_receiver IS 'Receivers in the message (TotalReceiver), the highest reported.';
COMMENT ON COLUMN delivery_state.total_sent IS 'Messages handed to the network (TotalSent), the highest reported.';
COMMENT ON COLUMN delivery_state.total_price IS 'Price charged (TotalPrice), the highest reported.';
COMMENT ON COLUMN delivery_state.telco_id IS 'Receiver''s network: 1 Viettel, 2 Mobifone, 3 Vinaphone, 4 Vietnamobile, 5 Gtel, 6 Itel, 7 Reddi.';
COMMENT ON COLUMN delivery_state.partner_id IS 'Zalo message id (eSMS partnerids, eTelecom msg_id); needed to ask GetZaloMessageStatus.';
COMMENT ON COLUMN delivery_state.template_id IS 'ZNS template id.';
COMMENT ON COLUMN delivery_state.error_code IS 'Zalo or provider error code for this message (e.g. -114 user inactive, -124 access token invalid); NULL when none.';
COMMENT ON COLUMN delivery_state.error_message IS 'Error text that came with error_code.';
COMMENT ON COLUMN delivery_state.zalo_status IS 'GetZaloMessageStatus status: -1 unknown message, 0 on Zalo''s server, 1 on the user''s phone.';
COMMENT ON COLUMN delivery_state.delivered_at IS 'When the ZNS reached the user''s phone, as reported by Zalo.';
COMMENT ON COLUMN delivery_state.state_at IS 'observed_at of the earliest report of the current state (the report that decided it).';
COMMENT ON COLUMN delivery_state.state_source IS 'Source of the report that decided the current state (see delivery_event.source).';
COMMENT ON COLUMN delivery_state.window_closed IS 'True once the polling window (reconcile.window) ended; a later provider report still updates the row.';
COMMENT ON COLUMN delivery_state.window_closed_at IS 'When the polling window ended for this row; NULL while it is open.';
COMMENT ON COLUMN delivery_state.submitted_at IS 'When the row was created (by the sender, or by the first report for an unknown message).';
COMMENT ON COLUMN delivery_state.updated_at IS 'When deliveryd last changed the row.';
COMMENT ON COLUMN delivery_state.final_at IS 'When the deciding report of the final state was observed (or the window closed).';
COMMENT ON COLUMN delivery_state.resolved_by IS 'callback or poll: which source made the row final.';
COMMENT ON COLUMN delivery_state.poll_attempts IS 'How many times deliveryd asked a status API about this message.';
COMMENT ON COLUMN delivery_state.next_poll_at IS 'When deliveryd next asks a status API about this message; NULL when it will not.';

CREATE TABLE delivery_event (
    event_id       bigint GENERATED ALWAYS AS IDENTITY,
    sms_id         text NOT NULL,
    source         text NOT NULL CHECK (source IN (
                       'callback', 'get_callback', 'get_send_status', 'zalo_status',
                       'etelecom_get_message')),
    received_at    timestamptz NOT NULL DEFAULT now(),
    observed_at    timestamptz NOT NULL,
    state          text NOT NULL,
    send_status    integer,
    send_success   integer,
    send_failed    integer,
    total_receiver integer,
    total_sent     integer,
    total_price    numeric(18, 4),
    telco_id       integer,
    type_id        integer,
    oa_id          text,
    phone          text,
    zalo_user_id   text,
    request_id     text,
    partner_id     text,
    template_id    text,
    error_code     integer,
    error_message  text,
    zalo_status    integer,
    delivered_at   timestamptz,
    raw_payload    text NOT NULL,
    PRIMARY KEY (event_id, received_at)
) PARTITION BY RANGE (received_at);

-- Catches rows outside the monthly partitions that deliveryd creates ahead of
-- time (delivery_event_ensure_partitions), so an insert never fails for lack
-- of a partition.
CREATE TABLE delivery_event_default PARTITION OF delivery_event DEFAULT;

CREATE INDEX delivery_event_sms_id ON delivery_event (sms_id, received_at);

COMMENT ON TABLE delivery_event IS
    'Append-only log: one row per status report received (callback or poll answer), raw and parsed. Partitioned by month of received_at.';
COMMENT ON TABLE delivery_event_default IS 'Partition for delivery_event rows outside every monthly partition.';
COMMENT ON COLUMN delivery_event.event_id IS 'Increasing id of the report.';
COMMENT ON COLUMN delivery_event.sms_id IS 'The message the report is about (delivery_state.sms_id).';
COMMENT ON COLUMN delivery_event.source IS 'callback, get_callback, get_send_status, zalo_status or etelecom_get_message.';
COMMENT ON COLUMN delivery_event.received_at IS 'When the report was stored.';
COMMENT ON COLUMN delivery_event.observed_at IS 'When deliveryd received the report from the provider.';
COMMENT ON COLUMN delivery_event.state IS 'The state this report alone implies (delivery_state.state is the merge of all reports).';
COMMENT ON COLUMN delivery_event.send_status IS 'SendStatus as reported.';
COMMENT ON COLUMN delivery_event.send_success IS 'SendSuccess as reported.';
COMMENT ON COLUMN delivery_event.send_failed IS 'SendFailed as reported.';
COMMENT ON COLUMN delivery_event.total_receiver IS 'TotalReceiver as reported.';
COMMENT ON COLUMN delivery_event.total_sent IS 'TotalSent as reported.';
COMMENT ON COLUMN delivery_event.total_price IS 'TotalPrice as reported.';
COMMENT ON COLUMN delivery_event.telco_id IS 'telcoid as reported.';
COMMENT ON COLUMN delivery_event.type_id IS 'TypeId as reported.';
COMMENT ON COLUMN delivery_event.oa_id IS 'Zalo OA id as reported.';
COMMENT ON COLUMN delivery_event.phone IS 'Phone number as reported.';
COMMENT ON COLUMN delivery_event.zalo_user_id IS 'Zalo user id as reported.';
COMMENT ON COLUMN delivery_event.request_id IS 'RequestId as reported.';
COMMENT ON COLUMN delivery_event.partner_id IS 'Zalo message id as reported.';
COMMENT ON COLUMN delivery_event.template_id IS 'ZNS template id as reported.';
COMMENT ON COLUMN delivery_event.error_code IS 'Error code parsed from error_info / ErrorInfo / error_code.';
COMMENT ON COLUMN delivery_event.error_message IS 'Error text parsed with error_code.';
COMMENT ON COLUMN delivery_event.zalo_status IS 'GetZaloMessageStatus status as reported.';
COMMENT ON COLUMN delivery_event.delivered_at IS 'Delivery time to the phone as reported.';
COMMENT ON COLUMN delivery_event.raw_payload IS 'The report exactly as received: the callback query string or the JSON answer.';

-- Creates the monthly partitions of delivery_event from the current month to
-- `months_ahead` months later; safe to call repeatedly.
CREATE FUNCTION delivery_event_ensure_partitions(months_ahead integer DEFAULT 3)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    -- Months are UTC months whatever the session's TimeZone, so that every
    -- caller computes the same boundaries.
    month_start date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    name text;
BEGIN
    FOR i IN 0 .. months_ahead LOOP
        name := format('delivery_event_%s', to_char(month_start, 'YYYY_MM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF delivery_event FOR VALUES FROM (%L) TO (%L)',
                name, month_start::timestamp AT TIME ZONE 'UTC',
                (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
            EXECUTE format('COMMENT ON TABLE %I IS %L', name,
                'delivery_event rows received in ' || to_char(month_start, 'YYYY-MM'));
        END IF;
        month_start := (month_start + interval '1 month')::date;
    END LOOP;
END
$$;
COMMENT ON FUNCTION delivery_event_ensure_partitions(integer) IS
    'Creates the monthly partitions of delivery_event up to N months ahead; run by deliveryd migrate and daily by deliveryd run.';

SELECT delivery_event_ensure_partitions(3);
