import type { HealthStatus } from './contracts/health.ts';

export interface Health {
  status: HealthStatus;
  [detail: string]: unknown;
}

/** Every IOC service is a small object with a lifecycle (docs/architecture.md, "Services and the composition root"). */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Health | Promise<Health>;
}

/** The worst of several statuses: one service down makes the whole degraded, all down make it down. */
export function overallStatus(statuses: HealthStatus[]): HealthStatus {
  if (statuses.length > 0 && statuses.every((s) => s === 'down')) return 'down';
  return statuses.every((s) => s === 'ok') ? 'ok' : 'degraded';
}
