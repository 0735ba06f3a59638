import { Type } from '@fastify/type-provider-typebox';
import { AnomalyLabel } from './anomaly-item.ts';

/** GET /api/devices shapes; browser-safe (the web app takes its types from here). */
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
