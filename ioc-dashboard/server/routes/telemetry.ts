import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getDevice, metricSpec, type Clock, type Db, type TelemetryStore } from '@ioc/core';
import { badRequest, errorResponses, notFound } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { DeviceParams } from './devices.ts';
import { parseDuration, parseInstant } from './time-params.ts';

/** Most points one answer may hold; beyond it the caller must downsample with `every`. */
export const MAX_POINTS = 10_000;
const DEFAULT_SPAN_MS = 24 * 3600_000;

const TelemetryQuery = Type.Object(
  {
    metric: Type.String({ minLength: 1 }),
    from: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601; default `to` minus 24 h' })),
    to: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601; default now' })),
    every: Type.Optional(Type.String({ description: 'bucket width: 60s, 5m, 1h, 1d or milliseconds' })),
    agg: Type.Optional(Type.Union([Type.Literal('mean'), Type.Literal('min'), Type.Literal('max'), Type.Literal('count'), Type.Literal('last')], { description: 'per bucket; default mean' })),
  },
  { additionalProperties: false },
);

const PointsResponse = Type.Object({ points: Type.Array(Type.Object({ ts: Type.Number(), value: Type.Number() })) });

export interface TelemetryRoutesOptions {
  db: Db;
  telemetry: TelemetryStore;
  guard: Guard;
  clock: Clock;
}

export const telemetryRoutes: FastifyPluginAsyncTypebox<TelemetryRoutesOptions> = async (app, { db, telemetry, guard, clock }) => {
  app.addHook('onRequest', guard('viewer'));

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
      const to = q.to === undefined ? clock.now() : parseInstant('to', q.to);
      const from = q.from === undefined ? to - DEFAULT_SPAN_MS : parseInstant('from', q.from);
      if (from >= to) throw badRequest(`querystring/from (${new Date(from).toISOString()}) must be before to (${new Date(to).toISOString()})`);
      const every = q.every === undefined ? undefined : parseDuration('every', q.every);
      if (q.agg !== undefined && every === undefined) throw badRequest('querystring/agg needs querystring/every');

      const device = await getDevice(db, id);
      if (!device) throw notFound(`no device "${id}"`);
      if (!metricSpec(device.kind, q.metric)) throw badRequest(`querystring/metric: a ${device.kind} device has no metric "${q.metric}"`);

      const range = { deviceId: id, metric: q.metric, from, to };
      if (every !== undefined) {
        if ((to - from) / every > MAX_POINTS) {
          throw badRequest(`querystring/every: ${every} ms buckets over this range exceed ${MAX_POINTS} points; use a wider every`);
        }
        return { points: await telemetry.range({ ...range, every, agg: q.agg ?? 'mean' }) };
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
