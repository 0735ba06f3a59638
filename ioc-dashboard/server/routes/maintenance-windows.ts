import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock, Db } from '@ioc/core';
import { createMaintenanceWindow, endMaintenanceWindow, listMaintenanceWindows, MaintenanceWindow, maintenanceProblem, NewMaintenanceWindow } from '@ioc/alerting';
import type { Guard } from '../auth/guard.ts';
import { badRequest, errorResponses, notFound } from '../errors.ts';
import { NotifyIdParams } from './subscribers.ts';

/** /api/maintenance-windows: planned work on devices or areas, whose alerts are not notified meanwhile (operators; audited). */
export const maintenanceWindowRoutes: FastifyPluginAsyncTypebox<{ db: Db; guard: Guard; clock: Clock }> = async (app, { db, guard, clock }) => {
  app.get(
    '/maintenance-windows',
    { onRequest: guard('viewer'), schema: { summary: 'Maintenance windows not over, and those over in the last 30 days', response: { 200: Type.Object({ items: Type.Array(MaintenanceWindow) }), ...errorResponses(401) } } },
    async () => ({ items: await listMaintenanceWindows(db, clock.now()) }),
  );

  app.post(
    '/maintenance-windows',
    {
      onRequest: guard('operator'),
      schema: { summary: 'Plan maintenance of devices or areas from startsAt to endsAt (epoch ms)', body: NewMaintenanceWindow, response: { 201: MaintenanceWindow, ...errorResponses(400, 401, 403) } },
    },
    async (request, reply) => {
      const problem = maintenanceProblem(request.body);
      if (problem) throw badRequest(problem);
      return reply.code(201).send(await createMaintenanceWindow(db, request.body, `user:${request.user?.username}`, clock.now(), request.ip));
    },
  );

  app.delete(
    '/maintenance-windows/:id',
    { onRequest: guard('operator'), schema: { summary: 'End a maintenance window now (it is kept)', params: NotifyIdParams, response: { 200: MaintenanceWindow, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const window = await endMaintenanceWindow(db, request.params.id, `user:${request.user?.username}`, clock.now(), request.ip);
      if (!window) throw notFound(`no maintenance window "${request.params.id}" still to end`);
      return window;
    },
  );
};
