import { randomUUID } from 'node:crypto';
import { Check } from 'typebox/value';
import type { Db, Queryable } from '@ioc/core';
import type { AlertRow } from '../alert-row.ts';
import type { GroupingDefaults } from './config.ts';
import { writeOutboxRows } from './outbox-rows.ts';
import { RuleNotify, type GroupField } from './rule-notify.ts';
import { getSubscribers, listSubscribers, routesTo, type Subscriber } from './subscribers.ts';
import { loadAlerts, loadSuppression, suppressionOf, type RoutedAlert, type Suppression } from './suppression.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const SUPPRESSED = 'suppressed: ';

interface UngroupedEvent {
  id: string;
  rule_id: string;
  at: Date;
  notify: unknown;
  device_id: string | null;
  area_id: string | null;
  kind: string | null;
  metric: string | null;
  severity: string | null;
}

/** The rule's timers and group_by, each falling back to the configured default. */
function timersOf(notify: unknown, defaults: GroupingDefaults): GroupingDefaults {
  const own: RuleNotify = Check(RuleNotify, notify) ? notify : {};
  return {
    groupBy: own.groupBy ?? defaults.groupBy,
    groupWaitS: own.groupWaitS ?? defaults.groupWaitS,
    groupIntervalS: own.groupIntervalS ?? defaults.groupIntervalS,
    repeatIntervalS: own.repeatIntervalS ?? defaults.repeatIntervalS,
  };
}

/** A group: the rule and the values of its group_by fields (Alertmanager's group key). */
export function groupKey(ruleId: string, groupBy: readonly GroupField[], alert: Record<GroupField, string | null>): string {
  return [ruleId, ...groupBy.map((f) => `${f}=${alert[f] ?? ''}`)].join('|');
}

/**
 * Puts new events in their groups and says when each group is due: a new group after group_wait; a group flushed
 * less than group_interval ago at the end of that interval; a quiet group (flushed longer ago) after group_wait,
 * as a new one. Returns how many events were placed.
 */
export function assignGroups(db: Db, defaults: GroupingDefaults, limit = 500): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<UngroupedEvent>(
      `SELECT e.id, e.rule_id, e.at, r.notify, a.device_id, a.area_id, a.kind, a.metric, a.severity
         FROM notification_events e LEFT JOIN alert_rules r ON r.id = e.rule_id LEFT JOIN alerts a ON a.id = e.alert_id
        WHERE e.group_key IS NULL ORDER BY e.id LIMIT $1 FOR UPDATE OF e SKIP LOCKED`,
      [limit],
    );
    for (const e of rows) {
      const t = timersOf(e.notify, defaults);
      const key = groupKey(e.rule_id, t.groupBy, { deviceId: e.device_id, areaId: e.area_id, kind: e.kind, metric: e.metric, severity: e.severity });
      await tx.query(
        `INSERT INTO notification_groups (key, rule_id, group_wait_s, group_interval_s, repeat_interval_s, flush_at, created_at)
         VALUES ($1, $2, $3::int, $4::int, $5::int, $6::timestamptz + make_interval(secs => $3::int), $6::timestamptz)
         ON CONFLICT (key) DO UPDATE SET group_wait_s = $3::int, group_interval_s = $4::int, repeat_interval_s = $5::int,
           flush_at = LEAST(notification_groups.flush_at, CASE
             WHEN notification_groups.last_flush_at IS NULL THEN notification_groups.flush_at
             WHEN notification_groups.last_flush_at + make_interval(secs => $4::int) > $6::timestamptz THEN notification_groups.last_flush_at + make_interval(secs => $4::int)
             ELSE $6::timestamptz + make_interval(secs => $3::int) END)`,
        [key, e.rule_id, t.groupWaitS, t.groupIntervalS, t.repeatIntervalS, e.at.toISOString()],
      );
      await tx.query('UPDATE notification_events SET group_key = $2 WHERE id = $1', [e.id, key]);
    }
    return rows.length;
  });
}

interface GroupRow {
  key: string;
  group_interval_s: number;
  repeat_interval_s: number;
  last_firing_sent_at: Date | null;
}

export interface FlushResult {
  groups: number;
  rows: number;
  /** Groups whose flush failed: each is tried again a minute later, the others go on. */
  errors: string[];
}

