/**
 * Alerts on `ioc/v1/alerts/{id}` (browser-safe: no Node imports): the alerting service and the dashboard's alert
 * routes publish an alert's whole state, retained, at QoS 1, after each change is committed (alerting/README.md).
 * The retained message is the alert as it stands; a subscriber that joins late gets every alert's last state.
 */
import { Type, type Static } from 'typebox';
import { ALERT_ID_PATTERN, TOPIC_ROOT } from '../topics.ts';
import { DeviceId, EpochMs } from './common.ts';
import { decodeJson, type Decoded } from './decode.ts';

export const ALERT_SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const AlertSeverity = Type.Enum(ALERT_SEVERITIES);

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const AlertState = Type.Enum(ALERT_STATES);

export const AlertId = Type.String({ pattern: ALERT_ID_PATTERN.source, description: 'the alert id' });

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Text = (maxLength: number) => Type.String({ maxLength });
const Username = Type.String({ minLength: 1, maxLength: 256 });

/** An alert as stored and published: what fired, where, how bad, and where it is in its lifecycle. */
export const Alert = Type.Object(
  {
    id: AlertId,
    ruleId: Type.String({ minLength: 1, maxLength: 64 }),
    /** The rule and what it is about (device, area, …): one open alert per fingerprint. */
    fingerprint: Type.String({ minLength: 1, maxLength: 256 }),
    deviceId: Nullable(DeviceId),
    areaId: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
    kind: Nullable(Type.String({ maxLength: 32 })),
    metric: Nullable(Type.String({ maxLength: 64 })),
    value: Nullable(Type.Number()),
    unit: Nullable(Text(32)),
    severity: AlertSeverity,
    state: AlertState,
    titleVi: Text(512),
    titleEn: Text(512),
    textVi: Text(4096),
    textEn: Text(4096),
    startsAt: EpochMs,
    acknowledgedAt: Nullable(EpochMs),
    acknowledgedBy: Nullable(Username),
    resolvedAt: Nullable(EpochMs),
    /** Who resolved it: `user:<name>`, or `rule` when its condition cleared. */
    resolvedBy: Nullable(Username),
    assignee: Nullable(Username),
    updatedAt: EpochMs,
  },
  { additionalProperties: false },
);
export type Alert = Static<typeof Alert>;

/** A message of `ioc/v1/alerts/{id}`, or the reason it is refused (an empty payload is a cleared retained message: refuse it before). */
export function decodeAlert(payload: string): Decoded<Alert> {
  return decodeJson(Alert, payload);
}

/**
 * `ioc/v1/alert-rules/changes` (QoS 1, not retained): a rule was created, changed or deleted through the API. The
 * alerting service reads its rules again from the database when it hears one (and every minute, should one be missed).
 */
export const ALERT_RULE_CHANGES_TOPIC = `${TOPIC_ROOT}/alert-rules/changes`;

export const AlertRuleChange = Type.Object(
  {
    ruleId: Type.String({ minLength: 1, maxLength: 64 }),
    change: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('deleted')]),
    ts: EpochMs,
  },
  { additionalProperties: false },
);
export type AlertRuleChange = Static<typeof AlertRuleChange>;

export function decodeAlertRuleChange(payload: string): Decoded<AlertRuleChange> {
  return decodeJson(AlertRuleChange, payload);
}
