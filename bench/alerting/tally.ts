// What the providers accepted, counted by idempotency key against what the run's conditions should have caused.
import type { Db } from '@ioc/core';

/** One message a provider accepted: its idempotency key and when it was accepted. */
export interface Accepted {
  key: string;
  acceptedAt: number;
}

/** A condition the run caused: an alert of `ruleId` for `deviceId`, from `at` (the reading or anomaly published). */
export interface Condition {
  ruleId: string;
  deviceId: string;
  at: number;
}

export interface Tally {
  expected: number;
  delivered: number;
  /** The same key accepted twice, plus extra keys for one (alert, subscriber, channel, kind). */
  duplicates: number;
  /** Expected (condition, subscriber, channel, firing) never accepted. */
  lost: number;
  /** Accepted messages no condition of the run asked for (another kind, another alert). */
  unexpected: number;
  /** Condition → accepted, per delivered message. */
  latenciesMs: number[];
  firstAt: number;
  lastAcceptedAt: number;
}

interface OutboxRow {
  idempotency_key: string;
  alert_ids: string[];
  subscriber_id: string;
  channel: string;
  kind: string;
}

/**
 * Looks each accepted key up in the outbox (its alert, subscriber, channel and kind) and the alert's rule and device,
 * and compares with every (condition × subscriber × channel) firing message the run expects.
 */
export async function tally(db: Db, accepted: Accepted[], conditions: Condition[], subscriberIds: string[], channels: string[]): Promise<Tally> {
  const keys = [...new Set(accepted.map((a) => a.key))];
  const { rows } = await db.query<OutboxRow & { rule_id: string; device_id: string }>(
    `SELECT o.idempotency_key, o.alert_ids, o.subscriber_id, o.channel, o.kind, a.rule_id, a.device_id
       FROM notification_outbox o JOIN alerts a ON a.id = o.alert_ids[1]
      WHERE o.idempotency_key = ANY($1)`,
    [keys],
  );
  const byKey = new Map(rows.map((row) => [row.idempotency_key, row]));
  const conditionAt = new Map(conditions.map((c) => [`${c.ruleId}/${c.deviceId}`, c.at]));
  const expected = new Set(conditions.flatMap((c) => subscriberIds.flatMap((s) => channels.map((ch) => `${c.ruleId}/${c.deviceId}/${s}/${ch}/firing`))));

  const seenKeys = new Set<string>();
  const keysByMessage = new Map<string, Set<string>>();
  const latenciesMs: number[] = [];
  let duplicates = 0;
  let unexpected = 0;
  for (const { key, acceptedAt } of accepted) {
    if (seenKeys.has(key)) {
      duplicates++;
      continue;
    }
    seenKeys.add(key);
    const row = byKey.get(key);
    // A notification names every alert it tells of; here each group (rule × device) has one.
    const message = row && row.alert_ids.length === 1 ? `${row.rule_id}/${row.device_id}/${row.subscriber_id}/${row.channel}/${row.kind}` : undefined;
    if (!message || !expected.has(message)) {
      unexpected++;
      continue;
    }
    const keysOfMessage = keysByMessage.get(message) ?? new Set<string>();
    keysOfMessage.add(key);
    keysByMessage.set(message, keysOfMessage);
    if (keysOfMessage.size > 1) duplicates++;
    else latenciesMs.push(acceptedAt - (conditionAt.get(`${row!.rule_id}/${row!.device_id}`) as number));
  }
  return {
    expected: expected.size,
    delivered: keysByMessage.size,
    duplicates,
    lost: expected.size - keysByMessage.size,
    unexpected,
    latenciesMs,
    firstAt: conditions.reduce((first, c) => Math.min(first, c.at), Infinity),
    lastAcceptedAt: accepted.reduce((last, a) => Math.max(last, a.acceptedAt), 0),
  };
}

export function p99(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number);
}
