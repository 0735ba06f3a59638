import type { AedesOptions } from 'aedes';
import { ownsDevice, parseDeviceTopic, partitionOfClientId, type Partition } from '@ioc/core';
import { wrapSubscriptionsByTopic } from './aedes-internals.ts';

/** The device whose upstream channel (telemetry, status, events, ack) `topic` is; commands go to the device itself. */
function upstreamDevice(topic: string): string | undefined {
  const parsed = parseDeviceTopic(topic);
  return parsed && parsed.channel !== 'cmd' ? parsed.deviceId : undefined;
}

/** Client ids remembered at most (past it, the cache starts again). */
const MAX_CACHED_CLIENTS = 100_000;

/**
 * Workers that split the devices between them (core's partition.ts, e.g. `svc:ingest/ioc-ingest-p2of4`): a device's
 * messages go only to the worker owning the device, both live (`forwards`, from authorizeForward) and into
 * persistent sessions while a worker is away (`splitQueues`). Every other client gets everything, as before.
 */
export function createPartitionFilter() {
  const partitions = new Map<string, Partition | null>();

  function partitionOf(clientId: string): Partition | null {
    let partition = partitions.get(clientId);
    if (partition === undefined) {
      partition = partitionOfClientId(clientId) ?? null;
      if (partitions.size >= MAX_CACHED_CLIENTS) partitions.clear();
      partitions.set(clientId, partition);
    }
    return partition;
  }

  function forwards(clientId: string, topic: string): boolean {
    const partition = partitionOf(clientId);
    if (!partition) return true;
    const deviceId = upstreamDevice(topic);
    return deviceId === undefined || ownsDevice(partition, deviceId);
  }

  return {
    forwards,
    /** Makes the persistence queue a device's QoS 1/2 messages only for the worker owning the device. */
    splitQueues(persistence: NonNullable<AedesOptions['persistence']>): void {
      wrapSubscriptionsByTopic(persistence, (byTopic) => async (topic) => {
        const subs = await byTopic(topic);
        return subs.every((sub) => forwards(sub.clientId, topic)) ? subs : subs.filter((sub) => forwards(sub.clientId, topic));
      });
    },
  };
}
