import { Type, type Static, type TSchema } from 'typebox';
import { ALERT_SEVERITIES, ANOMALY_LABELS, AlertSeverity, DEVICE_KIND_NAMES, DeviceId, type AnomalyLabel } from '@ioc/core';
import { RuleNotify } from '../notify/rule-notify.ts';

/**
 * Alert rules as the API takes and gives them (alerting/README.md, "Rules"): one flat object whose `type` says which
 * fields it uses (checked by rule-check.ts, whose refusals name the field). Browser-safe.
 */
export const RULE_TYPES = ['threshold', 'rate', 'offline', 'anomaly', 'area'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

const ANOMALY_CATEGORIES = [...new Set(Object.values(ANOMALY_LABELS))];
const AreaId = Type.String({ minLength: 1, maxLength: 64 });
const MetricName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: "a metric of the catalogue, e.g. pm25, level_cm, vn_aqi_h" });
const Level = Type.Number({ minimum: -1e12, maximum: 1e12 });
/** Seven days: the longest a condition may have to hold. */
export const MAX_FOR_S = 7 * 86_400;

export const RuleScope = Type.Object(
  {
    deviceIds: Type.Optional(Type.Array(DeviceId, { maxItems: 1000, description: 'only these devices' })),
    kinds: Type.Optional(Type.Array(Type.Enum(DEVICE_KIND_NAMES), { maxItems: 10, description: 'only devices of these kinds' })),
    areaIds: Type.Optional(Type.Array(AreaId, { maxItems: 200, description: 'only devices in these communes' })),
  },
  { additionalProperties: false },
);
export type RuleScope = Static<typeof RuleScope>;

export const EmergencyBroadcast = Type.Object(
  {
    /** Played at once; otherwise the radio service waits for an operator's confirmation. */
    automatic: Type.Boolean(),
    /** The communes to reach; default the alert's own. */
    areaIds: Type.Optional(Type.Array(AreaId, { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type EmergencyBroadcast = Static<typeof EmergencyBroadcast>;

/** The fields a rule's type may use; `null` in a PATCH removes one. */
const DEFINITION = {
  metric: MetricName,
  above: Level,
  below: Level,
  clearBelow: Level,
  clearAbove: Level,
  forS: Type.Integer({ minimum: 0, maximum: MAX_FOR_S, description: 'seconds the condition must hold before the alert fires' }),
  minDevices: Type.Integer({ minimum: 1, maximum: 10_000, description: 'area rules: devices of one commune over the level' }),
  labels: Type.Array(Type.Enum(Object.keys(ANOMALY_LABELS) as AnomalyLabel[]), { maxItems: 20, description: 'anomaly rules: these labels only' }),
  categories: Type.Array(Type.Enum(ANOMALY_CATEGORIES), { maxItems: 5, description: 'anomaly rules: these categories only' }),
} as const;
export type DefinitionField = keyof typeof DEFINITION;
export const DEFINITION_FIELDS = Object.keys(DEFINITION) as DefinitionField[];

const optional = <T extends Record<string, TSchema>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>> };
const optionalOrNull = <T extends Record<string, TSchema>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Type.Optional(Type.Union([v, Type.Null()]))])) as {
    [K in keyof T]: ReturnType<typeof Type.Optional<ReturnType<typeof Type.Union<[T[K], ReturnType<typeof Type.Null>]>>>>;
  };

const COMMON = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  type: Type.Enum(RULE_TYPES),
  severity: AlertSeverity,
};
const SETTINGS = {
  enabled: Type.Boolean(),
  scope: RuleScope,
  notify: RuleNotify,
  emergencyBroadcast: Type.Union([EmergencyBroadcast, Type.Null()]),
};

export const NewAlertRule = Type.Object({ ...COMMON, ...optional(SETTINGS), ...optional(DEFINITION) }, { additionalProperties: false });
export type NewAlertRule = Static<typeof NewAlertRule>;

export const AlertRulePatch = Type.Object({ ...optional(COMMON), ...optional(SETTINGS), ...optionalOrNull(DEFINITION) }, { additionalProperties: false, minProperties: 1 });
export type AlertRulePatch = Static<typeof AlertRulePatch>;

/** A stored rule. */
export const AlertRule = Type.Object(
  {
    id: Type.String(),
    ...COMMON,
    ...SETTINGS,
    scope: RuleScope,
    ...optional(DEFINITION),
    forS: DEFINITION.forS,
    createdAt: Type.Integer(),
    createdBy: Type.String(),
    updatedAt: Type.Integer(),
    updatedBy: Type.String(),
  },
  { additionalProperties: false },
);
export type AlertRule = Static<typeof AlertRule>;

export { ALERT_SEVERITIES };
