import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock, Db } from '@ioc/core';
import { createSilence, endSilence, listSilences, NewSilence, Silence, silenceProblem } from '@ioc/alerting';
import type { Guard } from '../auth/guard.ts';
import { badRequest, errorResponses, notFound } from '../errors.ts';
import { NotifyIdParams } from './subscribers.ts';

/** /api/silences: Alertmanager's silences (matchers, start, end, comment); operators create and end them, audited. */
export const silenceRoutes: FastifyPluginAsyncTypebox<{ db: Db; guard: Guard; clock: Clock }> = async (app, { db, guard, clock }) => {
  app.get(
    '/silences',
    { onRequest: guard('viewer'), schema: { summary: 'Silences not yet expired, then those expired in the last 30 days', response: { 200: Type.Object({ items: Type.Array(Silence) }), ...errorResponses(401) } } },
    async () => ({ items: await listSilences(db, clock.now()) }),
  );

  app.post(
    '/silences',
    {
      onRequest: guard('operator'),
      schema: { summary: 'Silence the alerts every matcher matches, from startsAt to endsAt (epoch ms)', body: NewSilence, response: { 201: Silence, ...errorResponses(400, 401, 403) } },
    },
    async (request, reply) => {
      const problem = silenceProblem(request.body);
      if (problem) throw badRequest(problem);
      return reply.code(201).send(await createSilence(db, request.body, `user:${request.user?.username}`, clock.now(), request.ip));
    },
  );

  app.delete(
    '/silences/:id',
    { onRequest: guard('operator'), schema: { summary: 'End a silence now (it is kept, expired)', params: NotifyIdParams, response: { 200: Silence, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const silence = await endSilence(db, request.params.id, `user:${request.user?.username}`, clock.now(), request.ip);
      if (!silence) throw notFound(`no silence "${request.params.id}" still to end`);
      return silence;
    },
  );
};
