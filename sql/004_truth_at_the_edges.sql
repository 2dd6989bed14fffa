-- 004_truth_at_the_edges: every unresolved row has a next poll, success is
-- no error, a row's counts come from one report, and what the providers and
-- senders tell beyond that is kept: the provider's own event time, eTelecom's
-- SMS fallback, and the time a scheduled message goes out.
--
-- Runs while the previous release still serves, so nothing here can make its
-- writes fail: the columns added are nullable without a default (no table
-- rewrite, and INSERTs that do not name them work as before); their CHECKs are
-- NOT VALID (every existing value is NULL, so there is nothing to scan for
-- under the ALTER's lock; new writes are still checked); and the invariant
-- "unresolved means a next poll" is kept by a trigger that fills the value
-- in, never by a constraint that would refuse an older replica's batch.

ALTER TABLE delivery_state
    ADD COLUMN counts_state text,
    ADD COLUMN counts_at timestamptz,
    ADD COLUMN counts_source text,
    ADD COLUMN fallback_sms_status text,
    ADD COLUMN fallback_sms_at timestamptz,
    ADD COLUMN scheduled_at timestamptz;
ALTER TABLE delivery_state
    ADD CONSTRAINT delivery_state_counts_state_check CHECK (counts_state IN (
        'submitted', 'pending_approval', 'waiting', 'sent_to_telco', 'sent',
        'delivered', 'failed', 'rejected')) NOT VALID,
    ADD CONSTRAINT delivery_state_counts_source_check CHECK (counts_source IN (
        'callback', 'get_callback', 'get_send_status', 'zalo_status',
        'etelecom_get_message')) NOT VALID;

COMMENT ON COLUMN delivery_state.counts_state IS
    'The state the report that gave send_status, the counters and total_price implied on its own. They all come from that one report: the one of the highest state among those that carried any of them, then the one that counted the most outcomes (success + failed), then the earliest.';
COMMENT ON COLUMN delivery_state.counts_at IS
    'Time of that report: the provider''s own time of the event when the report carried one (delivery_event.provider_at), else when deliveryd received it.';
COMMENT ON COLUMN delivery_state.counts_source IS
    'Source of that report (see delivery_event.source).';
COMMENT ON COLUMN delivery_state.fallback_sms_status IS
    'eTelecom: status of the SMS sent in place of a ZNS that failed (sms.status), exactly as eTelecom sent it (its values are not documented; delivery_fallback_sms_succeeded() names those that clearly mean success). NULL when no fallback SMS was reported.';
COMMENT ON COLUMN delivery_state.fallback_sms_at IS
    'eTelecom: when the fallback SMS was sent (sms.send_time), from the same report as fallback_sms_status.';
COMMENT ON COLUMN delivery_state.scheduled_at IS
    'Set by the sender for a message scheduled to go out later (eSMS SendDate). When set, the first poll waits until reconcile.grace after it, and the polling window counts from it rather than from submitted_at.';

COMMENT ON COLUMN delivery_state.phone IS
    'Receiver phone number as registered by the sender or reported by the provider; never a Zalo user id.';
COMMENT ON COLUMN delivery_state.zalo_user_id IS
    'Zalo user id of the receiver, when the provider reports one (Zalo''s data.user_id, or a phonenumber that is not a Vietnamese phone number).';
COMMENT ON COLUMN delivery_state.send_status IS
    'Provider SendStatus (1 pending approval, 2 waiting, 4 rejected, 5 finished, 7 at telco; other values as reported) of the report the counts come from (counts_state).';
COMMENT ON COLUMN delivery_state.send_success IS
    'Receivers reached (SendSuccess), from the same report as send_status.';
COMMENT ON COLUMN delivery_state.send_failed IS
    'Receivers failed (SendFailed), from the same report as send_status.';
COMMENT ON COLUMN delivery_state.total_receiver IS
    'Receivers in the message (TotalReceiver), from the same report as send_status.';
COMMENT ON COLUMN delivery_state.total_sent IS
    'Messages handed to the network (TotalSent), from the same report as send_status.';
COMMENT ON COLUMN delivery_state.total_price IS
    'Price charged (TotalPrice), from the same report as send_status.';
COMMENT ON COLUMN delivery_state.error_code IS
    'Zalo or provider error code of the report that decided the state (e.g. -114 user inactive, -124 access token invalid). NULL when there is none; never 0, which is Zalo''s success code (the report itself stays in delivery_event).';
COMMENT ON COLUMN delivery_state.error_message IS
    'Error text that came with error_code, or error text the provider sent without a code; NULL for a success.';
COMMENT ON COLUMN delivery_state.zalo_status IS
    'GetZaloMessageStatus / error_info data.status: -1 unknown message, 0 on Zalo''s server, 1 on the user''s phone; another value only when no report gave one of these.';
COMMENT ON COLUMN delivery_state.delivered_at IS
    'When the ZNS reached the user''s phone, as reported by Zalo; NULL when the reported time cannot be true (before 2015, or more than a day after it was received).';
COMMENT ON COLUMN delivery_state.next_poll_at IS
    'When deliveryd next asks a status API about this message; NULL only for final rows. Never NULL while is_final is false (the trigger delivery_state_next_poll_* fills it in).';
COMMENT ON COLUMN delivery_unresolved.next_poll_at IS 'When deliveryd next asks a status API (never NULL).';

ALTER TABLE delivery_event
    ADD COLUMN provider_at timestamptz,
    ADD COLUMN fallback_sms_status text,
    ADD COLUMN fallback_sms_at timestamptz;
COMMENT ON COLUMN delivery_event.provider_at IS
    'The provider''s own time of the event, when the report carried one: the "____dd/MM/yyyy HH:mm:ss" stamp of error_info, read as Vietnam time. NULL when absent or not plausible (raw_payload keeps it).';
COMMENT ON COLUMN delivery_event.fallback_sms_status IS 'eTelecom: sms.status as reported.';
COMMENT ON COLUMN delivery_event.fallback_sms_at IS 'eTelecom: sms.send_time as reported.';
COMMENT ON COLUMN delivery_event.error_code IS
    'Error code parsed from error_info / ErrorInfo / error_code, as reported: 0 is Zalo''s success code (delivery_state.error_code leaves it out).';
COMMENT ON COLUMN delivery_event.delivered_at IS
    'Delivery time to the phone as reported, when plausible (raw_payload keeps it otherwise).';

-- Keeps every unresolved row polled, whoever writes it: a sender's INSERT
-- that names next_poll_at NULL, a scheduled message's first poll, a row that
-- a later report made unresolved again, and rows written by an older
-- release. It fills values in and never refuses a write. Also keeps
-- error_code free of the success code for writers that still store it.
CREATE FUNCTION delivery_state_fill_in() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.is_final THEN
        IF TG_OP = 'INSERT' THEN
            -- delivery_first_poll_at() - now() is the configured grace.
            NEW.next_poll_at := greatest(
                coalesce(NEW.next_poll_at, delivery_first_poll_at()),
                NEW.scheduled_at + (delivery_first_poll_at() - now()));
        ELSIF NEW.next_poll_at IS NULL THEN
            NEW.next_poll_at := now();
        END IF;
    END IF;
    IF NEW.error_code = 0 THEN
        NEW.error_code := NULL;
        NEW.error_message := NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION delivery_state_fill_in() IS
    'Trigger function of delivery_state: gives an unresolved row without next_poll_at one (the grace after now, or after scheduled_at, on insert; now on update) and clears error code 0 (success).';

-- The WHEN clauses keep the cost to a comparison per row in the usual case
-- (the function runs only for the rows it changes).
CREATE TRIGGER delivery_state_next_poll_on_insert
    BEFORE INSERT ON delivery_state
    FOR EACH ROW
    WHEN ((NOT NEW.is_final AND (NEW.next_poll_at IS NULL OR NEW.scheduled_at IS NOT NULL))
          OR NEW.error_code = 0)
    EXECUTE FUNCTION delivery_state_fill_in();
CREATE TRIGGER delivery_state_next_poll_on_update
    BEFORE UPDATE ON delivery_state
    FOR EACH ROW
    WHEN ((NOT NEW.is_final AND NEW.next_poll_at IS NULL) OR NEW.error_code = 0)
    EXECUTE FUNCTION delivery_state_fill_in();

-- Rows already stuck (made unresolved again with no next poll) are due now;
-- rows that stored the success code as an error lose it. Both are found
-- through partial indexes (delivery_state_unresolved, delivery_state_errors).
UPDATE delivery_state SET next_poll_at = now()
WHERE NOT is_final AND next_poll_at IS NULL;
UPDATE delivery_state SET error_code = NULL, error_message = NULL, updated_at = now()
WHERE error_code = 0;

-- Which fallback SMS statuses count as the SMS having gone out: eTelecom
-- does not document the values, so only words that cannot mean anything
-- else. Compared without case.
CREATE FUNCTION delivery_fallback_sms_succeeded(status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(lower(status) IN ('success', 'succeeded', 'successful', 'delivered'), false)
$$;
COMMENT ON FUNCTION delivery_fallback_sms_succeeded(text) IS
    'True when an eTelecom fallback SMS status clearly means success (success, succeeded, successful, delivered; any case).';

-- The same columns in the same order, two more at the end (all that CREATE
-- OR REPLACE VIEW allows).
CREATE OR REPLACE VIEW delivery_summary_daily AS
SELECT delivery_day(submitted_at) AS day,
       account,
       delivery_channel(provider, type_id, oa_id) AS channel,
       state,
       count(*) AS messages,
       count(*) FILTER (WHERE is_final) AS final_messages,
       sum(total_price) AS total_price,
       count(*) FILTER (WHERE delivery_fallback_sms_succeeded(fallback_sms_status))
           AS fallback_sms_succeeded,
       count(*) FILTER (WHERE state = 'delivered'
                           OR (state = 'sent' AND delivery_channel(provider, type_id, oa_id) <> 'zns')
                           OR delivery_fallback_sms_succeeded(fallback_sms_status))
           AS reached_user
FROM delivery_state
GROUP BY 1, 2, 3, 4;
COMMENT ON COLUMN delivery_summary_daily.fallback_sms_succeeded IS
    'Of these messages, ZNS whose eTelecom fallback SMS went out (delivery_fallback_sms_succeeded).';
COMMENT ON COLUMN delivery_summary_daily.reached_user IS
    'Of these messages, those known to have reached the receiver by either channel: a ZNS delivered to the phone, an SMS/Viber sent with success, or a ZNS whose fallback SMS went out.';
