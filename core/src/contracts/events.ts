/**
 * Device events on `ioc/v1/devices/{id}/events` (browser-safe): something that happened at a device, e.g. a
 * loudspeaker's `playback.started`, a camera's `motion`, the Frigate bridge's `frigate.detection`. Each kind of event
 * adds its own fields beside `ts` and `type`.
 */
import { Type, type Static } from 'typebox';
import { EpochMs } from './common.ts';
import { decodeJson, type Decoded } from './decode.ts';

/** An event type: dotted lower-case words (`playback.started`, `frigate.review`). */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

export const DeviceEvent = Type.Object(
  { ts: EpochMs, type: Type.String({ pattern: EVENT_TYPE_PATTERN.source, maxLength: 64 }) },
  { additionalProperties: true },
);
export type DeviceEvent = Static<typeof DeviceEvent> & { [field: string]: unknown };

/** A message of a device's events topic, or the reason it is refused. */
export function decodeDeviceEvent(payload: string): Decoded<DeviceEvent> {
  return decodeJson(DeviceEvent, payload) as Decoded<DeviceEvent>;
}
