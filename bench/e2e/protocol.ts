import type { LatencySummary } from './stats.ts';

/** What the bench asks its load process to do. */
export interface LoadRun {
  /** `ioc`: observe through the dashboard (socket.io + history API); `peer`: a plain MQTT subscriber. */
  mode: 'ioc' | 'peer';
  mqttUrl: string;
  devices: { id: string; token?: string }[];
  rate: number;
  /** Seconds of unmeasured load before the measured `durationS`. */
  warmupS: number;
  durationS: number;
  sampleEvery: number;
  dashboardUrl?: string;
  /** Session cookie of a signed-in dashboard user (mode ioc). */
  cookie?: string;
}

export interface LoadProgress {
  type: 'progress';
  mode: LoadRun['mode'];
  elapsed_s: number;
  sent: number;
  received: number;
  rate_msgs_per_s: number;
}

export interface LoadResult {
  type: 'result';
  mode: LoadRun['mode'];
  devices: number;
  connect_s: number;
  publish_s: number;
  sent: number;
  acked: number;
  received: number;
  lost: number;
  unmatched: number;
  rate_msgs_per_s: number;
  /** CPU used by the load process while publishing, % of one core. */
  load_cpu_percent: number;
  delivery: LatencySummary;
  delivery_p99_by_5s: number[];
  queryable: LatencySummary;
  queryable_unseen: number;
  errors: string[];
}

export type LoadMessage = LoadProgress | LoadResult;
