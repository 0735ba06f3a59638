import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAnomalyEvents, type Db } from '@ioc/core';
import { badRequest, errorResponses } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { AnomalyItem, AnomalyLabel, AnomalyState } from '../schemas/anomaly-item.ts';
import { parseInstant } from './time-params.ts';

const AnomaliesQuery = Type.Object(
  {
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    label: Type.Optional(AnomalyLabel),
    state: Type.Optional(AnomalyState),
    from: Type.Optional(Type.String({ description: 'raised or cleared at or after: epoch ms or ISO 8601' })),
    to: Type.Optional(Type.String({ description: 'raised or cleared before: epoch ms or ISO 8601' })),
    active: Type.Optional(Type.Boolean({ description: 'only alarms still on: the latest event of their device, metric and label is a raise' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

/** GET /api/anomalies: the anomaly events analytics published, newest first, or only the active alarms (signed in). */
export const anomalyRoutes: FastifyPluginAsyncTypebox<{ db: Db; guard: Guard }> = async (app, { db, guard }) => {
  app.addHook('onRequest', guard('viewer'));

  app.get(
    '/anomalies',
    {
      schema: {
        summary: 'Anomaly events (raised and cleared) from ioc/v1/anomalies, newest first',
        querystring: AnomaliesQuery,
        response: { 200: Type.Object({ items: Type.Array(AnomalyItem) }), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const since = q.from === undefined ? undefined : parseInstant('from', q.from);
      const until = q.to === undefined ? undefined : parseInstant('to', q.to);
      if (since !== undefined && until !== undefined && since >= until) throw badRequest('querystring/from must be before querystring/to');
      const items = await listAnomalyEvents(db, {
        deviceId: q.deviceId,
        label: q.label,
        state: q.state,
        since,
        until,
        active: q.active,
        limit: q.limit ?? 100,
      });
      return { items };
    },
  );
};
