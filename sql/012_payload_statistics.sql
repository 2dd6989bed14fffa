-- 012_payload_statistics: ANALYZE leaves delivery_event.raw_payload out.
-- No query filters, joins, sorts or groups on the payload (the report as
-- received, the widest column by far), and its statistics were close to
-- half of what each ANALYZE of an event partition cost: about 0.3 s of
-- 0.7 s for a partition of a million events, which autovacuum repeats
-- about once a minute while callbacks stream in. A partition created later
-- does not take its parent's setting, so delivery_event_ensure_partitions
-- gives it to each partition it creates.
--
-- Runs while the previous release still serves: SET STATISTICS takes a
-- lock that reads and writes do not conflict with, and the function
-- creates the same partitions as before.

ALTER TABLE delivery_event ALTER COLUMN raw_payload SET STATISTICS 0;

CREATE OR REPLACE FUNCTION delivery_event_ensure_partitions(months_ahead integer DEFAULT 3)
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
            EXECUTE format('ALTER TABLE %I ALTER COLUMN raw_payload SET STATISTICS 0', name);
            EXECUTE format('COMMENT ON TABLE %I IS %L', name,
                'delivery_event rows received in ' || to_char(month_start, 'YYYY-MM'));
        END IF;
        month_start := (month_start + interval '1 month')::date;
    END LOOP;
END
$$;
COMMENT ON FUNCTION delivery_event_ensure_partitions(integer) IS
    'Creates the monthly partitions of delivery_event up to N months ahead (raw_payload left out of their statistics); run by deliveryd migrate and daily by deliveryd run.';
