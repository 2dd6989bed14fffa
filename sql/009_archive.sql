-- 009_archive: delivery_state stays as large as its recent traffic. Rows
-- final for longer than archive.after move, a small batch at a time, into
-- delivery_state_archive, one partition per UTC month of final_at, and
-- `deliveryd retention` drops whole months of it past archive.drop_after.
--
-- A late report about an archived message finds no row and creates a fresh
-- one, as a report about any unknown id does: the callback path never looks
-- in the archive. deliveryd's archive pass then finds such rows (created in
-- the same transaction as their report, so submitted_at equals the report's
-- received_at) that have an archived twin, puts the archived row back in
-- delivery_state in place of the fresh one and merges every report of the
-- message into it with the daemon's own merge. The message is then one row
-- again, final, and moves back to the archive on a later pass.
--
-- Runs while the previous release still serves: everything here is new but
-- the three DBA views, which keep their columns and now read both tables.
-- The archive's indexes are created with it, on no rows.

CREATE TABLE delivery_state_archive (
    LIKE delivery_state INCLUDING CONSTRAINTS INCLUDING COMMENTS,
    archived_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT delivery_state_archive_final CHECK (is_final AND final_at IS NOT NULL)
) PARTITION BY RANGE (final_at);

COMMENT ON TABLE delivery_state_archive IS
    'delivery_state rows final for longer than archive.after, same columns and meanings, one partition per UTC month of final_at (delivery_state_archive_YYYY_MM). An sms_id is in delivery_state or here; delivery_state_all reads both.';
COMMENT ON COLUMN delivery_state_archive.archived_at IS
    'When the row moved here from delivery_state.';

-- The lookups the archive serves: a message by id (the archive pass, the
-- admin listener, `deliveryd erase`), by phone number or request id, and the
-- DBA views' day ranges.
CREATE INDEX delivery_state_archive_sms_id ON delivery_state_archive (sms_id);
CREATE INDEX delivery_state_archive_day
    ON delivery_state_archive (delivery_day(submitted_at), account);
CREATE INDEX delivery_state_archive_errors ON delivery_state_archive (delivery_day(submitted_at))
    WHERE error_code IS NOT NULL;
CREATE INDEX delivery_state_archive_phone_tail
    ON delivery_state_archive (right(phone, 9), submitted_at DESC) WHERE phone IS NOT NULL;
CREATE INDEX delivery_state_archive_request_id
    ON delivery_state_archive (request_id, submitted_at DESC) WHERE request_id IS NOT NULL;

-- How far the archive pass has got, shared by every replica (one row).
CREATE TABLE deliveryd_archive_progress (
    singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    late_checked_through bigint NOT NULL,
    late_pending_id      bigint,
    late_pending_at      timestamptz,
    rows_archived        bigint NOT NULL DEFAULT 0,
    rows_restored        bigint NOT NULL DEFAULT 0,
    last_archived_at     timestamptz
);
COMMENT ON TABLE deliveryd_archive_progress IS
    'The archive pass''s progress (one row), written by deliveryd; deliveryd status shows it.';
COMMENT ON COLUMN deliveryd_archive_progress.singleton IS 'Always true: the table has one row.';
COMMENT ON COLUMN deliveryd_archive_progress.late_checked_through IS
    'delivery_event ids up to this one were searched for reports about archived messages after they committed.';
COMMENT ON COLUMN deliveryd_archive_progress.late_pending_id IS
    'The highest delivery_event id a search saw; it becomes late_checked_through once the pass''s overlap has passed.';
COMMENT ON COLUMN deliveryd_archive_progress.late_pending_at IS 'When late_pending_id was seen.';
COMMENT ON COLUMN deliveryd_archive_progress.rows_archived IS 'Rows moved to delivery_state_archive, in all.';
COMMENT ON COLUMN deliveryd_archive_progress.rows_restored IS
    'Archived rows moved back to delivery_state because a late report arrived, in all.';
COMMENT ON COLUMN deliveryd_archive_progress.last_archived_at IS 'When rows last moved to the archive.';
-- The archive is empty, so no report stored before now can be about an
-- archived message: the search starts at the newest report.
INSERT INTO deliveryd_archive_progress (late_checked_through)
SELECT coalesce(max(event_id), 0) FROM delivery_event;

-- delivery_state's columns, in its order, as a list for dynamic SQL: the
-- archive has every one of them (a later migration that adds a column to
-- delivery_state adds it to the archive too), so moving rows names them
-- rather than relying on both tables listing them in one order.
CREATE FUNCTION delivery_state_column_list() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
    FROM pg_attribute
    WHERE attrelid = 'delivery_state'::regclass AND attnum > 0 AND NOT attisdropped
$$;

