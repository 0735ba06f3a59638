/**
 * Splitting the devices between several workers of one service (ingest) without MQTT shared subscriptions, which
 * aedes 1.x lacks: worker i of n owns the devices whose id hashes to i, and says so in its MQTT client id
 * (`<base>-p<i>of<n>`). The gateway forwards a device's messages only to the worker owning it (and queues them
 * only for that worker's persistent session); a worker also skips what it does not own, so that behind a broker
 * that does not filter, the workers still split the writes.
 */
export interface Partition {
  /** 1-based. */
  index: number;
  count: number;
}

/** More workers than this is a mistake, not a deployment. */
export const MAX_PARTITIONS = 1024;

const CLIENT_ID_SUFFIX = /-p(\d{1,4})of(\d{1,4})$/;

function checked(index: number, count: number): Partition | undefined {
  return Number.isInteger(index) && Number.isInteger(count) && count >= 1 && count <= MAX_PARTITIONS && index >= 1 && index <= count
    ? { index, count }
    : undefined;
}

/** `i/n` (e.g. `2/4`); undefined when it is not one. */
export function parsePartition(text: string): Partition | undefined {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  return match ? checked(Number(match[1]), Number(match[2])) : undefined;
}

/** `-p<i>of<n>`: what a worker of `partition` adds to the names of what is its own (client id, spill directory). */
export function partitionSuffix(partition: Partition): string {
  return `-p${partition.index}of${partition.count}`;
}

/** The client id a worker of `partition` connects with: the base id with `-p<i>of<n>`. */
export function partitionedClientId(base: string, partition: Partition): string {
  return base + partitionSuffix(partition);
}

/** The partition a client id names (see partitionedClientId), or undefined for an ordinary client. */
export function partitionOfClientId(clientId: string): Partition | undefined {
  const match = CLIENT_ID_SUFFIX.exec(clientId);
  return match ? checked(Number(match[1]), Number(match[2])) : undefined;
}

/** Which of `count` partitions (1-based) a device belongs to: FNV-1a of its id, so every process agrees. */
export function devicePartition(deviceId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    hash ^= deviceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 0) % count) + 1;
}

export function ownsDevice(partition: Partition, deviceId: string): boolean {
  return partition.count === 1 || devicePartition(deviceId, partition.count) === partition.index;
}
