import type { DeviceKind } from '@ioc/core';

/** Device kinds whose metrics are environment streams. */
export const ENVIRONMENT_KINDS: readonly DeviceKind[] = ['air', 'water', 'noise'];
/** Device-health metrics that are not environment streams (a draining battery is not an anomaly of the city). */
export const NOT_SCORED_METRICS: readonly string[] = ['battery_v'];
