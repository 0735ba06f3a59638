import { Type, type Static } from 'typebox';
import type { Queryable } from '@ioc/core';
import { Channel } from './subscribers.ts';

/** One message to one subscriber on one channel, as `GET /api/notifications` shows it. */
export const NotificationItem = Type.Object({
  id: Type.String(),
  alertId: Type.String(),
  subscriberId: Type.String(),
  channel: Channel,
  kind: Type.Union([Type.Literal('firing'), Type.Literal('resolved'), Type.Literal('escalation')]),
  status: Type.Union([Type.Literal('queued'), Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  providerMessageId: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  /** Every alert the message told about (a group's notification names several). */
  alertIds: Type.Array(Type.String()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export type NotificationItem = Static<typeof NotificationItem>;

interface Row {
  id: string;
  alert_id: string;
  alert_ids: string[];
  subscriber_id: string;
  channel: NotificationItem['channel'];
  kind: NotificationItem['kind'];
  status: NotificationItem['status'];
  attempts: number;
  provider_message_id: string | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The notifications about an alert (any of a group's), or the latest ones; newest first. */
export async function listNotifications(db: Queryable, filter: { alertId?: string; limit?: number } = {}): Promise<NotificationItem[]> {
  const { rows } = await db.query<Row>(
    `SELECT id, alert_id, alert_ids, subscriber_id, channel, kind, status, attempts, provider_message_id, error, created_at, updated_at
       FROM notification_outbox WHERE ($1::text IS NULL OR alert_ids @> ARRAY[$1::text]) ORDER BY created_at DESC, id LIMIT $2`,
    [filter.alertId ?? null, filter.limit ?? 500],
  );
  return rows.map((r) => ({
    id: r.id,
    alertId: filter.alertId ?? r.alert_id,
    subscriberId: r.subscriber_id,
    channel: r.channel,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    providerMessageId: r.provider_message_id,
    error: r.error,
    alertIds: r.alert_ids,
    createdAt: r.created_at.getTime(),
    updatedAt: r.updated_at.getTime(),
  }));
}
