import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Check } from 'typebox/value';
import { recordAuditEvents, type Clock, type Db } from '@ioc/core';
import { createSubscriber, deleteSubscriber, getSubscribers, listSubscribers, NewSubscriber, Subscriber, subscriberProblem, updateSubscriber, type Subscriber as SubscriberItem } from '@ioc/alerting';
import type { Guard } from '../auth/guard.ts';
import { badRequest, errorResponses, notFound } from '../errors.ts';
import { SubscriberPatch } from '../schemas/subscribers.ts';

export const NotifyIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

function asNew(s: SubscriberItem): NewSubscriber {
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = s;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null)) as NewSubscriber;
}

/** /api/subscribers: who is told about alerts, where and how (admins only; phone numbers are personal data). Changes are audited. */
export const subscriberRoutes: FastifyPluginAsyncTypebox<{ db: Db; guard: Guard; clock: Clock }> = async (app, { db, guard, clock }) => {
  app.addHook('onRequest', guard('admin'));
  const audit = (request: FastifyRequest, action: string, target: string, detail: Record<string, unknown> = {}) =>
    recordAuditEvents(db, [{ ts: clock.now(), actor: `user:${request.user?.username ?? 'unknown'}`, action, target, remoteAddress: request.ip, detail }]);
  const checked = (input: NewSubscriber) => {
    const problem = subscriberProblem(input);
    if (problem) throw badRequest(problem);
    return input;
  };

  app.get('/subscribers', { schema: { summary: 'Alert subscribers', response: { 200: Type.Object({ items: Type.Array(Subscriber) }), ...errorResponses(401, 403) } } }, async () => ({
    items: await listSubscribers(db),
  }));

  app.post(
    '/subscribers',
    {
      schema: {
        summary: 'Add a subscriber: phone +84…, channels sms/zns/zalo_oa/webhook, areas, kinds, minimum severity, language, quiet hours (Asia/Ho_Chi_Minh)',
        body: NewSubscriber,
        response: { 201: Subscriber, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const subscriber = await createSubscriber(db, checked(request.body), clock.now());
      await audit(request, 'subscriber.create', subscriber.id, { name: subscriber.name, channels: subscriber.channels });
      return reply.code(201).send(subscriber);
    },
  );

  app.patch(
    '/subscribers/:id',
    { schema: { summary: 'Change a subscriber', params: NotifyIdParams, body: SubscriberPatch, response: { 200: Subscriber, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const [current] = await getSubscribers(db, [request.params.id]);
      if (!current) throw notFound(`no subscriber "${request.params.id}"`);
      const merged = Object.fromEntries(Object.entries({ ...asNew(current), ...request.body }).filter(([, v]) => v !== null));
      if (!Check(NewSubscriber, merged)) throw badRequest('the subscriber would not be valid with this change');
      const subscriber = await updateSubscriber(db, current.id, checked(merged), clock.now());
      if (!subscriber) throw notFound(`no subscriber "${request.params.id}"`);
      await audit(request, 'subscriber.update', subscriber.id, { fields: Object.keys(request.body) });
      return subscriber;
    },
  );

  app.delete(
    '/subscribers/:id',
    { schema: { summary: 'Remove a subscriber; its waiting messages fail with the reason, its history stays', params: NotifyIdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      if (!(await deleteSubscriber(db, request.params.id, clock.now()))) throw notFound(`no subscriber "${request.params.id}"`);
      await audit(request, 'subscriber.delete', request.params.id);
      return reply.code(204).send(null);
    },
  );
};
