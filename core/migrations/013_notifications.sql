-- Alert notifications (alerting/src/notify/): who is told (subscribers, escalation policies), what keeps quiet
-- (silences, maintenance windows), and the outbox the delivery workers drain. No foreign keys to alerts or
-- subscribers: a notification's record outlives a deleted subscriber, as an alert's does.

-- People told about alerts, by area, device kind and severity, on their channels and in their language.
CREATE TABLE subscribers (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  phone         text NOT NULL,
  zalo_user_id  text,
  channels      text[] NOT NULL,
  webhook_url   text,
  -- NULL: every area (or every kind).
  area_ids      text[],
  kinds         text[],
  min_severity  text NOT NULL CHECK (min_severity IN ('critical', 'major', 'minor', 'warning', 'info')),
  language      text NOT NULL CHECK (language IN ('vi', 'en')),
  -- 'HH:MM' in Asia/Ho_Chi_Minh; both or neither.
  quiet_from    text,
  quiet_to      text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);

-- Who is told next while an alert stays unacknowledged: levels [{"afterMinutes", "subscriberIds"}], run `repeat`
-- more times after the last level.
CREATE TABLE escalation_policies (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  levels      jsonb NOT NULL,
  repeat      integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- Alertmanager's silences: matchers [{"name", "value", "isRegex"?}] over an alert's fields, from starts_at to
-- ends_at; ending one early sets ends_at and ended_by.
CREATE TABLE silences (
  id          text PRIMARY KEY,
  matchers    jsonb NOT NULL,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  comment     text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  ended_by    text,
  ended_at    timestamptz
);
CREATE INDEX silences_active_idx ON silences (ends_at);

-- Planned work on devices or areas: their alerts are not notified meanwhile.
CREATE TABLE maintenance_windows (
  id          text PRIMARY KEY,
  device_ids  text[] NOT NULL DEFAULT '{}',
  area_ids    text[] NOT NULL DEFAULT '{}',
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  comment     text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX maintenance_windows_active_idx ON maintenance_windows (ends_at);

-- Alertmanager's aggregation groups: alerts of one rule sharing the rule's group_by values, notified together.
-- flush_at: when the group is next looked at (after group_wait, group_interval, or for a repeat); NULL = nothing due.
CREATE TABLE notification_groups (
  key                  text PRIMARY KEY,
  rule_id              text NOT NULL,
  group_wait_s         integer NOT NULL,
  group_interval_s     integer NOT NULL,
  repeat_interval_s    integer NOT NULL,
  flush_at             timestamptz,
  last_flush_at        timestamptz,
  last_firing_sent_at  timestamptz,
  created_at           timestamptz NOT NULL
);
CREATE INDEX notification_groups_due_idx ON notification_groups (flush_at) WHERE flush_at IS NOT NULL;

-- Alert transitions waiting to be notified, written in the transition's own transaction (enqueueNotifications).
-- The dispatcher puts each in its group (group_key) and, at the group's flush, says what became of it (`outcome`:
-- notified, silenced, inhibited, in maintenance, resolved before it was told…).
CREATE TABLE notification_events (
  id          bigserial PRIMARY KEY,
  alert_id    text NOT NULL,
  rule_id     text NOT NULL,
  event       text NOT NULL CHECK (event IN ('firing', 'acknowledged', 'resolved')),
  at          timestamptz NOT NULL,
  group_key   text,
  handled_at  timestamptz,
  outcome     text
);
CREATE INDEX notification_events_ungrouped_idx ON notification_events (id) WHERE group_key IS NULL;
CREATE INDEX notification_events_pending_idx ON notification_events (group_key, id) WHERE handled_at IS NULL;
CREATE INDEX notification_events_group_idx ON notification_events (group_key, alert_id);
-- Whether an alert was told already (the flush's dedup) is read by alert.
CREATE INDEX notification_events_alert_idx ON notification_events (alert_id, event);

-- An alert's escalation: the next level to tell and when, until acknowledged or resolved (done_at).
CREATE TABLE alert_escalations (
  alert_id    text PRIMARY KEY,
  policy_id   text NOT NULL,
  next_level  integer NOT NULL,
  cycle       integer NOT NULL DEFAULT 0,
  next_at     timestamptz NOT NULL,
  done_at     timestamptz,
  outcome     text
);
CREATE INDEX alert_escalations_due_idx ON alert_escalations (next_at) WHERE done_at IS NULL;

-- One row per subscriber × channel × notification. idempotency_key is fixed here and sent on every attempt (eSMS
-- RequestId, ZNS tracking_id, the webhook's Idempotency-Key), so a retry after an unknown outcome is no second
-- message. A worker claims a row by setting claimed_until (FOR UPDATE SKIP LOCKED); a row whose worker died is
-- claimed again once that lease has passed.
CREATE TABLE notification_outbox (
  id                   text PRIMARY KEY,
  notification_id      text NOT NULL,
  alert_id             text NOT NULL,
  alert_ids            text[] NOT NULL,
  subscriber_id        text NOT NULL,
  channel              text NOT NULL CHECK (channel IN ('sms', 'zns', 'zalo_oa', 'webhook')),
  kind                 text NOT NULL CHECK (kind IN ('firing', 'resolved', 'escalation')),
  status               text NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed')),
  idempotency_key      text NOT NULL UNIQUE,
  -- The rendered message: {"to", "text", "templateData", "alert": {...}} as the channel needs it.
  message              jsonb NOT NULL,
  attempts             integer NOT NULL DEFAULT 0,
  next_attempt_at      timestamptz NOT NULL,
  claimed_until        timestamptz,
  provider_message_id  text,
  error                text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  UNIQUE (notification_id, subscriber_id, channel)
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status = 'queued';
CREATE INDEX notification_outbox_alert_idx ON notification_outbox USING gin (alert_ids);
CREATE INDEX notification_outbox_provider_idx ON notification_outbox (channel, provider_message_id);

-- OAuth tokens of a channel (Zalo): the refresh token rotates on every use, so the newest one is kept here and a
-- restart goes on with it rather than with the spent one from the environment.
CREATE TABLE channel_tokens (
  channel           text PRIMARY KEY,
  access_token      text,
  access_expires_at timestamptz,
  refresh_token     text NOT NULL,
  -- The configured refresh token (IOC_ZALO_REFRESH_TOKEN) the stored chain started from: a different one configured
  -- later is an operator's new token, and replaces the chain.
  seeded_from       text,
  updated_at        timestamptz NOT NULL
);
