import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '@ioc/core';
import { listNotifications, NotificationItem } from '@ioc/alerting';
import type { Guard } from '../auth/guard.ts';
import { errorResponses } from '../errors.ts';

const NotificationsQuery = Type.Object(
  {
    alertId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the notifications that told about this alert' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  },
  { additionalProperties: false },
);

/** GET /api/notifications?alertId=: what was sent about an alert, to whom, on which channel, and what became of it. */
export const notificationRoutes: FastifyPluginAsyncTypebox<{ db: Db; guard: Guard }> = async (app, { db, guard }) => {
  app.get(
    '/notifications',
    {
      onRequest: guard('viewer'),
      schema: { summary: "Notifications, newest first: an alert's with ?alertId=", querystring: NotificationsQuery, response: { 200: Type.Object({ items: Type.Array(NotificationItem) }), ...errorResponses(400, 401) } },
    },
    async (request) => ({ items: await listNotifications(db, { alertId: request.query.alertId, limit: request.query.limit }) }),
  );
};
