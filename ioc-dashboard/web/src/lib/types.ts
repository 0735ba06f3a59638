/** Shapes of the dashboard server's API (ioc-dashboard/server) as the web app reads them; bus payloads come from the contracts. */
import type { AnomalyEvent, DeviceStatus } from '@ioc/core/contracts';

export type Metrics = Record<string, number>;

/** A timestamp as the server sends it: epoch milliseconds or an ISO 8601 string. */
export type Timestamp = number | string;

/** An item of GET /api/devices?view=map. */
export interface DeviceItem {
  id: string;
  kind: string;
  areaId: string | null;
  lat: number | null;
  lon: number | null;
  online: boolean;
  latest: { ts: Timestamp; metrics: Metrics } | null;
}

export interface User {
  username: string;
  role: string;
}

export type AreaLevel = 'city' | 'ward' | 'commune';

export interface AreaProperties {
  id: string;
  name: string;
  level: AreaLevel;
  parentId: string | null;
}

export interface AreaGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: number[][][] | number[][][][];
}

export interface AreaFeature {
  type: 'Feature';
  properties: AreaProperties;
  geometry: AreaGeometry;
}

export interface AreaCollection {
  type: 'FeatureCollection';
  features: AreaFeature[];
  attribution: string;
}

/** socket.io `telemetry` event. */
export interface TelemetryEvent {
  deviceId: string;
  ts: Timestamp;
  metrics: Metrics;
}

/** socket.io `status` event: the gateway's status message (contracts/status.ts) of one device. */
export type StatusEvent = DeviceStatus & { deviceId: string };

/**
 * An anomaly event (contracts/anomaly.ts): GET /api/anomalies items carry the stored row's `id`, the socket.io
 * `anomaly` event is the event as published, without it.
 */
export type AnomalyItem = AnomalyEvent & { id?: number };
