import type { Db, Logger } from '@ioc/core';
import type { ChannelName, DeliverySettings } from './config.ts';
import type { Channel, OutboxItem, SendOutcome } from './channels/channel.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { NotificationKind, OutboxMessage } from './render.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"): uniform in [0, min(cap, base·2^(attempt-1))). */
export function fullJitter(attempt: number, settings: Pick<DeliverySettings, 'backoffBaseMs' | 'backoffCapMs'>, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(settings.backoffCapMs, settings.backoffBaseMs * 2 ** Math.max(0, attempt - 1)));
}

interface ClaimedRow {
  id: string;
  channel: ChannelName;
  kind: NotificationKind;
  idempotency_key: string;
  message: OutboxMessage;
  attempts: number;
}

/**
 * Claims due rows of the given channels for this worker: locked with FOR UPDATE SKIP LOCKED, so two workers (two
 * processes on PostgreSQL) never take the same row, and leased until `now + leaseMs`, so a row whose worker dies
 * mid-send is claimed again after the lease, and sent again with the same idempotency key. The attempt is counted
 * at the claim, before the request, so a crash still counts it.
 */
export function claimBatch(db: Db, channels: readonly ChannelName[], now: number, settings: Pick<DeliverySettings, 'leaseMs' | 'batchSize'>): Promise<OutboxItem[]> {
  if (channels.length === 0) return Promise.resolve([]);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<ClaimedRow>(
      `SELECT id, channel, kind, idempotency_key, message, attempts FROM notification_outbox
        WHERE status = 'queued' AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) AND channel = ANY($2::text[])
        ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [iso(now), channels, settings.batchSize],
    );
    if (rows.length === 0) return [];
    await tx.query('UPDATE notification_outbox SET claimed_until = $2, attempts = attempts + 1, updated_at = $3 WHERE id = ANY($1::text[])', [
      rows.map((r) => r.id),
      iso(now + settings.leaseMs),
      iso(now),
    ]);
    return rows.map((r) => ({ id: r.id, channel: r.channel, kind: r.kind, idempotencyKey: r.idempotency_key, message: r.message, attempts: r.attempts + 1 }));
  });
}

/**
 * Records attempts' outcomes, a batch in one statement: `sent` (kept `delivered` if the receipt came first),
 * `failed` for a permanent error or once the attempts run out, else queued again after a full-jitter backoff with
 * the error shown.
 */
export async function recordOutcomes(db: Db, results: readonly { item: OutboxItem; outcome: SendOutcome }[], now: number, settings: DeliverySettings, random?: () => number): Promise<void> {
  if (results.length === 0) return;
  const rows = results.map(({ item, outcome }) => {
    if (outcome.status === 'sent') return { id: item.id, status: 'sent', providerMessageId: outcome.providerMessageId, error: null, next: null };
    const givingUp = outcome.status === 'permanent' || item.attempts >= settings.maxAttempts;
    const error = outcome.status === 'transient' && givingUp ? `gave up after ${item.attempts} attempts: ${outcome.error}` : outcome.error;
    return { id: item.id, status: givingUp ? 'failed' : 'queued', providerMessageId: null, error, next: givingUp ? null : iso(now + fullJitter(item.attempts, settings, random)) };
  });
  await db.query(
    `UPDATE notification_outbox o SET status = CASE WHEN o.status = 'queued' THEN u.status ELSE o.status END,
            provider_message_id = COALESCE(u.provider_message_id, o.provider_message_id), error = u.error,
            next_attempt_at = COALESCE(u.next_attempt_at, o.next_attempt_at), claimed_until = NULL, updated_at = $1
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS u(id, status, provider_message_id, error, next_attempt_at)
      WHERE o.id = u.id`,
    [iso(now), rows.map((r) => r.id), rows.map((r) => r.status), rows.map((r) => r.providerMessageId), rows.map((r) => r.error), rows.map((r) => r.next)],
  );
}

export interface DeliveryDeps {
  db: Db;
  clock: { now(): number };
  logger: Logger;
  channels: ReadonlyMap<ChannelName, Channel>;
  settings: DeliverySettings;
  limiter: RateLimiter;
  random?: () => number;
}

/** One round: claims due rows of the configured channels and sends them, each after its channel's rate limit. Returns how many were tried. */
export async function deliverBatch(deps: DeliveryDeps): Promise<number> {
  const ready = [...deps.channels.values()].filter((c) => c.missing() === undefined).map((c) => c.name);
  const items = await claimBatch(deps.db, ready, deps.clock.now(), deps.settings);
  const results = await Promise.all(
    items.map(async (item) => {
      const channel = deps.channels.get(item.channel) as Channel;
      await deps.limiter.take(item.channel);
      const outcome = await channel.send(item).catch((error: unknown): SendOutcome => ({ status: 'transient', error: `the ${item.channel} channel failed: ${(error as Error).message}` }));
      if (outcome.status !== 'sent') deps.logger.warn({ outbox: item.id, channel: item.channel, attempts: item.attempts, outcome }, 'notification not sent');
      return { item, outcome };
    }),
  );
  // A crash before this write sends the batch again, with the same keys: the providers answer it as duplicates.
  await recordOutcomes(deps.db, results, deps.clock.now(), deps.settings, deps.random);
  return items.length;
}

/**
 * Shows why rows of a channel that cannot send are waiting (its missing settings) in their `error`, without
 * touching them otherwise: they are sent once the channel is configured. Returns the rows marked.
 */
export async function markWaitingChannels(db: Db, channels: ReadonlyMap<ChannelName, Channel>, now: number): Promise<number> {
  let marked = 0;
  for (const channel of channels.values()) {
    const missing = channel.missing();
    if (missing === undefined) continue;
    const { rows } = await db.query(
      `UPDATE notification_outbox SET error = $2, updated_at = $3 WHERE status = 'queued' AND channel = $1 AND error IS DISTINCT FROM $2 AND next_attempt_at <= $3 RETURNING id`,
      [channel.name, missing, iso(now)],
    );
    marked += rows.length;
  }
  return marked;
}
