import { Type, type Static } from '@fastify/type-provider-typebox';
import { listAnomalyEvents, type Db, type Device, type LatestReading, type StoredAnomalyEvent, type TelemetryStore } from '@ioc/core';
import { AnomalyLabel } from './anomaly-item.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Latest = Type.Object({ ts: Type.Number(), metrics: Type.Record(Type.String(), Type.Number()) });

/** An alarm still raised on a device (its raise; the history is GET /api/anomalies). */
export const ActiveAnomaly = Type.Object({
  label: AnomalyLabel,
  metric: Nullable(Type.String()),
  score: Type.Number(),
  /** Epoch ms of the raise. */
  since: Type.Number(),
});

export const DeviceItem = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  areaId: Nullable(Type.String()),
  lat: Nullable(Type.Number()),
  lon: Nullable(Type.Number()),
  attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  enabled: Type.Boolean(),
  /** Epoch ms when its token was revoked (no token works until a new one is issued), else null. */
  revokedAt: Nullable(Type.Number()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  online: Type.Boolean(),
  /** Epoch ms: the newest of the gateway's last-seen time and the latest reading. */
  lastSeen: Nullable(Type.Number()),
  latest: Nullable(Latest),
  anomalies: Type.Array(ActiveAnomaly, { description: 'alarms still raised on the device, newest first' }),
});

/** A device as the wall map draws it (GET /api/devices?view=map): where it is, whether it is online, its latest reading. */
export const MapDeviceItem = Type.Pick(DeviceItem, ['id', 'kind', 'areaId', 'lat', 'lon', 'online', 'latest']);

type Item = Static<typeof DeviceItem>;

function deviceItem(device: Device, latest: LatestReading | undefined, anomalies: readonly StoredAnomalyEvent[]): Item {
  const seen = [device.lastSeen, latest?.ts].filter((t): t is number => t != null);
  return {
    id: device.id,
    kind: device.kind,
    areaId: device.areaId,
    lat: device.lat,
    lon: device.lon,
    attributes: device.attributes,
    enabled: device.enabled,
    revokedAt: device.revokedAt,
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
    online: device.online,
    lastSeen: seen.length > 0 ? Math.max(...seen) : null,
    latest: latest ? { ts: latest.ts, metrics: latest.metrics } : null,
    anomalies: anomalies.map((a) => ({ label: a.label, metric: a.metric, score: a.score, since: a.ts })),
  };
}

/** The API item of one device: with its latest reading and the alarms still raised on it (the list: device-list.ts). */
export async function deviceItemOf(db: Db, telemetry: TelemetryStore, device: Device): Promise<Item> {
  const [latest, active] = await Promise.all([telemetry.latest([device.id]), listAnomalyEvents(db, { active: true, deviceId: device.id, limit: 1000 })]);
  return deviceItem(device, latest.get(device.id), active);
}
