-- deliveryd: no transaction
-- 011_backlog_index: the unresolved rows' index carries their state and
-- next poll, so that the backlog by state and age (`deliveryd status`, the
-- admin overview) is counted from the index alone wherever the visibility
-- map allows, instead of fetching each unresolved row from the table: at
-- ten million messages and half a million unresolved, the difference
-- between a third of a second and a second and more.
--
-- The index keeps its name and its key, so the queries and plans that name
-- it stay as they were: the wider one is built beside it CONCURRENTLY, the
-- narrow one dropped CONCURRENTLY, and the wider one renamed. Writes go on
-- throughout, and the previous release, which never names the index, is
-- unaffected. The extra columns cost only unresolved rows, and only a few
-- bytes: an update that moves next_poll_at already changes another index
-- (delivery_state_due), so no update that was HOT stops being so.
--
-- Every statement can run again after an interruption: a rerun after the
-- rename builds the wide index once more and drops the first, ending the
-- same.

CREATE INDEX CONCURRENTLY IF NOT EXISTS delivery_state_unresolved_with_state
    ON delivery_state (submitted_at) INCLUDE (state, next_poll_at)
    WHERE NOT is_final;

DROP INDEX CONCURRENTLY IF EXISTS delivery_state_unresolved;

ALTER INDEX IF EXISTS delivery_state_unresolved_with_state RENAME TO delivery_state_unresolved;

COMMENT ON INDEX delivery_state_unresolved IS
    'Unresolved rows by submission time, with their state and next poll: serves delivery_unresolved, and the backlog of deliveryd status and the admin overview from the index alone.';
