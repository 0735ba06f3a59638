import { pruneAuditEvents, recordAuditEvents, type Clock, type Logger, type NewAuditEvent, type Queryable } from '@ioc/core';
import { createFlusher } from './flusher.ts';

/** Events kept while the database cannot take them; beyond this the oldest are dropped, and counted. */
const MAX_BUFFERED = 50_000;
const BATCH = 1000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The gateway's side of the audit log: events are buffered and written in batches within `intervalMs`, so a
 * reconnect storm costs a few INSERTs, not one per connection. With `retentionMs`, events older than that are
 * deleted at start and every hour (IOC_AUDIT_RETENTION).
 */
export function createAuditLog(deps: { db: Queryable; clock: Clock; logger: Logger; intervalMs?: number; retentionMs?: number }) {
  const { db, clock, logger, retentionMs } = deps;
  let buffer: NewAuditEvent[] = [];
  let dropped = 0;
  let pruneTimer: NodeJS.Timeout | undefined;
  let pruning: Promise<void> | undefined;

  function prune(): void {
    if (retentionMs === undefined || pruning) return;
    pruning = pruneAuditEvents(db, clock.now() - retentionMs)
      .then((removed) => {
        if (removed > 0) logger.info({ removed, retentionMs }, 'old audit events deleted');
      })
      .catch((error: unknown) => logger.error({ err: error }, 'could not delete old audit events'))
      .finally(() => {
        pruning = undefined;
      });
  }
  const flusher = createFlusher({
    what: 'audit events',
    intervalMs: deps.intervalMs ?? 1000,
    logger,
    flush: async () => {
      while (buffer.length > 0) {
        const batch = buffer.slice(0, BATCH);
        await recordAuditEvents(db, batch);
        buffer = buffer.slice(batch.length);
      }
    },
  });

  return {
    record(event: Omit<NewAuditEvent, 'ts'>): void {
      buffer.push({ ...event, ts: clock.now() });
      if (buffer.length > MAX_BUFFERED) {
        buffer.shift();
        if (dropped++ % 1000 === 0) logger.error({ dropped }, 'audit log buffer full: dropping the oldest events');
      }
      if (buffer.length >= BATCH) flusher.soon();
      else flusher.later();
    },
    /** Deletes expired events now and every hour until drain(). */
    startPruning(): void {
      if (retentionMs === undefined || pruneTimer) return;
      prune();
      pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
      pruneTimer.unref();
    },
    async drain(): Promise<void> {
      clearInterval(pruneTimer);
      pruneTimer = undefined;
      await pruning;
      await flusher.drain();
    },
    get pending(): number {
      return buffer.length;
    },
    get dropped(): number {
      return dropped;
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
