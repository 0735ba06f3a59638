/**
 * Alerts on `ioc/v1/alerts/{id}` (browser-safe: no Node imports): the alerting service and the dashboard's alert
 * routes publish an alert's whole state, retained, at QoS 1, after each change is committed (alerting/README.md).
 * The retained message is the alert as it stands; a subscriber that joins late gets every alert's last state.
 */
import { Type, type Static } from 'typebox';
import { ALERT_ID_PATTERN } from '../topics.ts';
import { DeviceId, EpochMs } from './common.ts';
import { decodeJson, type Decoded } from './decode.ts';

export const ALERT_SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const AlertSeverity = Type.Union(ALERT_SEVERITIES.map((s) => Type.Literal(s)));

export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const AlertState = Type.Union(ALERT_STATES.map((s) => Type.Literal(s)));

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
