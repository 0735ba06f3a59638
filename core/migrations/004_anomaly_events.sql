-- Anomaly events the analytics service publishes on ioc/v1/anomalies (raised / cleared), as received.
-- An event redelivered under QoS 1 is the same device, metric, label, state and time: it is stored once.
CREATE TABLE IF NOT EXISTS anomaly_events (
  id           bigserial PRIMARY KEY,
  device_id    text NOT NULL,
  kind         text NOT NULL,
  metric       text,
  model        text NOT NULL,
  score        double precision NOT NULL,
  threshold    double precision NOT NULL,
  label        text NOT NULL,
  state        text NOT NULL CHECK (state IN ('raised', 'cleared')),
  ts           timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS anomaly_events_once_idx ON anomaly_events (device_id, (coalesce(metric, '')), label, state, ts);
CREATE INDEX IF NOT EXISTS anomaly_events_ts_idx ON anomaly_events (ts DESC);
-- The latest event of each alarm (device, metric, label): the active-only view and the device payloads.
CREATE INDEX IF NOT EXISTS anomaly_events_alarm_idx ON anomaly_events (device_id, (coalesce(metric, '')), label, ts DESC, id DESC);
