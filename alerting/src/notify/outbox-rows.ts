import { randomUUID } from 'node:crypto';
import type { Queryable } from '@ioc/core';
import type { AlertRow } from '../alert-row.ts';
import { quietUntil } from './quiet-hours.ts';
import { renderMessage, type NotificationKind } from './render.ts';
import type { Subscriber } from './subscribers.ts';

const HH_MM = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit' });

/**
 * Writes one outbox row per channel of a subscriber for one notification, each with its idempotency key fixed now.
 * In the subscriber's quiet hours the rows wait, visibly, until the hours end, unless an alert is critical.
 * Returns how many rows were written.
 */
export async function writeOutboxRows(
  tx: Queryable,
  notification: { id: string; kind: NotificationKind },
  alerts: readonly AlertRow[],
  subscriber: Subscriber,
  now: number,
  channels: readonly Subscriber['channels'][number][] = subscriber.channels,
): Promise<number> {
  const held = alerts.some((a) => a.severity === 'critical') ? null : quietUntil(subscriber.quietHours, now);
  let written = 0;
  for (const channel of channels) {
    const id = randomUUID();
    const message = renderMessage(notification.kind, alerts, subscriber, channel, notification.id);
    const { rows } = await tx.query(
      `INSERT INTO notification_outbox (id, notification_id, alert_id, alert_ids, subscriber_id, channel, kind, status, idempotency_key, message, next_attempt_at, error, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $10, $11, $12, $12)
       ON CONFLICT (notification_id, subscriber_id, channel) DO NOTHING RETURNING id`,
      [
        id,
        notification.id,
        (alerts[0] as AlertRow).id,
        alerts.map((a) => a.id),
        subscriber.id,
        channel,
        notification.kind,
        // The provider's idempotency key (eSMS RequestId, ZNS tracking_id): hex, 32 characters, fits both.
        id.replace(/-/g, ''),
        JSON.stringify(message),
        new Date(held ?? now).toISOString(),
        held === null ? null : `held for the subscriber's quiet hours until ${HH_MM.format(held)} (Asia/Ho_Chi_Minh)`,
        new Date(now).toISOString(),
      ],
    );
    written += rows.length;
  }
  return written;
}
