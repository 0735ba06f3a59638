import type { Queryable } from '@ioc/core';
import { ALERT_COLUMNS, alertFromRow, type AlertDbRow, type AlertRow } from '../alert-row.ts';
import { activeMaintenanceWindows, covers, type MaintenanceWindow } from './maintenance-windows.ts';
import { activeSilences, matches, type Silence } from './silences.ts';

/** An alert with its rule's type (`offline` alerts inhibit and are inhibited); null when the rule is gone. */
export type RoutedAlert = AlertRow & { ruleType: string | null };

/**
 * The kind of alert that says a gateway (or the bus itself) is down. While one is open, device-offline alerts of its
 * area (of every area when it has none) are inhibited: the devices are not offline, their gateway is.
 */
export const GATEWAY_KIND = 'gateway';

/** Reads alerts with their rule's type. */
export async function loadAlerts(db: Queryable, ids: readonly string[]): Promise<Map<string, RoutedAlert>> {
  const columns = ALERT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ');
  const { rows } = await db.query<AlertDbRow & { rule_type: string | null }>(
    `SELECT ${columns}, r.type AS rule_type FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id WHERE a.id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { ...alertFromRow(r), ruleType: r.rule_type }]));
}

/** What may keep an alert quiet at one moment: Alertmanager's inhibit and silence stages, and maintenance windows. */
export interface Suppression {
  silences: Silence[];
  windows: MaintenanceWindow[];
  /** Devices with an open offline alert → that alert's id. */
  offlineDevices: Map<string, string>;
  /** Open gateway alerts: their id and area. */
  gatewaysDown: { id: string; areaId: string | null }[];
}

export async function loadSuppression(db: Queryable, now: number): Promise<Suppression> {
  // One after another: `db` may be a transaction's single connection.
  const silences = await activeSilences(db, now);
  const windows = await activeMaintenanceWindows(db, now);
  const sources = await db.query<{ id: string; device_id: string | null; area_id: string | null; kind: string | null; rule_type: string | null }>(
    `SELECT a.id, a.device_id, a.area_id, a.kind, r.type AS rule_type FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id
      WHERE a.state <> 'resolved' AND (r.type = 'offline' OR a.kind = $1)`,
    [GATEWAY_KIND],
  );
  const offlineDevices = new Map<string, string>();
  const gatewaysDown: Suppression['gatewaysDown'] = [];
  for (const s of sources.rows) {
    if (s.kind === GATEWAY_KIND) gatewaysDown.push({ id: s.id, areaId: s.area_id });
    else if (s.device_id !== null) offlineDevices.set(s.device_id, s.id);
  }
  return { silences, windows, offlineDevices, gatewaysDown };
}

/** Why an alert is not to be notified now (`silenced by …`, `in maintenance …`, `inhibited by …`), or null. */
export function suppressionOf(s: Suppression, alert: RoutedAlert): string | null {
  const isOffline = alert.ruleType === 'offline';
  if (alert.kind !== GATEWAY_KIND) {
    if (isOffline) {
      const gateway = s.gatewaysDown.find((g) => g.areaId === null || g.areaId === alert.areaId);
      if (gateway) return `inhibited by gateway alert ${gateway.id}`;
    } else if (alert.deviceId !== null) {
      const offline = s.offlineDevices.get(alert.deviceId);
      if (offline !== undefined && offline !== alert.id) return `inhibited by offline alert ${offline}`;
    }
  }
  const silence = s.silences.find((x) => matches(x.matchers, { ...alert, ruleId: alert.ruleId }));
  if (silence) return `silenced by ${silence.id}`;
  const window = s.windows.find((w) => covers(w, alert));
  if (window) return `in maintenance window ${window.id}`;
  return null;
}
