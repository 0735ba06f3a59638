-- Minute buckets written since their rollups were last refreshed. Writes only mark buckets here (cheap); the SQL
-- TelemetryStore refreshes the marked minute and hour rollups a few seconds later, and before any rollup read.
CREATE TABLE telemetry_rollup_pending (
  device_id  text NOT NULL,
  metric     text NOT NULL,
  bucket     timestamptz NOT NULL,
  PRIMARY KEY (device_id, metric, bucket)
);
