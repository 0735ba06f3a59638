import { listAuditEvents, loadCommonConfig, openDb } from '@ioc/core';
import { numberFlag, parseFlags } from '../args.ts';
import { UsageError, type Command } from '../io.ts';

/** An instant given as epoch milliseconds or ISO 8601 text. */
function instant(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} must be epoch milliseconds or ISO 8601, got "${value}"`);
  return ms;
}

/** ioc audit: the audit log, newest first, as JSON lines. */
export const audit: Command = async ({ args, env, io }) => {
  const { values } = parseFlags(args, {
    action: { type: 'string' },
    subject: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
  });
  const limit = numberFlag(values.limit, 'limit') ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError(`--limit must be an integer from 1 to 100000, got "${values.limit}"`);
  const filter = { action: values.action, subject: values.subject, since: instant(values.since, 'since'), until: instant(values.until, 'until'), limit };
  const db = await openDb(loadCommonConfig(env));
  try {
    for (const event of await listAuditEvents(db, filter)) io.out(JSON.stringify(event));
    return 0;
  } finally {
    await db.close();
  }
};
