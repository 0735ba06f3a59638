import type { MqttClient } from 'mqtt';
import {
  ALL_REGISTRY_DEVICES_TOPIC,
  decodeRegistryMessage,
  parseRegistryDeviceTopic,
  registryRecordOf,
  type RegistryRecord,
} from './contracts/registry.ts';
import type { Queryable } from './db/types.ts';
import { getDevice, readRegistry } from './devices.ts';
import type { Logger } from './logger.ts';

/** Least time between two whole-registry reads of `find` (registry-cache.ts). */
const REFRESH_MIN_INTERVAL_MS = 10_000;

/** Told of every change: the new record (null once deleted) and the one it replaced (undefined when new here). */
export type RegistryListener = (deviceId: string, record: RegistryRecord | null, previous: RegistryRecord | undefined) => void;

export interface RegistryCache {
  /** The device's record as last heard; undefined when unknown here. On the hot path: a Map read. */
  get(deviceId: string): RegistryRecord | undefined;
  /**
   * The record, read from the database when the bus has not named this device yet (a service that just started
   * and is still receiving the retained records). Rejects when the database does.
   */
  lookup(deviceId: string): Promise<RegistryRecord | undefined>;
  /**
   * The first record that matches. When none does, the registry is read from the database (at most once every
   * REFRESH_MIN_INTERVAL_MS, so a stream of unknown names cannot load it) and searched again.
   */
  find(matches: (record: RegistryRecord) => boolean): Promise<RegistryRecord | undefined>;
  onChange(listener: RegistryListener): void;
  /** Whether a topic is the registry's (services that route messages themselves skip it: the cache has it). */
  owns(topic: string): boolean;
  /** Listens on the service's own connection and subscribes to every record (QoS 1; retained ones arrive first). */
  attach(client: MqttClient): Promise<void>;
  detach(): void;
}

/**
 * The one cache of the device registry that services keep, fed by `ioc/v1/registry/devices/{id}` (contracts/
 * registry.ts): a PATCH of a device's kind, place or area reaches every service as soon as it is published. A
 * record older than the one held (updatedAt) is ignored, so a late retained copy never undoes a change.
 */
export function createRegistryCache(deps: { db: Queryable; logger: Logger }): RegistryCache {
  const { db, logger } = deps;
  const known = new Map<string, RegistryRecord>();
  /** Ids deleted on the bus: a lookup must not bring them back from a database read that raced the delete. */
  const deleted = new Set<string>();
  const listeners: RegistryListener[] = [];
  let attached: { client: MqttClient; onMessage: (topic: string, payload: Buffer) => void } | undefined;
  let refreshedAt = -Infinity;

  function apply(deviceId: string, record: RegistryRecord | null): void {
    const previous = known.get(deviceId);
    if (record && previous && record.updatedAt < previous.updatedAt) return;
    if (record) {
      known.set(deviceId, record);
      deleted.delete(deviceId);
    } else {
      if (!previous && deleted.has(deviceId)) return;
      known.delete(deviceId);
      deleted.add(deviceId);
    }
    for (const listener of listeners) {
      try {
        listener(deviceId, record, previous);
      } catch (error) {
        logger.error({ err: error, deviceId }, 'registry listener failed');
      }
    }
  }

  function onMessage(topic: string, payload: Buffer): void {
    const deviceId = parseRegistryDeviceTopic(topic);
    if (deviceId === undefined) return;
    const decoded = decodeRegistryMessage(deviceId, payload.toString('utf8'));
    if (!decoded.ok) {
      logger.warn({ topic, reason: decoded.reason }, 'registry record refused');
      return;
    }
    apply(deviceId, decoded.value);
  }

  return {
    get: (deviceId) => known.get(deviceId),

    async lookup(deviceId) {
      const cached = known.get(deviceId);
      if (cached || deleted.has(deviceId)) return cached;
      const device = await getDevice(db, deviceId);
      if (!device || known.has(deviceId) || deleted.has(deviceId)) return known.get(deviceId);
      const record = registryRecordOf(device);
      apply(deviceId, record);
      return record;
    },

    async find(matches) {
      const search = () => {
        for (const record of known.values()) if (matches(record)) return record;
        return undefined;
      };
      const found = search();
      if (found || Date.now() - refreshedAt < REFRESH_MIN_INTERVAL_MS) return found;
      refreshedAt = Date.now();
      for (const device of (await readRegistry(db)).devices) {
        if (!known.has(device.id) && !deleted.has(device.id)) apply(device.id, registryRecordOf(device));
      }
      return search();
    },

    onChange(listener) {
      listeners.push(listener);
    },

    owns: (topic) => parseRegistryDeviceTopic(topic) !== undefined,

    async attach(client) {
      attached = { client, onMessage };
      client.on('message', onMessage);
      await client.subscribeAsync(ALL_REGISTRY_DEVICES_TOPIC, { qos: 1 });
    },

    detach() {
      attached?.client.off('message', attached.onMessage);
      attached = undefined;
    },
  };
}
