import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listDeadLetters, type Db } from '@ioc/core';
import { errorResponses } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';

const DeadLettersQuery = Type.Object(
  {
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
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

/** GET /api/dead-letters: refused messages with their reasons, newest first (operator and above). */
export const deadLetterRoutes: FastifyPluginAsyncTypebox<DeadLetterRoutesOptions> = async (app, { db, guard }) => {
  app.addHook('onRequest', guard('operator'));

  app.get(
    '/dead-letters',
    {
      schema: {
        summary: 'Refused messages, newest first',
        querystring: DeadLettersQuery,
        response: { 200: Type.Object({ items: Type.Array(DeadLetterItem) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ items: await listDeadLetters(db, { deviceId: request.query.deviceId, limit: request.query.limit ?? 100 }) }),
  );
};
