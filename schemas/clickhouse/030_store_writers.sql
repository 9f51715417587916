-- Collectors writing this store, by heartbeat (rollup-sweep.ts).
--
-- A trace's row is folded from the row its writer read. Two collectors that fold spans of one
-- trace at the same moment start from the same row, and the newer version drops the other's
-- spans (a lost update); each also wrote its change of the session's and user's day totals.
-- A collector that sees another writer's heartbeat sweeps the traces written lately: a row
-- that does not count every stored span of its trace is rolled up again from the spans, and
-- the day totals of its session and user are made to match the stored trace rows. Rows of
-- writers gone a day are dropped.
CREATE TABLE IF NOT EXISTS store_writers
(
    writer_id String,
    host      String,
    pid       UInt32,
    started   DateTime64(3, 'UTC'),
    seen      DateTime64(3, 'UTC'),
    -- its last beat, when it closed: a collector restarted at once is one writer, not two
    stopped   UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(seen)
ORDER BY writer_id
TTL toDateTime(seen) + INTERVAL 1 DAY;
