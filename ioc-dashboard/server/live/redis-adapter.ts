import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from '@ioc/core';
import type { LiveServer } from './socket-server.ts';

/**
 * Joins this process's socket.io server to the other dashboard processes on the same Redis (REDIS_URL), so that an
 * `io.emit` in one reaches the browsers of all of them. Only what happens in one process (a command's change) is
 * emitted that way: what every process hears from the bus itself (telemetry, status, anomalies, alerts) is emitted
 * with `io.local`, or each browser would get it once per process. Resolves once Redis has the adapter's
 * subscriptions, so nothing emitted afterwards is missed; `close()` leaves Redis.
 */
export async function joinLiveCluster(io: LiveServer, redisUrl: string, logger: Logger): Promise<{ close(): Promise<void> }> {
  const options = { lazyConnect: true, maxRetriesPerRequest: null };
  const pub = new Redis(redisUrl, options);
  const sub = new Redis(redisUrl, options);
  for (const [role, client] of [['publisher', pub], ['subscriber', sub]] as const) {
    client.on('error', (error: Error) => logger.warn({ err: error, role }, 'live feed cluster: Redis error'));
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    io.adapter(createAdapter(pub, sub));
    // The adapter subscribes without waiting; a PING on the same connection is answered after those subscriptions.
    await sub.ping();
  } catch (error) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`the live feed cannot join the other dashboards through Redis (REDIS_URL): ${(error as Error).message}`);
  }
  logger.info('live feed shared with the other dashboards through Redis');
  return {
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
