import { generateToken, loadCommonConfig, openDb, ROLES, upsertUser, type Role } from '@ioc/core';
import { parseFlags, required } from '../args.ts';
import { UsageError, type Command } from '../io.ts';

const MIN_PASSWORD = 8;

/** ioc users add --username U --role R: password from IOC_USER_PASSWORD, or generated and printed once. */
export const users: Command = async ({ args: [sub, ...args], env, io }) => {
  if (sub !== 'add') throw new UsageError(sub ? `unknown users command "${sub}"` : 'users needs a command: add');
  const { values } = parseFlags(args, { username: { type: 'string' }, role: { type: 'string' } });
  const username = required(values.username, 'username');
  const role = required(values.role, 'role');
  if (!ROLES.includes(role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${role}"`);
  const given = env.IOC_USER_PASSWORD;
  if (given !== undefined && given.length < MIN_PASSWORD) {
    io.err(`IOC_USER_PASSWORD: must be at least ${MIN_PASSWORD} characters`);
    return 1;
  }
  const password = given ?? generateToken(12);
  const db = await openDb(loadCommonConfig(env));
  try {
    const user = await upsertUser(db, username, password, role as Role);
    io.out(JSON.stringify(given === undefined ? { username: user.username, role: user.role, password } : { username: user.username, role: user.role }));
    return 0;
  } finally {
    await db.close();
  }
};
