-- 013_delivery_day_offset: delivery_day() adds Vietnam's offset instead of
-- looking the zone up by name. Every row written computes it for the index
-- delivery_state_day, and every day filter of the DBA views computes it for
-- each row it reads. `AT TIME ZONE 'Asia/Ho_Chi_Minh'` finds the zone by its
-- name and walks the zone's transitions on every call: about 2,000 of the
-- 59,000 instructions PostgreSQL spent inserting a row of delivery_state
-- (callgrind, PostgreSQL 15).
--
-- Vietnam has kept UTC+7, without daylight saving, since 1975-06-13 00:00
-- local time (16:00 UTC the day before). Before that instant the zone's own
-- rules still answer, so the function returns what it returned before for
-- every time, and the indexes built on it stay true without a rebuild.
--
-- Runs while the previous release still serves: CREATE OR REPLACE keeps the
-- function, and the indexes and views that use it, in place.

CREATE OR REPLACE FUNCTION delivery_day(at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN at >= '1975-06-12 16:00:00+00' THEN (at AT TIME ZONE INTERVAL '+07:00')::date
        ELSE (at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
    END
$$;
COMMENT ON FUNCTION delivery_day(timestamptz) IS
    'Calendar day of a time in Vietnam time (Asia/Ho_Chi_Minh); the day of every DBA view.';
