import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { countDeadLetters, listDeadLetters, type Db, type DeadLetterFilter } from '@ioc/core';
import { badRequest, errorResponses } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { parseInstant } from './time-params.ts';

const DeadLettersQuery = Type.Object(
  {
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    topic: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'exact topic' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'text the reason contains, any case' })),
    from: Type.Optional(Type.String({ description: 'refused at or after: epoch ms or ISO 8601' })),
    to: Type.Optional(Type.String({ description: 'refused before: epoch ms or ISO 8601' })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'id of the last letter of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const DeadLetterItem = Type.Object({
  id: Type.Number(),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  topic: Type.String(),
  payload: Type.String(),
  reason: Type.String(),
  ts: Type.Number(),
});

export interface DeadLetterRoutesOptions {
  db: Db;
  guard: Guard;
}

/** GET /api/dead-letters: refused messages with their reasons, newest first, filtered and paged (operator and above). */
export const deadLetterRoutes: FastifyPluginAsyncTypebox<DeadLetterRoutesOptions> = async (app, { db, guard }) => {
  app.addHook('onRequest', guard('operator'));

  app.get(
    '/dead-letters',
    {
      schema: {
        summary: 'Refused messages, newest first; `total` counts every letter matching the filter',
        querystring: DeadLettersQuery,
        response: { 200: Type.Object({ items: Type.Array(DeadLetterItem), total: Type.Integer() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const filter: DeadLetterFilter = {
        deviceId: q.deviceId,
        topic: q.topic,
        reason: q.reason,
        from: q.from === undefined ? undefined : parseInstant('from', q.from),
        to: q.to === undefined ? undefined : parseInstant('to', q.to),
      };
      if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
        throw badRequest('querystring/from must be before querystring/to');
      }
      const [items, total] = await Promise.all([
        listDeadLetters(db, { ...filter, before: q.before, limit: q.limit ?? 100 }),
        countDeadLetters(db, filter),
      ]);
      return { items, total };
    },
  );
};
