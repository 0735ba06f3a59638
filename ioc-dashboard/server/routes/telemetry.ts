import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEVICE_KINDS, getDevice, metricSpec, type Aggregation, type Clock, type Db, type SeriesPoint, type TelemetryStore } from '@ioc/core';
import { badRequest, errorResponses, notFound } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { DeviceParams } from './devices.ts';
import { parseDuration, parseInstant } from './time-params.ts';

/** Most points one answer may hold; beyond it the caller must downsample with `every`. */
export const MAX_POINTS = 10_000;
const DEFAULT_SPAN_MS = 24 * 3600_000;

const AggSchema = Type.Union([Type.Literal('mean'), Type.Literal('min'), Type.Literal('max'), Type.Literal('count'), Type.Literal('last')], {
  description: 'per bucket; default mean',
});

const TelemetryQuery = Type.Object(
  {
    metric: Type.String({ minLength: 1 }),
    from: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601; default `to` minus 24 h' })),
    to: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601; default now' })),
    every: Type.Optional(Type.String({ description: 'bucket width: 60s, 5m, 1h, 1d or milliseconds' })),
    agg: Type.Optional(AggSchema),
  },
  { additionalProperties: false },
);

/** Most metrics one CSV export may name: more than any kind has, and each costs the store a query. */
export const MAX_EXPORT_METRICS = 32;

const ExportQuery = Type.Object(
  {
    metrics: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1000, description: `comma-separated metrics, each once, at most ${MAX_EXPORT_METRICS}; default every metric of the device kind` }),
    ),
    from: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601; default `to` minus 24 h' })),
    to: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601; default now' })),
    every: Type.Optional(Type.String({ description: 'bucket width: 60s, 5m, 1h, 1d or milliseconds; raw points without it' })),
    agg: Type.Optional(AggSchema),
  },
  { additionalProperties: false },
);

/** Most rows one CSV export may hold. */
export const MAX_EXPORT_ROWS = 100_000;

/** One CSV row per timestamp: `ts` (ISO 8601 UTC) then one column per metric, empty where it has no value. */
function toCsv(metrics: readonly string[], series: readonly SeriesPoint[][]): string {
  const rows = new Map<number, (number | undefined)[]>();
  series.forEach((points, column) => {
    for (const { ts, value } of points) {
      let row = rows.get(ts);
      if (!row) rows.set(ts, (row = new Array<number | undefined>(metrics.length)));
      row[column] = value;
    }
  });
  const lines = [['ts', ...metrics].join(',')];
  for (const ts of [...rows.keys()].sort((a, b) => a - b)) {
    lines.push([new Date(ts).toISOString(), ...(rows.get(ts) as (number | undefined)[]).map((v) => (v === undefined ? '' : String(v)))].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

const PointsResponse = Type.Object({ points: Type.Array(Type.Object({ ts: Type.Number(), value: Type.Number() })) });

export interface TelemetryRoutesOptions {
  db: Db;
  telemetry: TelemetryStore;
  guard: Guard;
  clock: Clock;
}

/** from/to/every/agg of a history query, validated; `every` undefined for raw points. */
function timeWindow(q: { from?: string; to?: string; every?: string; agg?: Aggregation }, clock: Clock) {
  const to = q.to === undefined ? clock.now() : parseInstant('to', q.to);
  const from = q.from === undefined ? to - DEFAULT_SPAN_MS : parseInstant('from', q.from);
  if (from >= to) throw badRequest(`querystring/from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`);
  const every = q.every === undefined ? undefined : parseDuration('every', q.every);
  if (q.agg !== undefined && every === undefined) throw badRequest('querystring/agg needs querystring/every');
  return { from, to, every, agg: q.agg ?? 'mean' };
}

export const telemetryRoutes: FastifyPluginAsyncTypebox<TelemetryRoutesOptions> = async (app, { db, telemetry, guard, clock }) => {
  app.addHook('onRequest', guard('viewer'));

  app.get(
    '/devices/:id/telemetry.csv',
    {
      schema: {
        summary: 'History of a device as CSV: one row per time, one column per metric, raw or downsampled',
        params: DeviceParams,
        querystring: ExportQuery,
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { from, to, every, agg } = timeWindow(request.query, clock);
      const device = await getDevice(db, id);
      if (!device) throw notFound(`no device "${id}"`);
      const listed = request.query.metrics?.split(',').map((m) => m.trim());
      if (listed && listed.length > MAX_EXPORT_METRICS) throw badRequest(`querystring/metrics: at most ${MAX_EXPORT_METRICS} metrics, got ${listed.length}`);
      // A metric named twice is one column: each would cost the store a query.
      const metrics = listed ? [...new Set(listed)] : Object.keys(DEVICE_KINDS[device.kind].metrics);
      const unknown = metrics.find((m) => !metricSpec(device.kind, m));
      if (unknown !== undefined) throw badRequest(`querystring/metrics: a ${device.kind} device has no metric "${unknown}"`);
      if (every !== undefined && (to - from) / every > MAX_EXPORT_ROWS) {
        throw badRequest(`querystring/every: ${every} ms buckets over this range exceed ${MAX_EXPORT_ROWS} rows; use a wider every`);
      }
      if (every === undefined) {
        const counts = await Promise.all(metrics.map((metric) => telemetry.range({ deviceId: id, metric, from, to, every: to - from, agg: 'count' })));
        const total = counts.flat().reduce((sum, bucket) => sum + bucket.value, 0);
        if (total > MAX_EXPORT_ROWS) {
          throw badRequest(`querystring: ${total} raw points exceed ${MAX_EXPORT_ROWS}; add every (e.g. every=1m) or narrow from/to`, 'too_many_points');
        }
      }
      const series = await Promise.all(metrics.map((metric) => telemetry.range({ deviceId: id, metric, from, to, every, agg: every === undefined ? undefined : agg })));
      const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, '-');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${id}_${stamp(from)}_${stamp(to)}.csv"`)
        .send(toCsv(metrics, series));
    },
  );

  app.get(
    '/devices/:id/telemetry',
    {
      schema: {
        summary: 'History of one metric of a device, raw or downsampled',
        params: DeviceParams,
        querystring: TelemetryQuery,
        response: { 200: PointsResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const q = request.query;
      const { from, to, every, agg } = timeWindow(q, clock);

      const device = await getDevice(db, id);
      if (!device) throw notFound(`no device "${id}"`);
      if (!metricSpec(device.kind, q.metric)) throw badRequest(`querystring/metric: a ${device.kind} device has no metric "${q.metric}"`);

      const range = { deviceId: id, metric: q.metric, from, to };
      if (every !== undefined) {
        if ((to - from) / every > MAX_POINTS) {
          throw badRequest(`querystring/every: ${every} ms buckets over this range exceed ${MAX_POINTS} points; use a wider every`);
        }
        return { points: await telemetry.range({ ...range, every, agg }) };
      }
      const counts = await telemetry.range({ ...range, every: to - from, agg: 'count' });
      const total = counts.reduce((sum, bucket) => sum + bucket.value, 0);
      if (total > MAX_POINTS) {
        throw badRequest(`querystring: ${total} raw points exceed ${MAX_POINTS}; add every (e.g. every=5m) or narrow from/to`, 'too_many_points');
      }
      return { points: await telemetry.range(range) };
    },
  );
};
