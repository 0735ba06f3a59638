/** Shapes of the dashboard server's API (ioc-dashboard/server) as the web app reads them. */

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

/** socket.io `status` event. */
export interface StatusEvent {
  deviceId: string;
  online: boolean;
  ts: Timestamp;
}

/** An anomaly event: GET /api/anomalies items and the socket.io `anomaly` event (as published, without `id`). */
export interface AnomalyItem {
  /** The stored row's id: in GET /api/anomalies items only. */
  id?: number;
  deviceId: string;
  kind: string;
  /** The metric blamed; `camera_health` for camera checks, `telemetry` for a silent station, null for Frigate. */
  metric: string | null;
  model: string;
  score: number;
  threshold: number;
  label: string;
  state: 'raised' | 'cleared';
  ts: number;
}
