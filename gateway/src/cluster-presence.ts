import { Redis } from 'ioredis';
import type { Logger } from '@ioc/core';

const PREFIX = 'ioc:gateway:';
const aliveKey = (node: string) => `${PREFIX}${node}:alive`;
const devicesKey = (node: string) => `${PREFIX}${node}:devices`;
const DEVICES_PATTERN = `${PREFIX}*:devices`;

/**
 * Which gateway node holds which devices, kept in Redis so that a node's crash does not leave its devices online
 * for ever (a lone gateway clears them when it starts; in a cluster the others are still running). Each node renews
 * `ioc:gateway:<node>:alive` every third of `ttlMs` and keeps the set `ioc:gateway:<node>:devices` of the devices
 * it announced online. Every node sweeps as often: the set of a node whose heartbeat has expired is claimed by one
 * sweeper (RENAME is atomic), and its devices that no live node holds now are handed to `onStale`, which marks
 * them offline.
 */
export function createClusterPresence(deps: {
  redisUrl: string;
  node: string;
  ttlMs: number;
  logger: Logger;
  onStale: (deviceIds: string[]) => void;
}) {
  const { node, ttlMs, logger, onStale } = deps;
  const redis = new Redis(deps.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'cluster presence: Redis error'));
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  const heartbeat = () => redis.set(aliveKey(node), '1', 'PX', ttlMs);

  async function nodesWithDevices(): Promise<string[]> {
    const nodes: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', DEVICES_PATTERN, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) nodes.push(key.slice(PREFIX.length, -':devices'.length));
    } while (cursor !== '0');
    return nodes;
  }

  /** The devices of one gone node that no live node holds, once this sweeper has claimed its set. */
  async function claim(gone: string, live: string[]): Promise<string[]> {
    const claimed = `${PREFIX}${gone}:swept-by:${node}`;
    try {
      await redis.rename(devicesKey(gone), claimed);
    } catch {
      return []; // another node claimed it first
    }
    await redis.pexpire(claimed, ttlMs * 10); // should this node die mid-sweep
    const devices = await redis.smembers(claimed);
    const held = new Set<string>();
    for (const other of live) {
      const flags = devices.length > 0 ? await redis.smismember(devicesKey(other), devices) : [];
      flags.forEach((flag, i) => flag && held.add(devices[i] as string));
    }
    await redis.del(claimed);
    return devices.filter((id) => !held.has(id));
  }

  async function sweep(): Promise<void> {
    const nodes = await nodesWithDevices();
    const alive = nodes.length > 0 ? await redis.mget(nodes.map(aliveKey)) : [];
    const live = nodes.filter((other, i) => other === node || alive[i] !== null);
    for (const gone of nodes.filter((other) => !live.includes(other))) {
      const stale = await claim(gone, live);
      if (stale.length === 0) continue;
      logger.warn({ node: gone, devices: stale.length }, 'gateway node gone: its devices marked offline');
      onStale(stale);
    }
  }

  function tick(): void {
    sweeping ??= Promise.all([heartbeat(), sweep()])
      .then(() => undefined)
      .catch((error: unknown) => logger.warn({ err: error }, 'cluster presence: heartbeat or sweep failed'))
      .finally(() => (sweeping = undefined));
  }

  function write(command: Promise<unknown>, deviceId: string): void {
    command.catch((error: unknown) => logger.warn({ err: error, deviceId }, 'cluster presence: could not record a device'));
  }

  return {
    /** Connects, renews the heartbeat and sweeps once (devices left online by nodes that are gone), then on a timer. */
    async start(): Promise<void> {
      await redis.connect();
      await heartbeat();
      await sweep();
      timer = setInterval(tick, Math.max(100, Math.floor(ttlMs / 3)));
    },
    online: (deviceId: string) => write(redis.sadd(devicesKey(node), deviceId), deviceId),
    offline: (deviceId: string) => write(redis.srem(devicesKey(node), deviceId), deviceId),
    /** Stops the timer; after a clean stop every device has gone offline, so this node leaves nothing behind. */
    async close(): Promise<void> {
      clearInterval(timer);
      await sweeping;
      await redis.del(aliveKey(node), devicesKey(node)).catch(() => {});
      redis.disconnect();
    },
  };
}

export type ClusterPresence = ReturnType<typeof createClusterPresence>;
