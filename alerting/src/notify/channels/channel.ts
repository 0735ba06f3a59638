import type { ChannelName } from '../config.ts';
import type { NotificationKind, OutboxMessage } from '../render.ts';

/** One outbox row as a channel sends it. */
export interface OutboxItem {
  id: string;
  channel: ChannelName;
  kind: NotificationKind;
  /** Fixed when the row was written and the same on every attempt (eSMS RequestId, ZNS tracking_id, Idempotency-Key). */
  idempotencyKey: string;
  message: OutboxMessage;
  attempts: number;
}

/**
 * What became of one attempt. `transient` is retried with backoff (timeouts, 5xx, rate limits, an unknown outcome:
 * the idempotency key makes the retry safe); `permanent` is not (a bad number, a bad template).
 */
export type SendOutcome =
  | { status: 'sent'; providerMessageId: string | null }
  | { status: 'transient'; error: string }
  | { status: 'permanent'; error: string };

/** A way to tell a subscriber: SMS (eSMS), Zalo ZNS, Zalo OA, webhook. */
export interface Channel {
  readonly name: ChannelName;
  /** Why the channel cannot send (the settings it lacks), or undefined. */
  missing(): string | undefined;
  send(item: OutboxItem): Promise<SendOutcome>;
}

export interface HttpReply {
  status: number;
  body: unknown;
}

/**
 * One provider request with a deadline. A network error or a timeout is thrown: the request may or may not have
 * reached the provider, so the caller counts it transient and retries with the same idempotency key.
 */
export async function requestJson(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, timeoutMs: number): Promise<HttpReply> {
  const response = await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): kept as text for the error message.
  }
  return { status: response.status, body };
}

/** A thrown request as a transient outcome that says the result is unknown. */
export function unknownOutcome(error: unknown): SendOutcome {
  const reason = error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : error.message) : String(error);
  return { status: 'transient', error: `no answer (${reason}); retried with the same idempotency key` };
}

/** An HTTP status outside 2xx: 408, 429 and 5xx are transient, the rest permanent. */
export function httpFailure(reply: HttpReply, provider: string): SendOutcome {
  const detail = `${provider} answered HTTP ${reply.status}: ${JSON.stringify(reply.body).slice(0, 200)}`;
  return reply.status === 408 || reply.status === 429 || reply.status >= 500 ? { status: 'transient', error: detail } : { status: 'permanent', error: detail };
}
