-- deliveryd: no transaction
-- 008_lookups: messages found by the receiver's phone number however it
-- was written, or by the sender's request id. Senders and providers write one number as 84…, 0…, +84…
-- or the bare 9 digits; delivery_phone_key() reduces each to the same key
-- (the subscriber digits; any other text stays as it is). Every form ends
-- in the same 9 digits, so the index is on right(phone, 9), a built-in the
-- writes of every message pay little for (an index on the key function
-- itself cost a third of the insert rate); a search narrows by those 9
-- digits through it and compares the keys of the few rows found.
--
-- A send request's id (RequestId) names the messages of one request; most
-- reports carry none, and the index holds only rows that have one.
--
-- Runs while the previous release still serves: the function is new, and
-- the indexes are built CONCURRENTLY, so writes go on during the builds. Every
-- statement can run again after an interruption.

CREATE OR REPLACE FUNCTION delivery_phone_key(phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
    SELECT CASE
        WHEN p = '' OR translate(p, '0123456789', '') <> '' THEN phone
        WHEN length(p) IN (11, 12) AND left(p, 2) = '84' AND substr(p, 3, 1) <> '0'
            THEN substr(p, 3)
        WHEN length(p) IN (10, 11) AND left(p, 1) = '0' AND substr(p, 2, 1) <> '0'
            THEN substr(p, 2)
        WHEN length(p) = 9 AND left(p, 1) <> '0' THEN p
        ELSE phone
    END
    FROM (SELECT CASE WHEN left(phone, 1) = '+' THEN substr(phone, 2) ELSE phone END AS p) AS t
$$;

COMMENT ON FUNCTION delivery_phone_key(text) IS
    'The same key for every way a Vietnamese phone number is written (84…, 0…, +84…, the 9 or 10 subscriber digits): the subscriber digits; other text unchanged.';

CREATE INDEX CONCURRENTLY IF NOT EXISTS delivery_state_phone_tail
    ON delivery_state (right(phone, 9), submitted_at DESC)
    WHERE phone IS NOT NULL;

COMMENT ON INDEX delivery_state_phone_tail IS
    'Messages of one receiver, newest first: WHERE right(phone, 9) = right($1, 9) AND phone IS NOT NULL AND delivery_phone_key(phone) = delivery_phone_key($1) ORDER BY submitted_at DESC.';

CREATE INDEX CONCURRENTLY IF NOT EXISTS delivery_state_request_id
    ON delivery_state (request_id, submitted_at DESC)
    WHERE request_id IS NOT NULL;

COMMENT ON INDEX delivery_state_request_id IS
    'Messages of one send request, newest first: WHERE request_id = $1 ORDER BY submitted_at DESC.';
