-- Rollups of the SQL TelemetryStore (the same tiers InfluxDB keeps with continuous queries): one row per device,
-- metric and 1-minute / 1-hour bucket (ts = bucket start), kept up to date as points are written. `last` is the
-- value at `last_ts`, the newest point of the bucket.
CREATE TABLE telemetry_1m (
  device_id  text NOT NULL,
  metric     text NOT NULL,
  ts         timestamptz NOT NULL,
  count      bigint NOT NULL,
  sum        double precision NOT NULL,
  min        double precision NOT NULL,
  max        double precision NOT NULL,
  last       double precision NOT NULL,
  last_ts    timestamptz NOT NULL,
  PRIMARY KEY (device_id, metric, ts)
);

CREATE TABLE telemetry_1h (
  device_id  text NOT NULL,
  metric     text NOT NULL,
  ts         timestamptz NOT NULL,
  count      bigint NOT NULL,
  sum        double precision NOT NULL,
  min        double precision NOT NULL,
  max        double precision NOT NULL,
  last       double precision NOT NULL,
  last_ts    timestamptz NOT NULL,
  PRIMARY KEY (device_id, metric, ts)
);

-- Retention deletes by time across devices.
CREATE INDEX telemetry_ts_idx ON telemetry (ts);
CREATE INDEX telemetry_1m_ts_idx ON telemetry_1m (ts);
