import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AlertRule, AlertRulePatch, NewAlertRule, RuleError, type AlertRules } from '@ioc/alerting';
import type { Guard } from '../auth/guard.ts';
import { ApiError, errorResponses } from '../errors.ts';

const RuleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

function apiError(error: unknown): unknown {
  if (!(error instanceof RuleError)) return error;
  return error.code === 'not_found' ? new ApiError(404, 'not_found', error.message) : new ApiError(400, 'invalid_request', error.message);
}

/**
 * /api/alert-rules (operators and admins): the rules the alerting service evaluates. A change is stored, audited and
 * announced on the bus (ioc/v1/alert-rules/changes), so the running service applies it without a restart.
 */
export const alertRuleRoutes: FastifyPluginAsyncTypebox<{ rules: AlertRules; guard: Guard }> = async (app, { rules, guard }) => {
  app.addHook('onRequest', guard('operator'));
  const actor = (request: { user?: { username: string }; ip: string }) => ({ actor: `user:${request.user!.username}`, remoteAddress: request.ip });
  const guarded = <T>(work: Promise<T>) =>
    work.catch((error: unknown) => {
      throw apiError(error);
    });

  app.get('/alert-rules', { schema: { summary: 'Every alert rule', response: { 200: Type.Object({ items: Type.Array(AlertRule) }), ...errorResponses(401, 403) } } }, async () => ({
    items: await rules.list(),
  }));

  app.get('/alert-rules/:id', { schema: { summary: 'One alert rule', params: RuleParams, response: { 200: AlertRule, ...errorResponses(400, 401, 403, 404) } } }, async (request) =>
    guarded(rules.get(request.params.id)),
  );

  app.post(
    '/alert-rules',
    {
      schema: {
        summary: 'Create an alert rule: threshold, rate, offline, anomaly or area (alerting/README.md, "Rules")',
        body: NewAlertRule,
        response: { 201: AlertRule, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await guarded(rules.create(request.body, actor(request)))),
  );

  app.patch(
    '/alert-rules/:id',
    {
      schema: {
        summary: 'Change an alert rule (null removes an optional field); the rule is checked whole again',
        params: RuleParams,
        body: AlertRulePatch,
        response: { 200: AlertRule, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => guarded(rules.update(request.params.id, request.body, actor(request))),
  );

  app.delete(
    '/alert-rules/:id',
    { schema: { summary: 'Delete an alert rule; its open alerts are resolved by the alerting service', params: RuleParams, response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      await guarded(rules.remove(request.params.id, actor(request)));
      return reply.code(204).send(null);
    },
  );
};
