import { createHmac } from 'node:crypto';
import { httpFailure, requestJson, unknownOutcome, type Channel, type SendOutcome } from './channel.ts';

/** `sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` with IOC_WEBHOOK_SECRET: what a receiver recomputes. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * JSON to the subscriber's URL, signed (X-IOC-Signature over X-IOC-Timestamp and the body, so a replay of an old
 * body is told by its time) and carrying Idempotency-Key, the same on every retry, for the receiver to drop repeats.
 */
export function createWebhookChannel(secret: string | undefined, options: { timeoutMs: number; clock: { now(): number } }): Channel {
  return {
    name: 'webhook',
    missing: () => (secret ? undefined : 'the webhook channel is not configured: set IOC_WEBHOOK_SECRET'),
    async send(item): Promise<SendOutcome> {
      const body = JSON.stringify({ id: item.idempotencyKey, ...item.message.payload, text: item.message.text, language: item.message.language });
      const timestamp = String(Math.floor(options.clock.now() / 1000));
      try {
        const reply = await requestJson(
          item.message.to,
          {
            headers: {
              'content-type': 'application/json',
              'idempotency-key': item.idempotencyKey,
              'x-ioc-timestamp': timestamp,
              'x-ioc-signature': webhookSignature(secret ?? '', timestamp, body),
            },
            body,
          },
          options.timeoutMs,
        );
        return reply.status >= 200 && reply.status < 300 ? { status: 'sent', providerMessageId: null } : httpFailure(reply, 'the webhook');
      } catch (error) {
        return unknownOutcome(error);
      }
    },
  };
}
