import type { Alert, AnomalyEvent, CommandRecord, RegistryRecord } from '@ioc/core/contracts';

/** What the server pushes to browsers (socket.io events); browser-safe: the web app takes its event types from here. */
export interface LiveEvents {
  telemetry: (event: { deviceId: string; ts: number; metrics: Record<string, number> }) => void;
  status: (event: { deviceId: string; online: boolean; ts: number }) => void;
  /** An anomaly raised or cleared, as published on ioc/v1/anomalies (stored by ingest; history: GET /api/anomalies). */
  anomaly: (event: AnomalyEvent) => void;
  /** A device registered or changed (its registry record), or deleted (record null): ioc/v1/registry/devices/{id}. */
  device: (event: { id: string; record: RegistryRecord | null }) => void;
  /** A device command sent, acked, failed or expired: its whole record (see GET /api/devices/:id/commands). */
  command: (record: CommandRecord) => void;
  /** An alert fired, acknowledged, assigned or resolved: its whole state as on ioc/v1/alerts/{id} (list: GET /api/alerts). */
  alert: (alert: Alert) => void;
}
