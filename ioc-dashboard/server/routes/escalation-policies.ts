import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { recordAuditEvents, type Clock, type Db } from '@ioc/core';
import { createEscalationPolicy, deleteEscalationPolicy, EscalationPolicy, getSubscribers, listEscalationPolicies, NewEscalationPolicy, updateEscalationPolicy } from '@ioc/alerting';
import type { Guard } from '../auth/guard.ts';
import { badRequest, errorResponses, notFound } from '../errors.ts';
import { NotifyIdParams } from './subscribers.ts';

/**
 * /api/escalation-policies: who is told next while an alert stays unacknowledged (levels of subscribers after N
 * minutes, repeated). Operators read them; admins, who manage the subscribers, change them. Audited.
 */
export const escalationPolicyRoutes: FastifyPluginAsyncTypebox<{ db: Db; guard: Guard; clock: Clock }> = async (app, { db, guard, clock }) => {
  const audit = (request: FastifyRequest, action: string, target: string, detail: Record<string, unknown> = {}) =>
    recordAuditEvents(db, [{ ts: clock.now(), actor: `user:${request.user?.username ?? 'unknown'}`, action, target, remoteAddress: request.ip, detail }]);
  async function checked(input: NewEscalationPolicy): Promise<NewEscalationPolicy> {
    const ids = [...new Set(input.levels.flatMap((l) => l.subscriberIds))];
    const known = new Set((await getSubscribers(db, ids)).map((s) => s.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) throw badRequest(`no subscriber ${unknown.map((id) => `"${id}"`).join(', ')}`);
    return input;
  }

  app.get(
    '/escalation-policies',
    { onRequest: guard('operator'), schema: { summary: 'Escalation policies', response: { 200: Type.Object({ items: Type.Array(EscalationPolicy) }), ...errorResponses(401, 403) } } },
    async () => ({ items: await listEscalationPolicies(db) }),
  );

  app.post(
    '/escalation-policies',
    { onRequest: guard('admin'), schema: { summary: 'Add an escalation policy; a rule names it in notify.escalationPolicyId', body: NewEscalationPolicy, response: { 201: EscalationPolicy, ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      const policy = await createEscalationPolicy(db, await checked(request.body), clock.now());
      await audit(request, 'escalation_policy.create', policy.id, { ...request.body });
      return reply.code(201).send(policy);
    },
  );

  app.put(
    '/escalation-policies/:id',
    { onRequest: guard('admin'), schema: { summary: 'Replace an escalation policy; escalations under way take the new levels at their next step', params: NotifyIdParams, body: NewEscalationPolicy, response: { 200: EscalationPolicy, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const policy = await updateEscalationPolicy(db, request.params.id, await checked(request.body), clock.now());
      if (!policy) throw notFound(`no escalation policy "${request.params.id}"`);
      await audit(request, 'escalation_policy.update', policy.id, { ...request.body });
      return policy;
    },
  );

  app.delete(
    '/escalation-policies/:id',
    { onRequest: guard('admin'), schema: { summary: 'Remove an escalation policy; escalations under way stop with the reason', params: NotifyIdParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      if (!(await deleteEscalationPolicy(db, request.params.id))) throw notFound(`no escalation policy "${request.params.id}"`);
      await audit(request, 'escalation_policy.delete', request.params.id);
      return reply.code(204).send(null);
    },
  );
};
