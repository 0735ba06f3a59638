/** A device's presence on `ioc/v1/devices/{id}/status` (browser-safe): written by the gateway, retained. */
import { Type, type Static } from 'typebox';
import { EpochMs } from './common.ts';
import { decodeJson, type Decoded } from './decode.ts';

export const DeviceStatus = Type.Object({ online: Type.Boolean(), ts: EpochMs });
export type DeviceStatus = Static<typeof DeviceStatus>;

/** A status message, or the reason it is refused (an empty payload is a cleared retained message: refuse it before). */
export function decodeDeviceStatus(payload: string): Decoded<DeviceStatus> {
  return decodeJson(DeviceStatus, payload);
}
