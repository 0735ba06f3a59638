import type { AedesOptions } from 'aedes';
import MQEmitterRedis from 'mqemitter-redis';
import redisPersistence from 'aedes-persistence-redis';

/** What the broker shares with the other gateway nodes, and how to let go of it after broker.close(). */
export interface ClusterBackend {
  options: Pick<AedesOptions, 'mq' | 'persistence'>;
  close(): Promise<void>;
}

/**
 * Cluster mode (REDIS_URL): messages travel between gateway nodes through Redis pub/sub (mqemitter-redis), and
 * subscriptions, retained messages, persistent sessions and queued QoS 1/2 messages live in Redis
 * (aedes-persistence-redis), so a client may reconnect to any node.
 */
export function createClusterBackend(redisUrl: string): ClusterBackend {
  const mq = MQEmitterRedis({ connectionString: redisUrl });
  // The package's main export: it adapts the Redis store's async iterators to the streams aedes 1.x reads.
  const persistence = redisPersistence(redisUrl);
  return {
    options: { mq, persistence },
    // The broker closes the emitter itself; the persistence's Redis connections are ours to end.
    close: () => persistence.destroy(),
  };
}
