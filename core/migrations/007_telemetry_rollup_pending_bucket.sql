-- The background rollup takes the oldest marked buckets a chunk at a time and deletes them. Without an index on
-- the bucket, each chunk scanned the table from its start, through every row the chunks before it had deleted and
-- vacuum had not yet removed: quadratic after a bulk load (266,000 marks took over 5 minutes on PostgreSQL).
CREATE INDEX telemetry_rollup_pending_bucket_idx ON telemetry_rollup_pending (bucket);
