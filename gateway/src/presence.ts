import { recordDevicePresence, type DevicePresence, type Logger, type Queryable } from '@ioc/core';
import { createFlusher } from './flusher.ts';

/**
 * devices.online and devices.last_seen, written in batches: going online or offline is written on the next
 * turn of the event loop (together with everything else pending), a message only moves last_seen in memory
 * and is written within `intervalMs`. One UPDATE per batch, however many devices it holds.
 */
export function createPresenceWriter(deps: { db: Queryable; logger: Logger; intervalMs?: number }) {
  const { db, logger } = deps;
  let pending = new Map<string, DevicePresence>();
  const flusher = createFlusher({
    what: 'device presence',
    intervalMs: deps.intervalMs ?? 5000,
    logger,
    flush: async () => {
      if (pending.size === 0) return;
      const batch = pending;
      pending = new Map();
      try {
        await recordDevicePresence(db, [...batch.values()]);
      } catch (error) {
        for (const [id, presence] of batch) if (!pending.has(id)) pending.set(id, presence);
        throw error;
      }
    },
  });

  return {
    changed(id: string, online: boolean, at: number): void {
      pending.set(id, { id, online, lastSeen: at });
      flusher.soon();
    },
    seen(id: string, at: number): void {
      const entry = pending.get(id);
      if (entry) entry.lastSeen = at;
      else pending.set(id, { id, lastSeen: at });
      flusher.later();
    },
    drain: () => flusher.drain(),
    get pending(): number {
      return pending.size;
    },
  };
}

export type PresenceWriter = ReturnType<typeof createPresenceWriter>;
