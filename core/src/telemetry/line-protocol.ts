import { escape } from '@influxdata/influxdb-client';
import type { TelemetryPoint } from './types.ts';

/** Where the InfluxDB adapter keeps telemetry: measurement `telemetry`, tag `device`, one field per metric. */
export const MEASUREMENT = 'telemetry';
export const DEVICE_TAG = 'device';

/** Characters line protocol escapes in tag keys, tag values and field keys. */
const KEY_SPECIALS = /[,= \n\r\t]/;

/**
 * A tag key, tag value or field key as line protocol writes it, escaped by the official client's own `escape.tag`
 * (@influxdata/influxdb-client). Ids and metric names almost never hold those characters, so the usual case is one
 * regular-expression test on this hot path and no copy.
 */
function lineKey(text: string): string {
  return KEY_SPECIALS.test(text) ? escape.tag(text) : text;
}

function floatField(metric: string, value: number): string {
  if (!Number.isFinite(value)) throw new Error(`invalid float value for field '${metric}': ${value}`);
  return `${lineKey(metric)}=${value}`;
}

/**
 * One line-protocol line per run of points with the same device and ts (a message's metrics arrive together), one
 * float field per metric; timestamps in ms. A (device, ts) that comes again later in the batch, or a metric again
 * within a run, is another line: InfluxDB merges it into the same point, a field's later value winning, as the
 * last one given should. Built as strings rather than with the client's `Point`: this runs for every point ingest
 * writes, and `npx ioc bench ingest` measures both in the same run (docs/measurements/ingest.md).
 */
export function toLines(points: readonly TelemetryPoint[]): string[] {
  const lines: string[] = [];
  let line = '';
  let device = '';
  let ts = Number.NaN;
  const metrics: string[] = [];
  for (const p of points) {
    const pointTs = Math.floor(p.ts);
    const field = floatField(p.metric, p.value);
    if (line && p.deviceId === device && pointTs === ts && !metrics.includes(p.metric)) {
      line += `,${field}`;
    } else {
      if (line) lines.push(`${line} ${ts}`);
      line = `${MEASUREMENT},${DEVICE_TAG}=${lineKey(p.deviceId)} ${field}`;
      device = p.deviceId;
      ts = pointTs;
      metrics.length = 0;
    }
    metrics.push(p.metric);
  }
  if (line) lines.push(`${line} ${ts}`);
  return lines;
}
