-- 003_operations: what DBAs and operators query (views, and the indexes that
-- serve them), requeueing, and the polling activity `deliveryd status` shows.

-- Days are counted in Vietnam time (UTC+7, no daylight saving), where the
-- provider, its customers and their business days are: a message sent at
-- 06:00 on the 2nd, local time, belongs to the 2nd, not to the 1st as in UTC.
-- IMMUTABLE (the zone is fixed), so indexes can hold it.
CREATE FUNCTION delivery_day(at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
$$;
COMMENT ON FUNCTION delivery_day(timestamptz) IS
    'Calendar day of a time in Vietnam time (Asia/Ho_Chi_Minh); the day of every DBA view.';

-- The channel as DESIGN §3 decides it (core::channel_of), in words: zns (ZNS
-- and Zalo messages: TypeId 24-27, a non-empty OA id, or eTelecom), viber
-- (TypeId 23) or sms.
CREATE FUNCTION delivery_channel(provider text, type_id integer, oa_id text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN provider = 'etelecom' OR type_id BETWEEN 24 AND 27 OR nullif(oa_id, '') IS NOT NULL
            THEN 'zns'
        WHEN type_id = 23 THEN 'viber'
        ELSE 'sms'
    END
$$;
COMMENT ON FUNCTION delivery_channel(text, integer, text) IS
    'Channel of a message: zns (TypeId 24-27, an OA id, or eTelecom), viber (TypeId 23) or sms.';

-- A requeued row's polling window (and backoff) starts over from here
-- instead of from submitted_at (deliveryd requeue).
ALTER TABLE delivery_state ADD COLUMN requeued_at timestamptz;
COMMENT ON COLUMN delivery_state.requeued_at IS
    'When an operator last made the row due again (deliveryd requeue); its polling window and backoff count from here. NULL if never.';

-- Day-range queries (summary, resolution source) read one day's rows, not
-- the table.
CREATE INDEX delivery_state_day ON delivery_state (delivery_day(submitted_at), account);
COMMENT ON INDEX delivery_state_day IS
    'Rows by submission day (Vietnam time) and account: serves the day filters of delivery_summary_daily and delivery_resolution_source.';

-- Unresolved rows, oldest first; final rows are not in it, so it is as small
-- as the backlog.
CREATE INDEX delivery_state_unresolved ON delivery_state (submitted_at) WHERE NOT is_final;
COMMENT ON INDEX delivery_state_unresolved IS
    'Unresolved rows by submission time: serves delivery_unresolved and deliveryd status.';

-- Rows with an error only: a small index however large the table grows.
CREATE INDEX delivery_state_errors ON delivery_state (delivery_day(submitted_at))
    WHERE error_code IS NOT NULL;
COMMENT ON INDEX delivery_state_errors IS
    'Rows carrying a provider error code, by submission day: serves delivery_provider_errors.';

CREATE VIEW delivery_summary_daily AS
SELECT delivery_day(submitted_at) AS day,
       account,
       delivery_channel(provider, type_id, oa_id) AS channel,
       state,
       count(*) AS messages,
       count(*) FILTER (WHERE is_final) AS final_messages,
       sum(total_price) AS total_price
FROM delivery_state
GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW delivery_summary_daily IS
    'Messages per submission day (Vietnam time), account, channel and state. Filter on day to read only those days, e.g. WHERE day >= current_date - 7.';
COMMENT ON COLUMN delivery_summary_daily.day IS 'Submission day in Vietnam time (delivery_day(submitted_at)).';
COMMENT ON COLUMN delivery_summary_daily.account IS 'Provider account name (delivery_state.account).';
COMMENT ON COLUMN delivery_summary_daily.channel IS 'zns, viber or sms (delivery_channel).';
COMMENT ON COLUMN delivery_summary_daily.state IS 'Merged state (delivery_state.state).';
COMMENT ON COLUMN delivery_summary_daily.messages IS 'Messages in this state.';
COMMENT ON COLUMN delivery_summary_daily.final_messages IS 'Of those, how many are final (no further status expected).';
COMMENT ON COLUMN delivery_summary_daily.total_price IS 'Sum of TotalPrice reported for them (NULL when none reported).';

CREATE VIEW delivery_unresolved AS
SELECT sms_id,
       provider,
       account,
       delivery_channel(provider, type_id, oa_id) AS channel,
       state,
       submitted_at,
       now() - submitted_at AS age,
       next_poll_at,
       coalesce(next_poll_at <= now(), false) AS due,
       poll_attempts,
       partner_id,
       requeued_at
FROM delivery_state
WHERE NOT is_final;
COMMENT ON VIEW delivery_unresolved IS
    'Messages with no final status yet, with their age and next poll. ORDER BY submitted_at reads oldest first from an index.';
COMMENT ON COLUMN delivery_unresolved.sms_id IS 'Provider message id.';
COMMENT ON COLUMN delivery_unresolved.provider IS 'esms or etelecom.';
COMMENT ON COLUMN delivery_unresolved.account IS 'Provider account name.';
COMMENT ON COLUMN delivery_unresolved.channel IS 'zns, viber or sms.';
COMMENT ON COLUMN delivery_unresolved.state IS 'Current, not yet final, state.';
COMMENT ON COLUMN delivery_unresolved.submitted_at IS 'When the row was created.';
COMMENT ON COLUMN delivery_unresolved.age IS 'Time since submitted_at.';
COMMENT ON COLUMN delivery_unresolved.next_poll_at IS 'When deliveryd next asks a status API (NULL: it will not).';
COMMENT ON COLUMN delivery_unresolved.due IS 'True when next_poll_at has passed: the row waits only for the rate limit.';
COMMENT ON COLUMN delivery_unresolved.poll_attempts IS 'Status API answers about the message so far.';
COMMENT ON COLUMN delivery_unresolved.partner_id IS 'Zalo message id, once known (then GetZaloMessageStatus asks about it).';
COMMENT ON COLUMN delivery_unresolved.requeued_at IS 'When an operator last requeued the row.';

CREATE VIEW delivery_resolution_source AS
SELECT delivery_day(submitted_at) AS day,
       account,
       count(*) AS messages,
       count(*) FILTER (WHERE is_final AND resolved_by = 'callback') AS by_callback,
       count(*) FILTER (WHERE is_final AND resolved_by = 'poll'
                          AND final_at IS DISTINCT FROM window_closed_at) AS by_poll,
       count(*) FILTER (WHERE is_final AND resolved_by = 'poll'
                          AND final_at = window_closed_at) AS by_window_end,
       count(*) FILTER (WHERE NOT is_final) AS unresolved,
       round(count(*) FILTER (WHERE is_final AND resolved_by = 'callback')::numeric
             / nullif(count(*) FILTER (WHERE is_final), 0), 4) AS callback_share
FROM delivery_state
GROUP BY 1, 2;
COMMENT ON VIEW delivery_resolution_source IS
    'Per submission day and account: how final statuses were learnt. callback_share is how reliable the provider''s callbacks were.';
COMMENT ON COLUMN delivery_resolution_source.day IS 'Submission day in Vietnam time.';
COMMENT ON COLUMN delivery_resolution_source.account IS 'Provider account name.';
COMMENT ON COLUMN delivery_resolution_source.messages IS 'Messages submitted that day.';
COMMENT ON COLUMN delivery_resolution_source.by_callback IS 'Made final by a provider callback.';
COMMENT ON COLUMN delivery_resolution_source.by_poll IS 'Made final by the answer of a status API (the callback was lost or late).';
COMMENT ON COLUMN delivery_resolution_source.by_window_end IS 'Made final by the polling window ending: expired, or ZNS final as last known.';
COMMENT ON COLUMN delivery_resolution_source.unresolved IS 'Not final yet.';
COMMENT ON COLUMN delivery_resolution_source.callback_share IS 'by_callback over all final messages (0 to 1); NULL when none is final.';

CREATE VIEW delivery_provider_errors AS
SELECT delivery_day(submitted_at) AS day,
       account,
       delivery_channel(provider, type_id, oa_id) AS channel,
       error_code,
       error_message,
       count(*) AS messages,
       min(state_at) AS first_reported_at,
       max(state_at) AS last_reported_at
FROM delivery_state
WHERE error_code IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
COMMENT ON VIEW delivery_provider_errors IS
    'Messages whose status carries a provider or Zalo error code, per submission day, account, channel, code and message. Top codes: sum messages over a day range and order by it.';
COMMENT ON COLUMN delivery_provider_errors.day IS 'Submission day in Vietnam time.';
COMMENT ON COLUMN delivery_provider_errors.account IS 'Provider account name.';
COMMENT ON COLUMN delivery_provider_errors.channel IS 'zns, viber or sms.';
COMMENT ON COLUMN delivery_provider_errors.error_code IS 'Provider or Zalo error code (e.g. -114 user inactive).';
COMMENT ON COLUMN delivery_provider_errors.error_message IS 'Error text reported with the code.';
COMMENT ON COLUMN delivery_provider_errors.messages IS 'Messages with this code and text.';
COMMENT ON COLUMN delivery_provider_errors.first_reported_at IS 'Earliest time the deciding report of such a message was observed.';
COMMENT ON COLUMN delivery_provider_errors.last_reported_at IS 'Latest such time.';

-- What each polling replica is doing, one row per (account, endpoint),
-- written every few seconds by the replica that polls it; `deliveryd status`
-- shows it next to the advisory locks actually held.
CREATE TABLE deliveryd_poll_activity (
    account        text NOT NULL,
    endpoint       text NOT NULL,
    scope          text NOT NULL,
    replica        text NOT NULL,
    rate_limit     double precision NOT NULL,
    utilisation    double precision NOT NULL,
    queued_calls   integer NOT NULL,
    due_rows       bigint,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, endpoint)
);
COMMENT ON TABLE deliveryd_poll_activity IS
    'Polling activity per account and endpoint, written every few seconds by the replica that polls it (deliveryd status reads it).';
COMMENT ON COLUMN deliveryd_poll_activity.account IS 'Provider account name (etelecom for the eTelecom scope).';
COMMENT ON COLUMN deliveryd_poll_activity.endpoint IS 'Status API: get_callback, get_send_status, zalo_status or etelecom_get_message.';
COMMENT ON COLUMN deliveryd_poll_activity.scope IS 'Polling scope (esms/<account> or etelecom) whose advisory lock the replica holds.';
COMMENT ON COLUMN deliveryd_poll_activity.replica IS 'The replica polling it: host name and process id.';
COMMENT ON COLUMN deliveryd_poll_activity.rate_limit IS 'Calls per second the provider allows (as configured).';
COMMENT ON COLUMN deliveryd_poll_activity.utilisation IS 'Calls in the last window over calls allowed (1 = at the limit less the safety margin).';
COMMENT ON COLUMN deliveryd_poll_activity.queued_calls IS 'Planned calls waiting for the rate limiter.';
COMMENT ON COLUMN deliveryd_poll_activity.due_rows IS 'Messages of the scope due now (counted up to 1,000,000).';
COMMENT ON COLUMN deliveryd_poll_activity.updated_at IS 'When the replica last wrote the row; stale rows belong to a replica that stopped polling.';
