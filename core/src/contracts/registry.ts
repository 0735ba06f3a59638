/**
 * The device registry on the bus (browser-safe: no Node imports). Every change to a device — API, CLI, CSV import,
 * revoke, delete — publishes the device's record, retained, on `ioc/v1/registry/devices/{id}`; a deleted device's
 * topic gets an empty retained payload. The gateway republishes every record when it starts, so a subscriber always
 * receives the whole registry first (retained messages), then each change.
 */
import { Type, type Static } from 'typebox';
import { DEVICE_KIND_NAMES } from '../catalogue.ts';
import { DEVICE_ID_PATTERN, TOPIC_ROOT } from '../topics.ts';
import { decodeJson, type Decoded } from './decode.ts';

const EpochMs = Type.Integer({ minimum: 0, maximum: 8.64e15, description: 'epoch ms' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** A device as the registry holds it: what it is and where, not whether it is online (that is its status topic). */
export const RegistryRecord = Type.Object(
  {
    id: Type.String({ pattern: DEVICE_ID_PATTERN.source }),
    kind: Type.Enum(DEVICE_KIND_NAMES),
    areaId: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
    lat: Nullable(Type.Number({ minimum: -90, maximum: 90 })),
    lon: Nullable(Type.Number({ minimum: -180, maximum: 180 })),
    attributes: Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 512 }), Type.Number(), Type.Boolean()])),
    enabled: Type.Boolean(),
    revokedAt: Nullable(EpochMs),
    createdAt: EpochMs,
    updatedAt: EpochMs,
  },
  { additionalProperties: false },
);
export type RegistryRecord = Static<typeof RegistryRecord>;

const PREFIX = `${TOPIC_ROOT}/registry/devices/`;

export function registryDeviceTopic(deviceId: string): string {
  return `${PREFIX}${deviceId}`;
}

/** Subscription filter for every device's record. */
export const ALL_REGISTRY_DEVICES_TOPIC = registryDeviceTopic('+');

/** The device id of `ioc/v1/registry/devices/{id}`; undefined for any other topic. */
export function parseRegistryDeviceTopic(topic: string): string | undefined {
  if (!topic.startsWith(PREFIX)) return undefined;
  const id = topic.slice(PREFIX.length);
  return DEVICE_ID_PATTERN.test(id) ? id : undefined;
}

/** The record of any object with a registry record's fields (a stored Device has more: online, lastSeen). */
export function registryRecordOf(device: RegistryRecord): RegistryRecord {
  const { id, kind, areaId, lat, lon, attributes, enabled, revokedAt, createdAt, updatedAt } = device;
  return { id, kind, areaId, lat, lon, attributes, enabled, revokedAt, createdAt, updatedAt };
}

/**
 * A message of `ioc/v1/registry/devices/{id}`: the record, `null` for a deleted device (empty payload), or the
 * reason it is refused (it must be JSON of the schema, about the device its topic names).
 */
export function decodeRegistryMessage(deviceId: string, payload: string): Decoded<RegistryRecord | null> {
  if (payload.length === 0) return { ok: true, value: null };
  const decoded = decodeJson(RegistryRecord, payload);
  if (decoded.ok && decoded.value.id !== deviceId) return { ok: false, reason: `"id" ${JSON.stringify(decoded.value.id)} is not the topic's device "${deviceId}"` };
  return decoded;
}
