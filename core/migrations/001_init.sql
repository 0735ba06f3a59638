-- Areas of the province (communes/wards and the city outline), seeded from data/hue.
CREATE TABLE areas (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  level      text NOT NULL,
  parent_id  text REFERENCES areas (id),
  geometry   jsonb NOT NULL
);

CREATE TABLE devices (
  id          text PRIMARY KEY,
  kind        text NOT NULL,
  area_id     text REFERENCES areas (id),
  lat         double precision,
  lon         double precision,
  token_hash  text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  online      boolean NOT NULL DEFAULT false,
  last_seen   timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_area_idx ON devices (area_id);

CREATE TABLE users (
  id             bigserial PRIMARY KEY,
  username       text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  role           text NOT NULL CHECK (role IN ('admin', 'operator', 'radio', 'viewer')),
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Browser sessions; only the hash of the cookie value is stored.
CREATE TABLE sessions (
  id_hash     text PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);

CREATE TABLE dead_letters (
  id         bigserial PRIMARY KEY,
  device_id  text,
  topic      text NOT NULL,
  payload    text NOT NULL,
  reason     text NOT NULL,
  ts         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letters_ts_idx ON dead_letters (ts DESC);

-- Telemetry for the SQL TelemetryStore adapter (used when INFLUX_URL is unset).
CREATE TABLE telemetry (
  device_id  text NOT NULL,
  metric     text NOT NULL,
  ts         timestamptz NOT NULL,
  value      double precision NOT NULL,
  PRIMARY KEY (device_id, metric, ts)
);

CREATE TABLE telemetry_latest (
  device_id  text NOT NULL,
  metric     text NOT NULL,
  ts         timestamptz NOT NULL,
  value      double precision NOT NULL,
  PRIMARY KEY (device_id, metric)
);
