import { getDevice, type DeviceKind, type Queryable } from '@ioc/core';

/**
 * The kind of each device, cached: a device's kind does not change. Unknown ids are not cached, so a device
 * registered later is found on its next message.
 */
export function createDeviceKinds(db: Queryable) {
  const known = new Map<string, DeviceKind>();
  return {
    /** The cached kind, if this device has been seen. */
    cached: (deviceId: string): DeviceKind | undefined => known.get(deviceId),
    /** Reads the kind from the database; undefined for an unknown device. Throws when the database does. */
    async lookup(deviceId: string): Promise<DeviceKind | undefined> {
      const device = await getDevice(db, deviceId);
      if (device) known.set(deviceId, device.kind);
      return device?.kind;
    },
  };
}

export type DeviceKinds = ReturnType<typeof createDeviceKinds>;