/** A group whose flush failed waits this long, so that it cannot hold up the groups behind it. */
const FAILED_FLUSH_RETRY_MS = 60_000;

/** Flushes every group that is due, one transaction each (FOR UPDATE SKIP LOCKED: two dispatchers share the work). */
export async function flushDueGroups(db: Db, now: number, limit = 200): Promise<FlushResult> {
  const result: FlushResult = { groups: 0, rows: 0, errors: [] };
  let suppression: Suppression | undefined;
  let subscribers: Subscriber[] | undefined;
  for (; result.groups < limit; result.groups++) {
    let key: string | undefined;
    try {
      const rows = await db.transaction(async (tx) => {
        const group = (
          await tx.query<GroupRow>(
            'SELECT key, group_interval_s, repeat_interval_s, last_firing_sent_at FROM notification_groups WHERE flush_at <= $1 ORDER BY flush_at LIMIT 1 FOR UPDATE SKIP LOCKED',
            [iso(now)],
          )
        ).rows[0];
        if (!group) return undefined;
        key = group.key;
        suppression ??= await loadSuppression(tx, now);
        subscribers ??= await listSubscribers(tx);
        return flushGroup(tx, group, now, suppression, subscribers);
      });
      if (rows === undefined) break;
      result.rows += rows;
    } catch (error) {
      if (key === undefined) throw error;
      result.errors.push(`group ${key}: ${(error as Error).message}`);
      await db.query('UPDATE notification_groups SET flush_at = $2 WHERE key = $1', [key, iso(now + FAILED_FLUSH_RETRY_MS)]);
    }
  }
  return result;
}

interface PendingEvent {
  id: string;
  alert_id: string;
  event: 'firing' | 'acknowledged' | 'resolved';
}

/**
 * One group's notification, Alertmanager's pipeline in order: inhibit, silence (and maintenance), route to the
 * subscribers, dedup (only what changed, or a repeat once repeat_interval has passed), and the outbox rows. Each
 * pending event is marked with what became of it.
 */
async function flushGroup(tx: Queryable, group: GroupRow, now: number, suppression: Suppression, subscribers: Subscriber[]): Promise<number> {
  const events = (await tx.query<PendingEvent>('SELECT id, alert_id, event FROM notification_events WHERE group_key = $1 AND handled_at IS NULL ORDER BY id', [group.key])).rows;
  // The group's alerts still firing and unacknowledged, and whether each was told already.
  const open = (
    await tx.query<{ alert_id: string; told: boolean }>(
      `SELECT DISTINCT e.alert_id, EXISTS (SELECT 1 FROM notification_events t WHERE t.alert_id = e.alert_id AND t.event = 'firing' AND t.handled_at IS NOT NULL AND t.outcome NOT LIKE '${SUPPRESSED}%') AS told
         FROM notification_events e JOIN alerts a ON a.id = e.alert_id WHERE e.group_key = $1 AND a.state = 'firing'`,
      [group.key],
    )
  ).rows;
  const alerts = await loadAlerts(tx, [...new Set([...events.map((e) => e.alert_id), ...open.map((o) => o.alert_id)])]);
  const outcomes = new Map<string, string>();
  const repeatDue = group.last_firing_sent_at !== null && group.last_firing_sent_at.getTime() + group.repeat_interval_s * 1000 <= now;
  const pendingFiring = new Set(events.filter((e) => e.event === 'firing').map((e) => e.alert_id));

  // Firing: new ones, ones never told (their silence has ended), and on a repeat every one still firing.
  const firing: RoutedAlert[] = [];
  let suppressedOpen = false;
  for (const { alert_id, told } of open) {
    const alert = alerts.get(alert_id) as RoutedAlert;
    const reason = suppressionOf(suppression, alert);
    if (reason) {
      suppressedOpen = true;
      if (pendingFiring.has(alert_id)) outcomes.set(`${alert_id}:firing`, SUPPRESSED + reason);
    } else if (pendingFiring.has(alert_id) || !told || repeatDue) firing.push(alert);
  }
  let written = 0;
  if (firing.length > 0) {
    const notification = { id: randomUUID(), kind: 'firing' as const };
    for (const subscriber of subscribers) {
      const theirs = firing.filter((a) => routesTo(subscriber, a));
      if (theirs.length > 0) written += await writeOutboxRows(tx, notification, theirs, subscriber, now);
    }
    for (const alert of firing) {
      const outcome = written > 0 ? `notified (${notification.id})` : 'notified: no subscriber matched';
      if (pendingFiring.has(alert.id)) outcomes.set(`${alert.id}:firing`, outcome);
      else await tx.query(`INSERT INTO notification_events (alert_id, rule_id, event, at, group_key, handled_at, outcome) VALUES ($1, $2, 'firing', $3, $4, $3, $5)`, [alert.id, alert.ruleId, iso(now), group.key, `${repeatDue ? 'repeated' : 'told after its suppression ended'}: ${outcome}`]);
    }
  }
  written += await notifyResolved(tx, events, alerts, now, outcomes);

  for (const e of events) {
    const state = alerts.get(e.alert_id)?.state;
    const outcome =
      outcomes.get(`${e.alert_id}:${e.event}`) ??
      (e.event === 'acknowledged' ? 'acknowledged: no message, repeats and escalation stop' : e.event === 'firing' ? `${state ?? 'gone'} before it was notified` : 'resolved: never told, so no message');
    await tx.query('UPDATE notification_events SET handled_at = $2, outcome = $3 WHERE id = $1', [e.id, iso(now), outcome]);
  }

  const lastFiring = firing.length > 0 ? now : group.last_firing_sent_at?.getTime() ?? null;
  const stillOpenAndTold = open.some((o) => (o.told || firing.some((a) => a.id === o.alert_id)) && alerts.get(o.alert_id)?.state === 'firing');
  const candidates = [
    ...(stillOpenAndTold && lastFiring !== null ? [lastFiring + group.repeat_interval_s * 1000] : []),
    // A suppressed alert is looked at again each group_interval, to be told once its silence or window ends.
    ...(suppressedOpen ? [now + group.group_interval_s * 1000] : []),
  ];
  await tx.query('UPDATE notification_groups SET last_flush_at = $2, last_firing_sent_at = $3, flush_at = $4 WHERE key = $1', [
    group.key,
    iso(now),
    lastFiring === null ? null : iso(lastFiring),
    candidates.length > 0 ? iso(Math.min(...candidates)) : null,
  ]);
  return written;
}

