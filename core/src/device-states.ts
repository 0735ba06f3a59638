import type { Queryable } from './db/types.ts';

/** What changes about a device all the time: its presence and its latest reading. Times are epoch ms. */
export interface DeviceState {
  online: boolean;
  /** When the gateway last saw it, or null. */
  lastSeen: number | null;
  /** Its latest reading, `metricsJson` as stored (a JSON object of metric → value, copied into answers unparsed); null before the first. */
  latest: { ts: number; metricsJson: string } | null;
}

/**
 * The state of every registered device, and the registry revision (migration 009) of the same snapshot: a device
 * list that keeps the registry in memory reads this on every request, and the registry again when the revision moved.
 *
 * Presence comes from `devices`, the latest reading from `telemetry_latest` (latest.ts), which both TelemetryStore
 * adapters keep in the relational store. The answer is one text value, a line per device, its fields separated by
 * tabs (device ids hold neither tabs nor newlines: the `devices_id_pattern` constraint): on PGlite, rows and parsed
 * JSON come back several times slower than text, and the metrics go out as they are stored, never parsed.
 */
export async function readDeviceStates(db: Queryable): Promise<{ revision: number; states: Map<string, DeviceState> }> {
  const { rows } = await db.query<{ revision: number; states: string | null }>(
    `SELECT (SELECT revision FROM registry_revision) AS revision,
            string_agg(concat(d.id, E'\\t', d.online::text, E'\\t', round(date_part('epoch', d.last_seen) * 1000)::bigint, E'\\t', l.ts, E'\\t', l.metrics), E'\\n') AS states
       FROM devices d LEFT JOIN telemetry_latest l ON l.device_id = d.id`,
  );
  const states = new Map<string, DeviceState>();
  for (const line of rows[0]?.states?.split('\n') ?? []) {
    const tab1 = line.indexOf('\t');
    const tab2 = line.indexOf('\t', tab1 + 1);
    const tab3 = line.indexOf('\t', tab2 + 1);
    const tab4 = line.indexOf('\t', tab3 + 1);
    const lastSeen = line.slice(tab2 + 1, tab3);
    const ts = line.slice(tab3 + 1, tab4);
    states.set(line.slice(0, tab1), {
      online: line.slice(tab1 + 1, tab2) === 'true',
      lastSeen: lastSeen === '' ? null : Number(lastSeen),
      latest: ts === '' ? null : { ts: Number(ts), metricsJson: line.slice(tab4 + 1) },
    });
  }
  return { revision: Number(rows[0]?.revision), states };
}
