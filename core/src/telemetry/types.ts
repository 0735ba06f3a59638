import type { Health } from '../service.ts';

/** One reading of one metric of one device. `ts` is epoch milliseconds. */
export interface TelemetryPoint {
  deviceId: string;
  metric: string;
  ts: number;
  value: number;
}

/** The latest reading of each metric of a device; `ts` is the newest of them. */
export interface LatestReading {
  ts: number;
  metrics: Record<string, number>;
}

export type Aggregation = 'mean' | 'min' | 'max' | 'count' | 'last';
export const AGGREGATIONS: readonly Aggregation[] = ['mean', 'min', 'max', 'count', 'last'];

export interface RangeQuery {
  deviceId: string;
  metric: string;
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  /** Bucket width in ms; without it the raw points are returned. */
  every?: number;
  /** Aggregation per bucket (default mean); only with `every`. */
  agg?: Aggregation;
}

export interface SeriesPoint {
  ts: number;
  value: number;
}

/**
 * The telemetry storage port (docs/architecture.md, "Stores and who writes them"). Writing the same (device, metric, ts) twice keeps one point, with
 * the value written last (in range and in latest alike): a redelivered message never becomes a duplicate.
 * Adapters: SQL on the relational Db, and InfluxDB.
 */
export interface TelemetryStore {
  readonly kind: 'sql' | 'influxdb';
  write(points: readonly TelemetryPoint[]): Promise<void>;
  /** Latest reading per device, for the given devices or for all. */
  latest(deviceIds?: readonly string[]): Promise<Map<string, LatestReading>>;
  /** Points of one metric in [from, to), oldest first; bucketed by `every` when given (bucket start as ts). */
  range(query: RangeQuery): Promise<SeriesPoint[]>;
  /**
   * Deletes what each tier keeps no longer (raw, 1-minute, hourly; see Retention). The SQL adapter does it when
   * called (ingest calls it hourly); InfluxDB does it itself with its retention policies.
   */
  applyRetention(now: number): Promise<void>;
  health(): Promise<Health>;
  close(): Promise<void>;
}
