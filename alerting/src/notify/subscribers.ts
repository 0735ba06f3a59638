import { randomUUID } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { ALERT_SEVERITIES, type Db, type Queryable } from '@ioc/core';
import { CHANNELS } from './config.ts';

export const Channel = Type.Enum(CHANNELS);
const Severity = Type.Enum(ALERT_SEVERITIES);

/** 'HH:MM', 24 h. */
const ClockTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM in Asia/Ho_Chi_Minh' });

export const QuietHours = Type.Object(
  { from: ClockTime, to: ClockTime },
  { additionalProperties: false, description: 'no messages from..to (Asia/Ho_Chi_Minh) but for critical alerts; held until it ends' },
);
export type QuietHours = Static<typeof QuietHours>;

export const NewSubscriber = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** Vietnamese numbers in E.164: +84 and 9 digits (mobile) or 10 (landline), no leading 0. */
    phone: Type.String({ pattern: '^\\+84[1-9]\\d{8,9}$', description: 'E.164, e.g. +84901234567' }),
    zaloUserId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^\\d+$', description: "the follower's user id of the Official Account (zalo_oa)" })),
    channels: Type.Array(Channel, { minItems: 1, maxItems: CHANNELS.length, uniqueItems: true }),
    webhookUrl: Type.Optional(Type.String({ maxLength: 2048, pattern: '^https?://[^\\s]+$', description: 'where the webhook channel posts' })),
    areaIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 200, uniqueItems: true, description: 'only alerts of these areas (default all)' })),
    kinds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 50, uniqueItems: true, description: 'only alerts of these device kinds (default all)' })),
    minSeverity: Severity,
    language: Type.Union([Type.Literal('vi'), Type.Literal('en')]),
    quietHours: Type.Optional(QuietHours),
  },
  { additionalProperties: false },
);
export type NewSubscriber = Static<typeof NewSubscriber>;

export const Subscriber = Type.Object({
  id: Type.String(),
  name: Type.String(),
  phone: Type.String(),
  zaloUserId: Type.Union([Type.String(), Type.Null()]),
  channels: Type.Array(Channel),
  webhookUrl: Type.Union([Type.String(), Type.Null()]),
  areaIds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  kinds: Type.Union([Type.Array(Type.String()), Type.Null()]),
  minSeverity: Severity,
  language: Type.Union([Type.Literal('vi'), Type.Literal('en')]),
  quietHours: Type.Union([QuietHours, Type.Null()]),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export type Subscriber = Static<typeof Subscriber>;

/** What the schema cannot say: a channel needs its address. */
export function subscriberProblem(input: NewSubscriber): string | undefined {
  if (input.channels.includes('zalo_oa') && !input.zaloUserId) return '"zaloUserId" is required for the zalo_oa channel';
  if (input.channels.includes('webhook') && !input.webhookUrl) return '"webhookUrl" is required for the webhook channel';
  return undefined;
}

/** Severities from the most to the least urgent: a subscriber gets those at or above its minimum. */
export function atLeast(severity: Subscriber['minSeverity'], minimum: Subscriber['minSeverity']): boolean {
  return ALERT_SEVERITIES.indexOf(severity) <= ALERT_SEVERITIES.indexOf(minimum);
}

/** Whether a subscriber is to hear about an alert (its area, its device kind, its severity). */
export function routesTo(subscriber: Subscriber, alert: { areaId: string | null; kind: string | null; severity: Subscriber['minSeverity'] }): boolean {
  if (!atLeast(alert.severity, subscriber.minSeverity)) return false;
  if (subscriber.areaIds && !(alert.areaId !== null && subscriber.areaIds.includes(alert.areaId))) return false;
  if (subscriber.kinds && !(alert.kind !== null && subscriber.kinds.includes(alert.kind))) return false;
  return true;
}

interface SubscriberRow {
  id: string;
  name: string;
  phone: string;
  zalo_user_id: string | null;
  channels: Subscriber['channels'];
  webhook_url: string | null;
  area_ids: string[] | null;
  kinds: string[] | null;
  min_severity: Subscriber['minSeverity'];
  language: Subscriber['language'];
  quiet_from: string | null;
  quiet_to: string | null;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (r: SubscriberRow): Subscriber => ({
  id: r.id,
  name: r.name,
  phone: r.phone,
  zaloUserId: r.zalo_user_id,
  channels: r.channels,
  webhookUrl: r.webhook_url,
  areaIds: r.area_ids,
  kinds: r.kinds,
  minSeverity: r.min_severity,
  language: r.language,
  quietHours: r.quiet_from && r.quiet_to ? { from: r.quiet_from, to: r.quiet_to } : null,
  createdAt: r.created_at.getTime(),
  updatedAt: r.updated_at.getTime(),
});

const values = (input: NewSubscriber) => [
  input.name.normalize('NFC'),
  input.phone,
  input.zaloUserId ?? null,
  input.channels,
  input.webhookUrl ?? null,
  input.areaIds ?? null,
  input.kinds ?? null,
  input.minSeverity,
  input.language,
  input.quietHours?.from ?? null,
  input.quietHours?.to ?? null,
];

export async function listSubscribers(db: Queryable): Promise<Subscriber[]> {
  return (await db.query<SubscriberRow>('SELECT * FROM subscribers ORDER BY name, id')).rows.map(fromRow);
}

export async function getSubscribers(db: Queryable, ids: readonly string[]): Promise<Subscriber[]> {
  return (await db.query<SubscriberRow>('SELECT * FROM subscribers WHERE id = ANY($1::text[]) ORDER BY id', [ids])).rows.map(fromRow);
}

export async function createSubscriber(db: Queryable, input: NewSubscriber, now: number): Promise<Subscriber> {
  const { rows } = await db.query<SubscriberRow>(
    `INSERT INTO subscribers (id, name, phone, zalo_user_id, channels, webhook_url, area_ids, kinds, min_severity, language, quiet_from, quiet_to, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *`,
    [randomUUID(), ...values(input), new Date(now).toISOString()],
  );
  return fromRow(rows[0] as SubscriberRow);
}

/** Replaces a subscriber; notifications already in the outbox keep the address they were written with. */
export async function updateSubscriber(db: Queryable, id: string, input: NewSubscriber, now: number): Promise<Subscriber | undefined> {
  const { rows } = await db.query<SubscriberRow>(
    `UPDATE subscribers SET name = $2, phone = $3, zalo_user_id = $4, channels = $5, webhook_url = $6, area_ids = $7, kinds = $8, min_severity = $9,
            language = $10, quiet_from = $11, quiet_to = $12, updated_at = $13
      WHERE id = $1 RETURNING *`,
    [id, ...values(input), new Date(now).toISOString()],
  );
  return rows[0] && fromRow(rows[0]);
}

/** Deletes a subscriber; its messages still waiting are failed with the reason, its history stays. */
export function deleteSubscriber(db: Db, id: string, now: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>('DELETE FROM subscribers WHERE id = $1 RETURNING id', [id]);
    if (rows.length === 0) return false;
    await tx.query(
      `UPDATE notification_outbox SET status = 'failed', error = 'the subscriber was deleted', updated_at = $2 WHERE subscriber_id = $1 AND status = 'queued'`,
      [id, new Date(now).toISOString()],
    );
    return true;
  });
}
