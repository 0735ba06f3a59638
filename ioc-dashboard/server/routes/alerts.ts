import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AlertError, listAlerts, type AlertLifecycle, type AlertRow } from '@ioc/alerting';
import { AlertId, type Db } from '@ioc/core';
import type { Guard } from '../auth/guard.ts';
import { ApiError, errorResponses } from '../errors.ts';
import { AlertComment, AlertDetailItem, AlertItem } from '../schemas/alert-item.ts';
import { AlertsQuery, AssignBody, CommentBody, ResolveBody } from '../schemas/alerts.ts';

const AlertParams = Type.Object({ id: AlertId });

const STATUS: Record<AlertError['code'], number> = { not_found: 404, conflict: 409, unknown_user: 400 };

function apiError(error: unknown): unknown {
  return error instanceof AlertError ? new ApiError(STATUS[error.code], error.code === 'unknown_user' ? 'invalid_request' : error.code, error.message) : error;
}

const item = (alert: AlertRow) => ({ ...alert, title: alert.titleVi });

/**
 * /api/alerts: the alerts the rules raised, and the operator's side of their lifecycle (acknowledge, resolve, comment,
 * assign). Every change goes through the alerting lifecycle (@ioc/alerting), which records, audits, queues the
 * notifications and publishes the alert's state on the bus.
 */
export const alertRoutes: FastifyPluginAsyncTypebox<{ db: Db; lifecycle: AlertLifecycle; guard: Guard }> = async (app, { db, lifecycle, guard }) => {
  const actor = (request: { user?: { username: string }; ip: string }) => ({ actor: `user:${request.user!.username}`, remoteAddress: request.ip });
  const guarded = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      throw apiError(error);
    });

  app.get(
    '/alerts',
    {
      onRequest: guard('viewer'),
      schema: {
        summary: 'Alerts, newest first; filter by state, severity, commune or device',
        querystring: AlertsQuery,
        response: { 200: Type.Object({ items: Type.Array(AlertItem) }), ...errorResponses(400, 401) },
      },
    },
    async (request) => ({ items: (await listAlerts(db, request.query)).map(item) }),
  );

  app.get(
    '/alerts/:id',
    {
      onRequest: guard('viewer'),
      schema: { summary: 'One alert with its history (every transition, who and when) and comments', params: AlertParams, response: { 200: AlertDetailItem, ...errorResponses(400, 401, 404) } },
    },
    async (request) => {
      const detail = await guarded(lifecycle.detail(request.params.id));
      return { ...detail, title: detail.titleVi };
    },
  );

  app.post(
    '/alerts/:id/ack',
    {
      onRequest: guard('operator'),
      schema: { summary: 'Acknowledge a firing alert', params: AlertParams, response: { 200: AlertItem, ...errorResponses(400, 401, 403, 404, 409) } },
    },
    async (request) => item(await guarded(lifecycle.acknowledge(request.params.id, actor(request)))),
  );

  app.post(
    '/alerts/:id/resolve',
    {
      onRequest: guard('operator'),
      schema: {
        summary: 'Resolve an alert by hand (its rule does not fire it again until its condition has cleared)',
        params: AlertParams,
        body: ResolveBody,
        response: { 200: AlertItem, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => item(await guarded(lifecycle.resolve(request.params.id, actor(request), request.body.note))),
  );

  app.post(
    '/alerts/:id/comments',
    {
      onRequest: guard('operator'),
      schema: {
        summary: 'Comment on an alert',
        params: AlertParams,
        body: CommentBody,
        response: { 201: AlertComment, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => reply.code(201).send(await guarded(lifecycle.comment(request.params.id, request.body.text, actor(request)))),
  );

  app.post(
    '/alerts/:id/assign',
    {
      onRequest: guard('operator'),
      schema: {
        summary: 'Assign an open alert to a user',
        params: AlertParams,
        body: AssignBody,
        response: { 200: AlertItem, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => item(await guarded(lifecycle.assign(request.params.id, request.body.username, actor(request)))),
  );
};
