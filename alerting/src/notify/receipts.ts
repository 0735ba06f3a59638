import type { Queryable } from '@ioc/core';
import type { ChannelName } from './config.ts';

export interface DeliveryReceipt {
  /** The channels the message may have gone on (Zalo's events do not say ZNS or OA). */
  channels: ChannelName[];
  /** The provider's id of the message (eSMS SMSID, Zalo msg_id), or our idempotency key (eSMS RequestId, ZNS tracking_id). */
  providerMessageId?: string;
  idempotencyKey?: string;
  delivered: boolean;
  /** Why it was not delivered. */
  error?: string;
}

/**
 * A provider's receipt: the row becomes `delivered`, or `failed` with the provider's reason (a message the network
 * refused is not sent again: the same request id would be refused as a duplicate, and a new one could reach the
 * phone twice). Returns whether a row matched; a receipt for an unknown message changes nothing.
 */
export async function applyDeliveryReceipt(db: Queryable, receipt: DeliveryReceipt, now: number): Promise<boolean> {
  if (!receipt.providerMessageId && !receipt.idempotencyKey) return false;
  const { rows } = await db.query(
    `UPDATE notification_outbox SET status = $4, error = $5, provider_message_id = COALESCE(provider_message_id, $2), claimed_until = NULL, updated_at = $6
      WHERE channel = ANY($1::text[]) AND status IN ('queued', 'sent') AND (provider_message_id = $2 OR idempotency_key = $3) RETURNING id`,
    [receipt.channels, receipt.providerMessageId ?? null, receipt.idempotencyKey ?? null, receipt.delivered ? 'delivered' : 'failed', receipt.delivered ? null : (receipt.error ?? 'not delivered'), new Date(now).toISOString()],
  );
  return rows.length > 0;
}
