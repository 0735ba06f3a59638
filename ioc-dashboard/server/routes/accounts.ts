import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  accountUsername,
  createMqttAccount,
  listMqttAccounts,
  MqttAccountError,
  parseAccountUsername,
  recordAuditEvents,
  rotateMqttAccountToken,
  setMqttAccountEnabled,
  type Clock,
  type CredentialChange,
  type Db,
} from '@ioc/core';
import { ApiError, badRequest, errorResponses, notFound } from '../errors.ts';
import type { Guard } from '../auth/guard.ts';

const AccountItem = Type.Object({
  username: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('integration'), Type.Literal('admin')]),
  topicRoot: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});

const NewAccountBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    role: Type.Union([Type.Literal('integration'), Type.Literal('admin')]),
    topicRoot: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'an integration\'s topic tree, e.g. "frigate"' })),
  },
  { additionalProperties: false },
);

const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 80, description: 'int:<name> or admin:<name>' }) });

const ACCOUNT_ERROR_STATUS: Record<MqttAccountError['code'], number> = { invalid_account: 400, account_exists: 409, unknown_account: 404 };

export interface AccountRoutesOptions {
  db: Db;
  guard: Guard;
  clock: Clock;
  announce?: (change: CredentialChange) => Promise<boolean>;
}

/** /api/accounts: integration and admin MQTT accounts (admins only). Changes are audited and announced to the gateways. */
export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { db, guard, clock, announce }) => {
  app.addHook('onRequest', guard('admin'));

  async function audit(request: FastifyRequest, action: string, target: string, detail: Record<string, unknown> = {}): Promise<void> {
    await recordAuditEvents(db, [{ ts: clock.now(), actor: `user:${request.user?.username ?? 'unknown'}`, action, target, remoteAddress: request.ip, detail }]);
  }
  const notify = (username: string, change: CredentialChange['change']) => (announce ? announce({ username, change, ts: clock.now() }) : Promise.resolve(false));
  function parse(username: string) {
    const parsed = parseAccountUsername(username);
    if (!parsed) throw badRequest(`"${username}" is no account username: int:<name> or admin:<name>`);
    return parsed;
  }

  app.get(
    '/accounts',
    { schema: { summary: 'Integration and admin MQTT accounts', response: { 200: Type.Object({ items: Type.Array(AccountItem) }), ...errorResponses(401, 403) } } },
    async () => ({ items: (await listMqttAccounts(db)).map((a) => ({ username: accountUsername(a), ...a })) }),
  );

  app.post(
    '/accounts',
    {
      schema: {
        summary: 'Create an account; its MQTT username and token are returned once',
        body: NewAccountBody,
        response: { 201: Type.Object({ username: Type.String(), token: Type.String() }), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      try {
        const { username, token, account } = await createMqttAccount(db, request.body);
        await audit(request, 'account.create', username, { topicRoot: account.topicRoot });
        return reply.code(201).send({ username, token });
      } catch (error) {
        if (error instanceof MqttAccountError) throw new ApiError(ACCOUNT_ERROR_STATUS[error.code], error.code, error.message);
        throw error;
      }
    },
  );

  app.post(
    '/accounts/:username/token',
    {
      schema: {
        summary: 'Issue a new token (returned once); the old one stops working and its connections are closed',
        params: UsernameParams,
        response: { 200: Type.Object({ username: Type.String(), token: Type.String(), gatewayNotified: Type.Boolean() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { username } = request.params;
      const { role, name } = parse(username);
      const token = await rotateMqttAccountToken(db, role, name);
      if (!token) throw notFound(`no account "${username}"`);
      await audit(request, 'account.rotate', username);
      return { username, token, gatewayNotified: await notify(username, 'rotated') };
    },
  );

  app.patch(
    '/accounts/:username',
    {
      schema: {
        summary: 'Enable or disable an account; disabling closes its connections',
        params: UsernameParams,
        body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Object({ username: Type.String(), enabled: Type.Boolean(), gatewayNotified: Type.Boolean() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { username } = request.params;
      const { enabled } = request.body;
      const { role, name } = parse(username);
      if (!(await setMqttAccountEnabled(db, role, name, enabled))) throw notFound(`no account "${username}"`);
      await audit(request, enabled ? 'account.enable' : 'account.disable', username);
      return { username, enabled, gatewayNotified: await notify(username, enabled ? 'enabled' : 'disabled') };
    },
  );
};
