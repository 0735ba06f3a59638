import { DEVICE_KIND_NAMES, DEVICE_KINDS } from '@ioc/core/catalogue';
import type { AlertSeverity } from '@ioc/core/contracts';
import type { AlertRule, AlertRulePatch, GroupField, NewAlertRule, RuleType } from './types.ts';

/** A number field as a number input binds it: null when empty (undefined before it was touched). */
type Num = number | null | undefined;

/**
 * The rule form's state: text fields as typed, turned into the API's rule (POST) or change (PATCH) on submit. The
 * server checks the rule whole and names the field it refuses; this only shapes what the form holds.
 */
export interface RuleDraft {
  name: string;
  type: RuleType;
  severity: AlertSeverity;
  enabled: boolean;
  metric: string;
  direction: 'above' | 'below';
  level: Num;
  clearLevel: Num;
  forS: Num;
  minDevices: Num;
  labels: string[];
  categories: string[];
  deviceIds: string;
  kinds: string[];
  areaIds: string[];
  broadcast: boolean;
  broadcastAutomatic: boolean;
  groupWaitS: Num;
  groupIntervalS: Num;
  repeatIntervalS: Num;
  /** Empty: the configured default (IOC_NOTIFY_GROUP_BY). */
  groupBy: GroupField[];
  /** '' for none. */
  escalationPolicyId: string;
}

/** Which definition fields each type takes (alerting/README.md, "Rules"). */
export const USES = {
  metric: ['threshold', 'rate', 'area', 'anomaly'],
  level: ['threshold', 'rate', 'area'],
  minDevices: ['area'],
  anomaly: ['anomaly'],
} as const satisfies Record<string, readonly RuleType[]>;

export const uses = (field: keyof typeof USES, type: RuleType) => (USES[field] as readonly RuleType[]).includes(type);

/** Every metric of the catalogue (vn_aqi_h included), for the metric field's suggestions. */
export const METRICS = [...new Set(DEVICE_KIND_NAMES.flatMap((kind) => Object.keys(DEVICE_KINDS[kind].metrics)))].sort();

export function emptyDraft(): RuleDraft {
  return {
    name: '',
    type: 'threshold',
    severity: 'major',
    enabled: true,
    metric: 'pm25',
    direction: 'above',
    level: null,
    clearLevel: null,
    forS: 0,
    minDevices: 2,
    labels: [],
    categories: [],
    deviceIds: '',
    kinds: [],
    areaIds: [],
    broadcast: false,
    broadcastAutomatic: false,
    groupWaitS: null,
    groupIntervalS: null,
    repeatIntervalS: null,
    groupBy: [],
    escalationPolicyId: '',
  };
}


export function draftOf(rule: AlertRule): RuleDraft {
  const below = rule.below !== undefined;
  const { groupWaitS, groupIntervalS, repeatIntervalS, groupBy, escalationPolicyId } = rule.notify ?? {};
  return {
    name: rule.name,
    type: rule.type,
    severity: rule.severity,
    enabled: rule.enabled,
    metric: rule.metric ?? '',
    direction: below ? 'below' : 'above',
    level: (below ? rule.below : rule.above) ?? null,
    clearLevel: (below ? rule.clearAbove : rule.clearBelow) ?? null,
    forS: rule.forS,
    minDevices: rule.minDevices,
    labels: [...(rule.labels ?? [])],
    categories: [...(rule.categories ?? [])],
    deviceIds: (rule.scope.deviceIds ?? []).join(', '),
    kinds: [...(rule.scope.kinds ?? [])],
    areaIds: [...(rule.scope.areaIds ?? [])],
    broadcast: rule.emergencyBroadcast !== null,
    broadcastAutomatic: rule.emergencyBroadcast?.automatic ?? false,
    groupWaitS,
    groupIntervalS,
    repeatIntervalS,
    groupBy: [...(groupBy ?? [])],
    escalationPolicyId: escalationPolicyId ?? '',
  };
}

/** An empty number field is "not given". */
const num = (value: Num) => (value === null || value === undefined || Number.isNaN(value) ? undefined : value);
const list = <T>(values: T[]) => (values.length > 0 ? values : undefined);
const defined = <T extends object>(object: T) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;

/** The definition fields of the draft's type, each either a value or undefined. */
function definition(d: RuleDraft) {
  const levelled = uses('level', d.type);
  const level = levelled ? num(d.level) : undefined;
  const clear = levelled ? num(d.clearLevel) : undefined;
  return {
    metric: uses('metric', d.type) && d.metric.trim() !== '' ? d.metric.trim() : undefined,
    above: d.direction === 'above' ? level : undefined,
    clearBelow: d.direction === 'above' ? clear : undefined,
    below: d.direction === 'below' ? level : undefined,
    clearAbove: d.direction === 'below' ? clear : undefined,
    forS: num(d.forS),
    minDevices: uses('minDevices', d.type) ? num(d.minDevices) : undefined,
    labels: uses('anomaly', d.type) ? (list(d.labels) as NewAlertRule['labels']) : undefined,
    categories: uses('anomaly', d.type) ? (list(d.categories) as NewAlertRule['categories']) : undefined,
  };
}

/** The settings every type shares. */
function settings(d: RuleDraft) {
  const deviceIds = d.deviceIds
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const notify = defined({
    groupBy: list(d.groupBy),
    groupWaitS: num(d.groupWaitS),
    groupIntervalS: num(d.groupIntervalS),
    repeatIntervalS: num(d.repeatIntervalS),
    escalationPolicyId: d.escalationPolicyId === '' ? undefined : d.escalationPolicyId,
  });
  return {
    name: d.name.trim(),
    type: d.type,
    severity: d.severity,
    enabled: d.enabled,
    scope: defined({ deviceIds: list(deviceIds), kinds: list(d.kinds) as NonNullable<NewAlertRule['scope']>['kinds'], areaIds: list(d.areaIds) }) as NonNullable<NewAlertRule['scope']>,
    notify,
    emergencyBroadcast: d.broadcast ? { automatic: d.broadcastAutomatic } : null,
  };
}

/** POST /api/alert-rules: the fields the draft's type uses. */
export function newRuleOf(d: RuleDraft): NewAlertRule {
  return defined({ ...settings(d), ...definition(d) }) as NewAlertRule;
}

/** PATCH /api/alert-rules/{id}: every field, the definition fields the draft does not use set to null (removed). */
export function patchOf(d: RuleDraft, rule: AlertRule): AlertRulePatch {
  const fields = definition(d);
  const patch: Record<string, unknown> = { ...settings(d) };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) patch[key] = value;
    else if ((rule as Record<string, unknown>)[key] !== undefined) patch[key] = null;
  }
  // An emergency broadcast's communes are kept as the rule had them.
  if (d.broadcast && rule.emergencyBroadcast?.areaIds) patch.emergencyBroadcast = { automatic: d.broadcastAutomatic, areaIds: rule.emergencyBroadcast.areaIds };
  return patch as AlertRulePatch;
}
