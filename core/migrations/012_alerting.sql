-- Alerting (alerting/README.md): rules, the alerts they raise and each alert's transitions and comments, and the
-- engine's conditions (pending or firing) so a restart of the service neither loses nor repeats an alert.

-- A rule: its type's parameters and scope in `definition` (alerting/src/rules/rule-schema.ts), `notify` the
-- notification settings of its alerts (grouping, escalation), `emergency_broadcast` a loudspeaker request or null.
CREATE TABLE alert_rules (
  id                   text PRIMARY KEY,
  name                 text NOT NULL,
  type                 text NOT NULL CHECK (type IN ('threshold', 'rate', 'offline', 'anomaly', 'area')),
  definition           jsonb NOT NULL,
  severity             text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning', 'info')),
  enabled              boolean NOT NULL DEFAULT true,
  notify               jsonb NOT NULL DEFAULT '{}',
  emergency_broadcast  jsonb,
  created_at           timestamptz NOT NULL,
  created_by           text NOT NULL,
  updated_at           timestamptz NOT NULL,
  updated_by           text NOT NULL
);

-- An alert. No foreign key to its rule: a deleted rule's alerts stay as history.
CREATE TABLE alerts (
  id               text PRIMARY KEY,
  rule_id          text NOT NULL,
  fingerprint      text NOT NULL,
  device_id        text,
  area_id          text,
  kind             text,
  metric           text,
  value            double precision,
  unit             text,
  severity         text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning', 'info')),
  state            text NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  title_vi         text NOT NULL,
  title_en         text NOT NULL,
  text_vi          text NOT NULL,
  text_en          text NOT NULL,
  starts_at        timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  resolved_at      timestamptz,
  resolved_by      text,
  assignee         text,
  updated_at       timestamptz NOT NULL
);
-- One open alert per fingerprint; once resolved, a new firing is a new alert.
CREATE UNIQUE INDEX alerts_open_fingerprint_idx ON alerts (fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_starts_idx ON alerts (starts_at DESC, id DESC);
CREATE INDEX alerts_device_idx ON alerts (device_id, starts_at DESC) WHERE device_id IS NOT NULL;
CREATE INDEX alerts_area_idx ON alerts (area_id, starts_at DESC) WHERE area_id IS NOT NULL;

-- Every change of an alert's state, assignee included (from = to for an assignment), with who and when.
CREATE TABLE alert_transitions (
  id         bigserial PRIMARY KEY,
  alert_id   text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  from_state text,
  to_state   text NOT NULL,
  by         text NOT NULL,
  at         timestamptz NOT NULL,
  note       text
);
CREATE INDEX alert_transitions_alert_idx ON alert_transitions (alert_id, id);

CREATE TABLE alert_comments (
  id         bigserial PRIMARY KEY,
  alert_id   text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  author     text NOT NULL,
  text       text NOT NULL,
  at         timestamptz NOT NULL
);
CREATE INDEX alert_comments_alert_idx ON alert_comments (alert_id, id);

-- The engine's conditions that hold now: `pending` (true, waiting out the rule's forS) or `firing` (its alert
-- opened). Written in the same transaction as the alert it opens or resolves. `detail` keeps what the engine
-- needs again after a restart (an area rule's devices over the level).
CREATE TABLE alert_conditions (
  fingerprint  text PRIMARY KEY,
  rule_id      text NOT NULL,
  status       text NOT NULL CHECK (status IN ('pending', 'firing')),
  since        timestamptz NOT NULL,
  detail       jsonb NOT NULL DEFAULT '{}',
  updated_at   timestamptz NOT NULL
);
CREATE INDEX alert_conditions_rule_idx ON alert_conditions (rule_id);
