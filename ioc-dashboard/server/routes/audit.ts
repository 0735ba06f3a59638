import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listAuditEvents, type Db } from '@ioc/core';
import { badRequest, errorResponses } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';
import { parseInstant } from './time-params.ts';

const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'e.g. mqtt.auth_failure, mqtt.connect, device.revoke' })),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'events whose actor or target is this (a device id, an account username, user:<name>)' })),
    from: Type.Optional(Type.String({ description: 'at or after: epoch ms or ISO 8601' })),
    to: Type.Optional(Type.String({ description: 'before: epoch ms or ISO 8601' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const AuditItem = Type.Object({
  id: Type.Number(),
  ts: Type.Number(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  remoteAddress: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

/** GET /api/audit: MQTT connects, disconnects, refused logins and registry changes, newest first (admins only). */
export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Db; guard: Guard }> = async (app, { db, guard }) => {
  app.addHook('onRequest', guard('admin'));

  app.get(
    '/audit',
    {
      schema: {
        summary: 'The audit log, newest first',
        querystring: AuditQuery,
        response: { 200: Type.Object({ items: Type.Array(AuditItem) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      const since = q.from === undefined ? undefined : parseInstant('from', q.from);
      const until = q.to === undefined ? undefined : parseInstant('to', q.to);
      if (since !== undefined && until !== undefined && since >= until) throw badRequest('querystring/from must be before querystring/to');
      return { items: await listAuditEvents(db, { action: q.action, subject: q.subject, since, until, limit: q.limit ?? 100 }) };
    },
  );
};
