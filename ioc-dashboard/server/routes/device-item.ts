import { Type } from '@fastify/type-provider-typebox';
import type { Device, LatestReading } from '@ioc/core';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Latest = Type.Object({ ts: Type.Number(), metrics: Type.Record(Type.String(), Type.Number()) });

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
});

export function deviceItem(device: Device, latest: LatestReading | undefined) {
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
  };
}
