// A subscriber's webhook receiver: checks the HMAC-SHA256 signature over the timestamp and the body, and keeps one
// delivery per Idempotency-Key (as the README asks receivers to).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { script, startProviderServer, type ProviderServer } from './http-provider.ts';

export interface WebhookDelivery {
  key: string;
  body: Record<string, unknown>;
  /** When the receiver accepted it (ms since the epoch). */
  acceptedAt: number;
}

export interface FakeWebhook extends ProviderServer {
  deliveries: WebhookDelivery[];
  requests: number;
  badSignatures: number;
  trouble: ReturnType<typeof script<{ http: number } | 'drop' | 'accept-then-drop'>>;
}

export async function startFakeWebhook(secret: string, latencyMs = 0): Promise<FakeWebhook> {
  const deliveries: WebhookDelivery[] = [];
  const keys = new Set<string>();
  const trouble = script<{ http: number } | 'drop' | 'accept-then-drop'>();
  const state = { requests: 0, badSignatures: 0 };
  const server = await startProviderServer((request) => {
    state.requests++;
    const expected = `sha256=${createHmac('sha256', secret).update(`${request.headers['x-ioc-timestamp']}.${request.body}`).digest('hex')}`;
    const given = String(request.headers['x-ioc-signature'] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      state.badSignatures++;
      return { status: 401, json: { error: 'bad signature' } };
    }
    const planned = trouble.next();
    if (planned === 'drop') return 'drop';
    if (planned && typeof planned === 'object') return { status: planned.http, json: {} };
    const key = String(request.headers['idempotency-key'] ?? '');
    if (!keys.has(key)) {
      keys.add(key);
      deliveries.push({ key, body: JSON.parse(request.body) as Record<string, unknown>, acceptedAt: Date.now() });
    }
    return planned === 'accept-then-drop' ? 'drop' : { status: 200, json: { ok: true } };
  }, latencyMs);
  return {
    ...server,
    deliveries,
    get requests() {
      return state.requests;
    },
    get badSignatures() {
      return state.badSignatures;
    },
    trouble,
  };
}
