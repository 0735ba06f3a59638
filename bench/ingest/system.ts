import type { InfluxServer } from '@ioc/core/testing';

/** How a system under test is reached and observed by `ioc bench ingest`. */
export interface System {
  name: string;
  mqttUrl: string;
  devices: { id: string; token?: string }[];
  probe: { id: string; token?: string };
  /** Messages of the load devices stored (counted by their pm25 points). */
  stored(): Promise<number>;
  /** Whether the probe reading at `ts` is queryable. */
  visible(ts: number): Promise<boolean>;
  /** CPU seconds used so far by each of the system's processes (ours, or the peer's broker and Node-RED), by name. */
  cpuSeconds(): Record<string, number>;
  /** Resident memory of each of the system's processes now, in MB, by name. */
  rssMb(): Record<string, number>;
  stop(): Promise<void>;
}

export const PROBE_DEVICE = 'probe-1';

export function deviceIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
}

/** The rows of the first statement of an InfluxQL query. */
export async function influxql(influx: InfluxServer, db: string, q: string): Promise<unknown[][]> {
  const response = await fetch(`${influx.url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const body = (await response.json()) as { results?: { series?: { values: unknown[][] }[]; error?: string }[] };
  const result = body.results?.[0];
  if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
  return result?.series?.[0]?.values ?? [];
}
