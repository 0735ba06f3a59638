/**
 * What turning telemetry into line protocol costs per point, three ways, measured in the bench's own process while
 * nothing else of the bench runs: ingest's hand-built lines (core/src/telemetry/line-protocol.ts, the official
 * client's `escape.tag` only for a key that needs it), the official client's `Point` (one per device and ts, one
 * float field per metric, `toLineProtocol()`), and the hand-built lines handed to the client's WriteApi as the v2
 * path does (its buffering and body, not the network: a transport that answers 204 at once). CPU time, the best of
 * interleaved rounds, so that the three meet the same machine.
 */
import { InfluxDB, Point, type Transport } from '@influxdata/influxdb-client';
import type { TelemetryPoint } from '@ioc/core';
import { DEVICE_TAG, MEASUREMENT, toLines } from '../../core/src/telemetry/line-protocol.ts';

const METRICS = ['pm25', 'pm10', 'no2', 'temp_c', 'rh'];
const ROUNDS = 9;

export interface LineBuildingCost {
  points_per_batch: number;
  hand_built_ns_per_point: number;
  client_point_ns_per_point: number;
  client_write_api_ns_per_point: number;
}

/** A batch as ingest writes one: `messages` messages of five metrics from `devices` devices. */
function batch(messages: number, devices: number): TelemetryPoint[] {
  const points: TelemetryPoint[] = [];
  const t0 = Date.UTC(2026, 11, 1);
  for (let i = 0; i < messages; i++) {
    const deviceId = `bench-air-${String(i % devices).padStart(4, '0')}`;
    const ts = t0 + i * 37;
    METRICS.forEach((metric, m) => points.push({ deviceId, metric, ts, value: 10 + ((i * 7 + m * 13) % 400) / 10 }));
  }
  return points;
}

const msSettings = { convertTime: (time: string | number | Date | undefined) => String(Math.floor(Number(time))) };

/** One `Point` per run of the same device and ts, as toLines makes one line. */
function withPoint(points: readonly TelemetryPoint[]): string[] {
  const lines: string[] = [];
  let current: Point | undefined;
  let device = '';
  let ts = Number.NaN;
  for (const p of points) {
    if (!current || p.deviceId !== device || p.ts !== ts) {
      if (current) lines.push(current.toLineProtocol(msSettings) as string);
      current = new Point(MEASUREMENT).tag(DEVICE_TAG, p.deviceId).timestamp(p.ts);
      device = p.deviceId;
      ts = p.ts;
    }
    current.floatField(p.metric, p.value);
  }
  if (current) lines.push(current.toLineProtocol(msSettings) as string);
  return lines;
}

/** A transport that takes the body and answers 204 at once: the client's own cost, without the network. */
function answeringTransport(): Transport {
  return {
    send(_path, body, _options, callbacks) {
      if (body.length === 0) throw new Error('empty body');
      callbacks?.responseStarted?.({}, 204);
      callbacks?.complete?.();
    },
    request: () => Promise.reject(new Error('not used')),
    iterate: () => {
      throw new Error('not used');
    },
    chunkCombiner: undefined as unknown as Transport['chunkCombiner'],
  };
}

function cpuNs(run: () => void, repeat: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < repeat; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1000;
}

export async function measureLineBuilding(): Promise<LineBuildingCost> {
  const points = batch(1000, 200);
  const client = new InfluxDB({ url: 'http://127.0.0.1:1', token: 'bench', transport: answeringTransport() });
  const writeThroughClient = async () => {
    const lines = toLines(points);
    const api = client.getWriteApi('hue', 'ioc', 'ms', { batchSize: lines.length + 1, flushInterval: 0, maxRetries: 0, gzipThreshold: Number.POSITIVE_INFINITY });
    api.writeRecords(lines);
    await api.close();
  };
  if (withPoint(points).length !== toLines(points).length) throw new Error('the two ways made different numbers of lines');
  const repeat = 40;
  const best = { hand: Infinity, point: Infinity, writeApi: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    best.hand = Math.min(best.hand, cpuNs(() => toLines(points), repeat));
    best.point = Math.min(best.point, cpuNs(() => withPoint(points), repeat));
    const start = process.cpuUsage();
    for (let i = 0; i < repeat; i++) await writeThroughClient();
    const used = process.cpuUsage(start);
    best.writeApi = Math.min(best.writeApi, (used.user + used.system) * 1000);
  }
  const perPoint = (ns: number) => Math.round((ns / repeat / points.length) * 10) / 10;
  return {
    points_per_batch: points.length,
    hand_built_ns_per_point: perPoint(best.hand),
    client_point_ns_per_point: perPoint(best.point),
    client_write_api_ns_per_point: perPoint(best.writeApi),
  };
}
