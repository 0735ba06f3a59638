import {
  accountUsername,
  createMqttAccount,
  listMqttAccounts,
  loadCommonConfig,
  MqttAccountError,
  openDb,
  parseAccountUsername,
  recordAuditEvents,
  rotateMqttAccountToken,
  setMqttAccountEnabled,
  type Db,
  type CommonConfig,
} from '@ioc/core';
import { parseFlags, required } from '../args.ts';
import { UsageError, type Command, type CommandContext } from '../io.ts';
import { tellGateways } from './devices-announce.ts';

type Handler = (context: CommandContext & { config: CommonConfig; db: Db }) => Promise<number>;

const audit = (db: Db, action: string, target: string, detail: Record<string, unknown> = {}) =>
  recordAuditEvents(db, [{ ts: Date.now(), actor: 'cli', action, target, detail }]);

function account(username: string) {
  const parsed = parseAccountUsername(username);
  if (!parsed) throw new UsageError(`--username must be int:<name> or admin:<name>, got "${username}"`);
  return parsed;
}

const SUBCOMMANDS: Record<string, Handler> = {
  async add({ args, db, io }) {
    const { values } = parseFlags(args, { name: { type: 'string' }, integration: { type: 'string' }, admin: { type: 'boolean' } });
    const name = required(values.name, 'name');
    if ((values.integration === undefined) === !values.admin) throw new UsageError('accounts add needs either --integration TOPIC_ROOT or --admin');
    const created = values.admin
      ? await createMqttAccount(db, { name, role: 'admin' })
      : await createMqttAccount(db, { name, role: 'integration', topicRoot: values.integration });
    await audit(db, 'account.create', created.username, { topicRoot: created.account.topicRoot });
    io.out(JSON.stringify({ username: created.username, token: created.token }));
    return 0;
  },
  async list({ args, db, io }) {
    parseFlags(args, {});
    for (const a of await listMqttAccounts(db)) io.out(JSON.stringify({ username: accountUsername(a), ...a }));
    return 0;
  },
  async rotate({ args, db, io, config }) {
    const { values } = parseFlags(args, { username: { type: 'string' } });
    const username = required(values.username, 'username');
    const { role, name } = account(username);
    const token = await rotateMqttAccountToken(db, role, name);
    if (!token) throw new MqttAccountError('unknown_account', `no account "${username}"`);
    await audit(db, 'account.rotate', username);
    const gatewayNotified = await tellGateways(config, io, { username, change: 'rotated' });
    io.out(JSON.stringify({ username, token, gatewayNotified }));
    return 0;
  },
  enable: (context) => setEnabled(context, true),
  disable: (context) => setEnabled(context, false),
};

async function setEnabled({ args, db, io, config }: Parameters<Handler>[0], enabled: boolean): Promise<number> {
  const { values } = parseFlags(args, { username: { type: 'string' } });
  const username = required(values.username, 'username');
  const { role, name } = account(username);
  if (!(await setMqttAccountEnabled(db, role, name, enabled))) throw new MqttAccountError('unknown_account', `no account "${username}"`);
  await audit(db, enabled ? 'account.enable' : 'account.disable', username);
  const gatewayNotified = await tellGateways(config, io, { username, change: enabled ? 'enabled' : 'disabled' });
  io.out(JSON.stringify({ username, enabled, gatewayNotified }));
  return 0;
}

/** ioc accounts add|list|rotate|enable|disable: integration and admin MQTT accounts. */
export const accounts: Command = async (context) => {
  const [sub, ...args] = context.args;
  const handler = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  const known = Object.keys(SUBCOMMANDS).join(', ');
  if (!handler) throw new UsageError(sub ? `unknown accounts command "${sub}"; known: ${known}` : `accounts needs a command: ${known}`);
  const config = loadCommonConfig(context.env);
  const db = await openDb(config);
  try {
    return await handler({ ...context, args, config, db });
  } catch (error) {
    if (!(error instanceof MqttAccountError)) throw error;
    context.io.err(`ioc accounts ${sub}: ${error.message}`);
    return 1;
  } finally {
    await db.close();
  }
};
