import type { Queryable } from './db/types.ts';
import { generateToken, hashToken } from './secrets.ts';

/**
 * MQTT accounts besides devices and IOC services. An integration (e.g. a Frigate NVR) may publish and subscribe
 * only inside its own topic tree; an admin may subscribe to everything, `$SYS` included.
 */
export type MqttAccountRole = 'integration' | 'admin';

/** MQTT usernames are `<prefix><name>`; device ids cannot contain ':' so they never collide. */
export const ACCOUNT_USER_PREFIXES: Record<MqttAccountRole, string> = { integration: 'int:', admin: 'admin:' };

export interface MqttAccount {
  name: string;
  role: MqttAccountRole;
  /** An integration's topic tree (e.g. `frigate`): it may use `frigate` and everything under `frigate/`. */
  topicRoot: string | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export class MqttAccountError extends Error {
  constructor(
    readonly code: 'invalid_account' | 'account_exists' | 'unknown_account',
    message: string,
  ) {
    super(message);
    this.name = 'MqttAccountError';
  }
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** One to four levels of plain characters: no wildcards, no `$` topics, nothing of the IOC's own `ioc/` tree. */
const ROOT_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,3}$/;

export function accountUsername(account: Pick<MqttAccount, 'role' | 'name'>): string {
  return ACCOUNT_USER_PREFIXES[account.role] + account.name;
}

/** The role and name an MQTT username stands for, or undefined when it is no account username. */
export function parseAccountUsername(username: string): { role: MqttAccountRole; name: string } | undefined {
  for (const [role, prefix] of Object.entries(ACCOUNT_USER_PREFIXES) as Array<[MqttAccountRole, string]>) {
    if (username.startsWith(prefix)) return { role, name: username.slice(prefix.length) };
  }
  return undefined;
}

function validate(account: { name: string; role: string; topicRoot?: string | null }): void {
  if (!NAME_PATTERN.test(account.name)) {
    throw new MqttAccountError('invalid_account', `account name "${account.name}" must be 1-64 letters, digits, '.', '_' or '-'`);
  }
  if (account.role !== 'integration' && account.role !== 'admin') {
    throw new MqttAccountError('invalid_account', `account role "${account.role}" must be integration or admin`);
  }
  if (account.role === 'admin' && account.topicRoot) throw new MqttAccountError('invalid_account', 'an admin account has no topic root');
  if (account.role === 'integration') {
    const root = account.topicRoot ?? '';
    if (!ROOT_PATTERN.test(root) || root === 'ioc' || root.startsWith('ioc/')) {
      throw new MqttAccountError(
        'invalid_account',
        `topic root "${root}" must be 1-4 levels of letters, digits, '.', '_' or '-', outside ioc/ (e.g. "frigate")`,
      );
    }
  }
}

interface AccountRow {
  name: string;
  role: MqttAccountRole;
  topic_root: string | null;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'name, role, topic_root, enabled, created_at, updated_at';

function toAccount(row: AccountRow): MqttAccount {
  return {
    name: row.name,
    role: row.role,
    topicRoot: row.topic_root,
    enabled: row.enabled,
    createdAt: row.created_at.getTime(),
    updatedAt: row.updated_at.getTime(),
  };
}

/** Creates an account and returns its token (shown once, stored as a SHA-256 hash). */
export async function createMqttAccount(
  db: Queryable,
  account: { name: string; role: MqttAccountRole; topicRoot?: string | null },
): Promise<{ account: MqttAccount; username: string; token: string }> {
  validate(account);
  const token = generateToken();
  const { rows } = await db.query<AccountRow>(
    `INSERT INTO mqtt_accounts (name, role, topic_root, token_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (role, name) DO NOTHING RETURNING ${COLUMNS}`,
    [account.name, account.role, account.role === 'integration' ? account.topicRoot : null, hashToken(token)],
  );
  const row = rows[0];
  if (!row) throw new MqttAccountError('account_exists', `${account.role} account "${account.name}" already exists`);
  return { account: toAccount(row), username: accountUsername(account), token };
}

export async function listMqttAccounts(db: Queryable): Promise<MqttAccount[]> {
  const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM mqtt_accounts ORDER BY role, name`);
  return rows.map(toAccount);
}

/** A new token for the account (the old one stops working); undefined when it is unknown. */
export async function rotateMqttAccountToken(db: Queryable, role: MqttAccountRole, name: string): Promise<string | undefined> {
  const token = generateToken();
  const { rows } = await db.query('UPDATE mqtt_accounts SET token_hash = $3, updated_at = now() WHERE role = $1 AND name = $2 RETURNING name', [
    role,
    name,
    hashToken(token),
  ]);
  return rows.length > 0 ? token : undefined;
}

export async function setMqttAccountEnabled(db: Queryable, role: MqttAccountRole, name: string, enabled: boolean): Promise<boolean> {
  const { rows } = await db.query('UPDATE mqtt_accounts SET enabled = $3, updated_at = now() WHERE role = $1 AND name = $2 RETURNING name', [
    role,
    name,
    enabled,
  ]);
  return rows.length > 0;
}

/** What the gateway needs to log an account in. */
export async function getMqttAccountCredentials(
  db: Queryable,
  role: MqttAccountRole,
  name: string,
): Promise<{ tokenHash: string; enabled: boolean; topicRoot: string | null } | undefined> {
  const { rows } = await db.query<{ token_hash: string; enabled: boolean; topic_root: string | null }>(
    'SELECT token_hash, enabled, topic_root FROM mqtt_accounts WHERE role = $1 AND name = $2',
    [role, name],
  );
  const row = rows[0];
  return row && { tokenHash: row.token_hash, enabled: row.enabled, topicRoot: row.topic_root };
}
