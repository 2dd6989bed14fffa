-- deliveryd: no transaction
-- 014_event_hash_index: the events of one message are found through a hash
-- index on sms_id instead of the B-tree on (sms_id, received_at).
--
-- Every report stored adds an entry to this index, and the B-tree's entry
-- was the dearest part of an event row after the row itself: a text key
-- compared down the tree at a random place, a page split now and then. A
-- hash index stores a four-byte hash of the key. Counted with callgrind
-- (bench/pg_row_instructions.sh), an event row cost PostgreSQL 32,800
-- instructions with the B-tree, 27,300 with the hash index and 21,300 with
-- neither; the index's WAL came to 92 bytes a row against the B-tree's 148;
-- at 1.6 million reports the hash index took 58 MB, the B-tree 137 MB.
-- What reads the index asks only for equal ids (the message page, its API,
-- rebuild): a message has a few reports, sorted by time once found, as they
-- already were across the monthly partitions.
--
-- Runs while the previous release serves, which never names the index:
-- PostgreSQL 15 cannot build a partitioned table's index CONCURRENTLY in one
-- statement, so deliveryd migrate builds it on each monthly partition
-- CONCURRENTLY and attaches each to the table's index. Dropping the B-tree
-- takes a lock that writes wait for, for a moment; the migration waits at
-- most a second for it at a time. Every statement can run again after an
-- interruption.

CREATE INDEX CONCURRENTLY IF NOT EXISTS delivery_event_sms_id_hash
    ON delivery_event USING hash (sms_id);

DROP INDEX IF EXISTS delivery_event_sms_id;

COMMENT ON INDEX delivery_event_sms_id_hash IS
    'The reports of one message (sms_id = ...): the message page, its API, rebuild. One index per monthly partition.';
