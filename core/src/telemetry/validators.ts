import { DEVICE_KINDS, type DeviceKind, type MetricSpec } from '../catalogue.ts';

/** Checks one value of one metric: undefined when valid, else the reason it is refused. */
export type MetricCheck = (metric: string, value: unknown) => string | undefined;

interface Bounds {
  min: number;
  max: number;
  outside: string;
  derived: boolean;
}

/**
 * Builds the check of a device kind once: a prototype-free table of each metric's bounds and its ready-made
 * message suffix, so validating a value is one property read and two comparisons (no schema walk per message).
 */
function compile(kind: DeviceKind): MetricCheck {
  const table: Record<string, Bounds> = Object.create(null) as Record<string, Bounds>;
  for (const [metric, spec] of Object.entries(DEVICE_KINDS[kind].metrics) as [string, MetricSpec][]) {
    table[metric] = {
      min: spec.min,
      max: spec.max,
      outside: ` is outside ${spec.min}..${spec.max} ${spec.unit}`.trimEnd(),
      derived: spec.derived === true,
    };
  }
  const unknown = ` for a ${kind} device`;
  return (metric, value) => {
    const bounds = table[metric];
    if (bounds === undefined) return `unknown metric "${metric}"${unknown}`;
    if (bounds.derived) return `metric "${metric}" is computed by the IOC, not sent by devices`;
    if (typeof value !== 'number' || !Number.isFinite(value)) return `metric "${metric}" must be a finite number`;
    if (value < bounds.min || value > bounds.max) return `metric "${metric}" = ${value}${bounds.outside}`;
    return undefined;
  };
}

const checks = new Map<DeviceKind, MetricCheck>();

/** The compiled check of a device kind (built on first use, then reused). */
export function metricCheck(kind: DeviceKind): MetricCheck {
  let check = checks.get(kind);
  if (!check) checks.set(kind, (check = compile(kind)));
  return check;
}
