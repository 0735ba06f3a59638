import type { Aedes } from 'aedes';
import { readRegistry, registryDeviceTopic, registryRecordOf, type Db, type Logger } from '@ioc/core';

/**
 * Publishes every device's record, retained, on `ioc/v1/registry/devices/{id}` before the gateway accepts
 * connections: the bus then holds the whole registry even when its retained store is new (an in-memory broker that
 * restarted), and every service's registry cache receives it on subscribing. Changes after this are published by
 * whoever makes them (core's device-registry.ts).
 */
export async function publishRegistrySnapshot(deps: { broker: Aedes; db: Db; logger: Logger }): Promise<void> {
  const { broker, db, logger } = deps;
  const { devices } = await readRegistry(db);
  for (const device of devices) {
    const packet = { cmd: 'publish', topic: registryDeviceTopic(device.id), payload: Buffer.from(JSON.stringify(registryRecordOf(device))), qos: 1, retain: true, dup: false } as const;
    await new Promise<void>((resolve, reject) => broker.publish(packet, (error) => (error ? reject(error) : resolve())));
  }
  logger.info({ devices: devices.length }, 'device registry published on the bus');
}
