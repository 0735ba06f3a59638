-- The latest reading of each device in one row (it was one row per device and metric), for both TelemetryStore
-- adapters: latest() of 10,000 devices reads 10,000 rows and returns them as one JSON value. `metrics` is json
-- (stored as text) so that read copies it as it is; `times` keeps each metric's own time, so that a late reading
-- never replaces a newer value. Times are epoch ms.
ALTER TABLE telemetry_latest RENAME TO telemetry_latest_per_metric;
ALTER INDEX telemetry_latest_pkey RENAME TO telemetry_latest_per_metric_pkey;

CREATE TABLE telemetry_latest (
  device_id  text PRIMARY KEY,
  ts         bigint NOT NULL,
  metrics    json NOT NULL,
  times      jsonb NOT NULL
);

INSERT INTO telemetry_latest (device_id, ts, metrics, times)
SELECT device_id, max(ms), json_object_agg(metric, value), jsonb_object_agg(metric, ms)
  FROM (SELECT device_id, metric, value, (extract(epoch FROM ts) * 1000)::bigint AS ms FROM telemetry_latest_per_metric) AS old
 GROUP BY device_id;

DROP TABLE telemetry_latest_per_metric;
