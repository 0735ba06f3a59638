-- Device registry: free-form attributes and the time a device's credentials were revoked.
ALTER TABLE devices ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}';
ALTER TABLE devices ADD COLUMN revoked_at timestamptz;

-- MQTT accounts that are neither devices nor IOC services: integrations (scoped to their own topic tree,
-- e.g. a Frigate NVR on frigate/#) and administrators (everything, including $SYS).
CREATE TABLE mqtt_accounts (
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('integration', 'admin')),
  topic_root  text,
  token_hash  text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (role, name),
  CHECK ((role = 'integration') = (topic_root IS NOT NULL))
);

-- Security-relevant events: MQTT connects, disconnects and refused logins, credential changes.
CREATE TABLE audit_log (
  id              bigserial PRIMARY KEY,
  ts              timestamptz NOT NULL DEFAULT now(),
  actor           text NOT NULL,
  action          text NOT NULL,
  target          text,
  remote_address  text,
  detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_ts_idx ON audit_log (ts DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target, ts DESC);
