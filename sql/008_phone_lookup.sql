-- deliveryd: no transaction
-- 008_phone_lookup: messages found by the receiver's phone number however
-- it was written. Senders and providers write one number as 84…, 0…, +84…
-- or the bare 9 digits; delivery_phone_key() reduces each to the same key
-- (the subscriber digits; any other text stays as it is), and an index on
-- it serves the admin API's search by phone, newest first.
--
-- Runs while the previous release still serves: the function is new, and
-- the index is built CONCURRENTLY, so writes go on during the build. Every
-- statement can run again after an interruption.

CREATE OR REPLACE FUNCTION delivery_phone_key(phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT CASE
        WHEN p ~ '^84[1-9][0-9]{8,9}$' THEN substr(p, 3)
        WHEN p ~ '^0[1-9][0-9]{8,9}$' THEN substr(p, 2)
        WHEN p ~ '^[1-9][0-9]{8}$' THEN p
        ELSE phone
    END
    FROM (SELECT CASE WHEN phone LIKE '+%' THEN substr(phone, 2) ELSE phone END AS p) AS t
$$;

COMMENT ON FUNCTION delivery_phone_key(text) IS
    'The same key for every way a Vietnamese phone number is written (84…, 0…, +84…, the 9 or 10 subscriber digits): the subscriber digits; other text unchanged.';

CREATE INDEX CONCURRENTLY IF NOT EXISTS delivery_state_phone_key
    ON delivery_state (delivery_phone_key(phone), submitted_at DESC)
    WHERE phone IS NOT NULL;

COMMENT ON INDEX delivery_state_phone_key IS
    'Messages of one receiver, newest first: WHERE delivery_phone_key(phone) = delivery_phone_key($1) AND phone IS NOT NULL ORDER BY submitted_at DESC.';
