import type { Alert } from '@ioc/core/contracts';

/**
 * One row of `alerts` (core/migrations/012_alerting.sql) in camelCase, times in epoch ms: exactly the alert as it
 * is published on `ioc/v1/alerts/{id}` (contract `Alert`, core/src/contracts/alert.ts). The lifecycle
 * (lifecycle.ts) hands it to the notification outbox with each transition.
 */
export type AlertRow = Alert;

/** The columns of `alerts` in the order alertFromRow reads them. */
export const ALERT_COLUMNS =
  'id, rule_id, fingerprint, device_id, area_id, kind, metric, value, unit, severity, state, title_vi, title_en, text_vi, text_en, ' +
  'starts_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, assignee, updated_at';

export interface AlertDbRow {
  id: string;
  rule_id: string;
  fingerprint: string;
  device_id: string | null;
  area_id: string | null;
  kind: string | null;
  metric: string | null;
  value: number | null;
  unit: string | null;
  severity: AlertRow['severity'];
  state: AlertRow['state'];
  title_vi: string;
  title_en: string;
  text_vi: string;
  text_en: string;
  starts_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  assignee: string | null;
  updated_at: Date;
}

const ms = (date: Date | null) => (date === null ? null : date.getTime());

export function alertFromRow(r: AlertDbRow): AlertRow {
  return {
    id: r.id,
    ruleId: r.rule_id,
    fingerprint: r.fingerprint,
    deviceId: r.device_id,
    areaId: r.area_id,
    kind: r.kind,
    metric: r.metric,
    value: r.value === null ? null : Number(r.value),
    unit: r.unit,
    severity: r.severity,
    state: r.state,
    titleVi: r.title_vi,
    titleEn: r.title_en,
    textVi: r.text_vi,
    textEn: r.text_en,
    startsAt: r.starts_at.getTime(),
    acknowledgedAt: ms(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: ms(r.resolved_at),
    resolvedBy: r.resolved_by,
    assignee: r.assignee,
    updatedAt: r.updated_at.getTime(),
  };
}
