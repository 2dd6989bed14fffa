-- 007_autovacuum: delivery_state vacuumed and analyzed after 2% of its rows
-- changed, not PostgreSQL's default 20%. Every message is updated once or
-- more after its insert (a report, a poll's next time), so a table of 10
-- million rows otherwise gathers 2 million dead tuples before autovacuum
-- starts (bench/scale.sh measured it under a callback load), and the
-- planner's counts behind `deliveryd status` go stale as long.
--
-- Runs while the previous release still serves: setting storage parameters
-- takes a SHARE UPDATE EXCLUSIVE lock, which reads and writes do not wait
-- for (only another vacuum or schema change would).

ALTER TABLE delivery_state SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.02
);
