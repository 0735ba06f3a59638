import type { Static } from '@fastify/type-provider-typebox';
import { listAnomalyEvents, type Db, type Device, type LatestReading, type StoredAnomalyEvent, type TelemetryStore } from '@ioc/core';
import { DeviceItem } from '../schemas/device-item.ts';

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