/** Resolved: told to whoever was told the alert fired, on the same channels; one message per subscriber and channel. */
async function notifyResolved(tx: Queryable, events: PendingEvent[], alerts: Map<string, RoutedAlert>, now: number, outcomes: Map<string, string>): Promise<number> {
  const resolved = [...new Set(events.filter((e) => e.event === 'resolved').map((e) => e.alert_id))];
  if (resolved.length === 0) return 0;
  const { rows } = await tx.query<{ alert_id: string; subscriber_id: string; channel: Subscriber['channels'][number] }>(
    `SELECT DISTINCT a.alert_id, o.subscriber_id, o.channel FROM notification_outbox o, unnest(o.alert_ids) AS a(alert_id)
      WHERE o.alert_ids && $1::text[] AND a.alert_id = ANY($1::text[]) AND o.kind IN ('firing', 'escalation')`,
    [resolved],
  );
  const perRecipient = new Map<string, { subscriberId: string; channel: Subscriber['channels'][number]; alerts: AlertRow[] }>();
  for (const r of rows) {
    const alert = alerts.get(r.alert_id);
    if (!alert) continue;
    const key = `${r.subscriber_id}\n${r.channel}`;
    const entry = perRecipient.get(key) ?? { subscriberId: r.subscriber_id, channel: r.channel, alerts: [] };
    entry.alerts.push(alert);
    perRecipient.set(key, entry);
  }
  const subscribers = new Map((await getSubscribers(tx, [...new Set(rows.map((r) => r.subscriber_id))])).map((s) => [s.id, s]));
  const notification = { id: randomUUID(), kind: 'resolved' as const };
  let written = 0;
  for (const { subscriberId, channel, alerts: theirs } of perRecipient.values()) {
    const subscriber = subscribers.get(subscriberId);
    if (subscriber) written += await writeOutboxRows(tx, notification, theirs, subscriber, now, [channel]);
  }
  for (const id of resolved) if (rows.some((r) => r.alert_id === id)) outcomes.set(`${id}:resolved`, `notified (${notification.id})`);
  return written;
}
