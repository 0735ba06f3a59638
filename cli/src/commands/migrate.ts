import { loadCommonConfig, openDb } from '@ioc/core';
import { parseFlags } from '../args.ts';
import type { Command } from '../io.ts';

/** ioc migrate: applies the SQL migrations and seeds the Huế areas (openDb does both). */
export const migrate: Command = async ({ args, env, io }) => {
  parseFlags(args, {});
  const db = await openDb(loadCommonConfig(env));
  await db.close();
  io.out(JSON.stringify({ migrated: true, database: db.kind }));
  return 0;
};
