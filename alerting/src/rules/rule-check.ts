import { DEVICE_KINDS, DEVICE_KIND_NAMES, metricSpec, type DeviceKind } from '@ioc/core';
import { DEFINITION_FIELDS, type DefinitionField, type NewAlertRule, type RuleType } from './rule-schema.ts';

/** The definition fields each rule type uses; any other is refused. */
const FIELDS: Record<RuleType, readonly DefinitionField[]> = {
  threshold: ['metric', 'above', 'below', 'clearBelow', 'clearAbove', 'forS'],
  rate: ['metric', 'above', 'below', 'clearBelow', 'clearAbove', 'forS'],
  area: ['metric', 'above', 'below', 'clearBelow', 'clearAbove', 'forS', 'minDevices'],
  offline: ['forS'],
  anomaly: ['metric', 'labels', 'categories', 'forS'],
};

/** How long a device must be offline or silent when an offline rule does not say. */
export const DEFAULT_OFFLINE_FOR_S = 300;

/** Kinds that report a metric (within the rule's kinds, if it names some). */
export function kindsWithMetric(metric: string, kinds: readonly DeviceKind[] = DEVICE_KIND_NAMES): DeviceKind[] {
  return kinds.filter((kind) => metricSpec(kind, metric) !== undefined);
}

/**
 * Checks what a rule's type needs (the schema checked each field's shape): the refusal names the field, e.g.
 * `"clearBelow" must be <= "above" (50)`; undefined when the rule is sound.
 */
export function ruleRefusal(rule: NewAlertRule): string | undefined {
  const used = FIELDS[rule.type];
  const stray = DEFINITION_FIELDS.find((field) => rule[field] !== undefined && !used.includes(field));
  if (stray) return `"${stray}" is not used by a ${rule.type} rule`;
  if (rule.type === 'offline' && rule.forS === 0) return `"forS" must be at least 1 second for an offline rule`;
  if (rule.type === 'anomaly') {
    if (rule.metric !== undefined && kindsWithMetric(rule.metric).length === 0 && !['camera_health', 'telemetry'].includes(rule.metric)) {
      return `"metric": no device kind reports "${rule.metric}"`;
    }
    return undefined;
  }
  if (rule.type === 'offline') return undefined;
  if (rule.metric === undefined) return `"metric" is required for a ${rule.type} rule`;
  const kinds = kindsWithMetric(rule.metric, rule.scope?.kinds);
  if (kinds.length === 0) {
    const known = [...new Set((rule.scope?.kinds ?? DEVICE_KIND_NAMES).flatMap((kind) => Object.keys(DEVICE_KINDS[kind].metrics)))].sort();
    return `"metric": no device kind${rule.scope?.kinds ? ' of the scope' : ''} reports "${rule.metric}" (known: ${known.join(', ')})`;
  }
  if (rule.above === undefined && rule.below === undefined) return `"above" or "below" is required for a ${rule.type} rule`;
  if (rule.above !== undefined && rule.below !== undefined) return `"below" cannot be given with "above": a rule watches one side`;
  if (rule.clearBelow !== undefined && rule.above === undefined) return `"clearBelow" goes with "above" (use "clearAbove" with "below")`;
  if (rule.clearAbove !== undefined && rule.below === undefined) return `"clearAbove" goes with "below" (use "clearBelow" with "above")`;
  if (rule.clearBelow !== undefined && rule.above !== undefined && rule.clearBelow > rule.above) return `"clearBelow" must be <= "above" (${rule.above})`;
  if (rule.clearAbove !== undefined && rule.below !== undefined && rule.clearAbove < rule.below) return `"clearAbove" must be >= "below" (${rule.below})`;
  if (rule.type === 'area' && rule.minDevices === undefined) return `"minDevices" is required for an area rule`;
  return undefined;
}
