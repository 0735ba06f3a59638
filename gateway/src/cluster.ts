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
  storeEachSubscribeOnce(persistence);
  return {
    options: { mq, persistence },
    // The broker closes the emitter itself; the persistence's Redis connections are ours to end.
    close: () => persistence.destroy(),
  };
}

/**
 * aedes 1.2 stores a persistent session's SUBSCRIBE once per topic in it, each time with the packet's whole list,
 * at once (storeSubscriptions in lib/handlers/subscribe.js). The Redis persistence waits for each call's echo through
 * Redis under the list's first topic, so the second call takes the first one's place and the first never completes:
 * a SUBSCRIBE of two topics in a persistent session (ingest's, alerting's) was never answered. The calls of one packet
 * share its list, so the one store in flight for that list is theirs too.
 */
function storeEachSubscribeOnce(persistence: { addSubscriptions(client: unknown, subs: object): Promise<unknown> }): void {
  const add = persistence.addSubscriptions.bind(persistence);
  const inFlight = new WeakMap<object, Promise<unknown>>();
  persistence.addSubscriptions = (client, subs) => {
    const stored = inFlight.get(subs) ?? add(client, subs);
    inFlight.set(subs, stored);
    return stored;
  };
}
