import type { GatewayStats } from './stats.ts';

/**
 * Backpressure from the broker to its publishers. While the broker's backlog (messages waiting in its emitter plus
 * messages held for persistent sessions, such as ingest's, and not yet acknowledged) is at `limit` or more, every
 * publish waits for its authorisation; aedes reads nothing more from a connection while one of its publishes waits,
 * so TCP holds the publishers back and the gateway's memory stays bounded. Publishes go again, in arrival order,
 * once the backlog is down to half the limit. `limit` 0 turns the gate off.
 */
export function createPublishGate(deps: { backlog: () => number; limit: number; stats: GatewayStats; pollMs?: number }) {
  const { backlog, limit, stats, pollMs = 10 } = deps;
  let waiting: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;

  function poll(): void {
    timer = undefined;
    if (backlog() > limit / 2) {
      timer = setTimeout(poll, pollMs);
      return;
    }
    const released = waiting;
    waiting = [];
    for (const proceed of released) proceed();
  }

  return {
    /** Calls `proceed` now, or once the backlog has come down. */
    pass(proceed: () => void): void {
      if (limit === 0 || (waiting.length === 0 && backlog() < limit)) return proceed();
      stats.heldPublishes++;
      waiting.push(proceed);
      timer ??= setTimeout(poll, pollMs);
    },
    get waiting(): number {
      return waiting.length;
    },
    close(): void {
      clearTimeout(timer);
      timer = undefined;
      const released = waiting;
      waiting = [];
      for (const proceed of released) proceed();
    },
  };
}

export type PublishGate = ReturnType<typeof createPublishGate>;