-- The archive's partition for the UTC month starting at month_start,
-- created if missing; its name.
CREATE FUNCTION delivery_state_archive_partition(month_start date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    name text := format('delivery_state_archive_%s', to_char(month_start, 'YYYY_MM'));
BEGIN
    IF to_regclass(name) IS NULL THEN
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF delivery_state_archive FOR VALUES FROM (%L) TO (%L)',
            name, month_start::timestamp AT TIME ZONE 'UTC',
            (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        EXECUTE format('COMMENT ON TABLE %I IS %L', name,
            'delivery_state_archive rows that became final in ' || to_char(month_start, 'YYYY-MM'));
    END IF;
    RETURN name;
END
$$;

-- Moves up to batch_size rows that were submitted before final_before's day
-- and final before final_before from delivery_state to the archive; the
-- number moved. Rows a writer holds are skipped (SKIP LOCKED): a callback
-- about an old row is never made to wait, and its row moves on a later
-- pass. Movers take turns (an advisory lock), so two never race to create
-- one month's partition. The day index (delivery_state_day) finds the rows,
-- oldest day first.
CREATE FUNCTION delivery_state_archive_batch(final_before timestamptz, batch_size integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    ids text[];
    month date;
    moved integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('deliveryd.archive', 0));
    SELECT array_agg(sms_id) INTO ids FROM (
        SELECT sms_id FROM delivery_state
        WHERE delivery_day(submitted_at) < delivery_day(final_before)
          AND is_final AND final_at < final_before
        ORDER BY delivery_day(submitted_at)
        LIMIT batch_size
        FOR UPDATE SKIP LOCKED
    ) AS picked;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    FOR month IN
        SELECT DISTINCT date_trunc('month', final_at AT TIME ZONE 'UTC')::date
        FROM delivery_state WHERE sms_id = ANY (ids)
    LOOP
        PERFORM delivery_state_archive_partition(month);
    END LOOP;
    EXECUTE format(
        'WITH moved AS (DELETE FROM delivery_state WHERE sms_id = ANY ($1) RETURNING %1$s) '
        'INSERT INTO delivery_state_archive (%1$s) SELECT %1$s FROM moved',
        delivery_state_column_list())
    USING ids;
    GET DIAGNOSTICS moved = ROW_COUNT;
    UPDATE deliveryd_archive_progress
    SET rows_archived = rows_archived + moved, last_archived_at = now();
    RETURN moved;
END
$$;
COMMENT ON FUNCTION delivery_state_archive_batch(timestamptz, integer) IS
    'Moves up to N rows final before the given time (and submitted on an earlier day) from delivery_state to delivery_state_archive; run by deliveryd.';

-- Moves the archived rows of `ids` back into delivery_state; the number
-- moved. The caller has deleted the fresh rows of those ids first, in the
-- same transaction, and merges their reports into the rows afterwards. A
-- row coming back is not news: the change feed (the session setting
-- deliveryd.change_feed, migration 010) is off for the move, so only the
-- merge that follows may publish a state.
CREATE FUNCTION delivery_state_unarchive(ids text[]) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    moved integer;
    feed text := current_setting('deliveryd.change_feed', true);
BEGIN
    PERFORM set_config('deliveryd.change_feed', 'off', true);
    EXECUTE format(
        'WITH back AS (DELETE FROM delivery_state_archive WHERE sms_id = ANY ($1) RETURNING %1$s) '
        'INSERT INTO delivery_state (%1$s) SELECT %1$s FROM back',
        delivery_state_column_list())
    USING ids;
    GET DIAGNOSTICS moved = ROW_COUNT;
    PERFORM set_config('deliveryd.change_feed', coalesce(feed, ''), true);
    UPDATE deliveryd_archive_progress SET rows_restored = rows_restored + moved;
    RETURN moved;
END
$$;
COMMENT ON FUNCTION delivery_state_unarchive(text[]) IS
    'Moves archived rows back into delivery_state (deliveryd, when a late report arrived for them).';

-- Every message, recent or archived: delivery_state's columns, then whether
-- the row is archived and since when. Written out from the catalog, as the
-- mover does, so that the two sides list the same columns in one order.
DO $$
BEGIN
    EXECUTE format(
        'CREATE VIEW delivery_state_all AS '
        'SELECT %1$s, false AS archived, NULL::timestamptz AS archived_at FROM delivery_state '
        'UNION ALL '
        'SELECT %1$s, true, archived_at FROM delivery_state_archive',
        delivery_state_column_list());
END
$$;
COMMENT ON VIEW delivery_state_all IS
    'Every message: delivery_state and delivery_state_archive, with archived (true for an archived row) and archived_at. Filters on indexed columns (sms_id, day, phone, request id) reach both tables'' indexes.';

-- The DBA views over both tables, their columns unchanged: a day's summary
-- is the same whether its rows are archived yet or not.
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
FROM delivery_state_all
GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE VIEW delivery_resolution_source AS
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
FROM delivery_state_all
GROUP BY 1, 2;

CREATE OR REPLACE VIEW delivery_provider_errors AS
SELECT delivery_day(submitted_at) AS day,
       account,
       delivery_channel(provider, type_id, oa_id) AS channel,
       error_code,
       error_message,
       count(*) AS messages,
       min(state_at) AS first_reported_at,
       max(state_at) AS last_reported_at
FROM delivery_state_all
WHERE error_code IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
