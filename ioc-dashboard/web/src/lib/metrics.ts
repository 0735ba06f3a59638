import { DEVICE_KINDS, isDeviceKind } from '@ioc/core/catalogue';
import type { Metrics } from './types.ts';

/** A reading's metrics in the catalogue's order for the kind (pm25 before pm10 …), unknown metrics last. */
export function orderedMetrics(kind: string, metrics: Metrics): [string, number][] {
  const order = isDeviceKind(kind) ? Object.keys(DEVICE_KINDS[kind].metrics) : [];
  const rank = (metric: string) => {
    const index = order.indexOf(metric);
    return index < 0 ? order.length : index;
  };
  return Object.entries(metrics).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}
