// The outbox on a real PostgreSQL: two workers share it without taking a row twice (FOR UPDATE SKIP LOCKED), and a
// notifier process killed (SIGKILL) in the middle of its deliveries, then restarted as two processes, leaves every
// notification delivered exactly once per subscriber, channel and notification, as the local providers count them.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, openDb, systemClock, type Db } from '@ioc/core';
import { postgresAvailable, startPostgres, type PostgresServer } from '@ioc/core/testing';
import { loadNotifyConfig } from '../src/notify/config.ts';
import { createNotifier } from '../src/notify/notifier.ts';
import { createSubscriber } from '../src/notify/subscribers.ts';
import { startFakeEsms, type FakeEsms, startFakeWebhook, type FakeWebhook } from '../src/testing/index.ts';
import { addRule, makeAlert, transition } from './notify-fixtures.ts';

const ESMS = { apiKey: 'esms-key', secretKey: 'esms-secret', brandname: 'IOC_HUE' };
const WEBHOOK_SECRET = 'webhook-secret-0123456789';
const SCRIPT = fileURLToPath(new URL('./notifier-process.ts', import.meta.url));
const logger = createLogger({ level: 'silent' });

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(postgresAvailable())('the outbox on PostgreSQL', () => {
  let pg: PostgresServer;
  let db: Db;
  let esms: FakeEsms;
  let hook: FakeWebhook;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await startPostgres();
    db = await openDb({ databaseUrl: pg.url, dataDir: '/nonexistent' });
    // The providers act on a request at once and answer 30 ms later: a kill lands between the two.
    esms = await startFakeEsms(ESMS, 30);
    hook = await startFakeWebhook(WEBHOOK_SECRET, 30);
    env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: pg.url,
      IOC_ESMS_URL: esms.url,
      IOC_ESMS_API_KEY: ESMS.apiKey,
      IOC_ESMS_SECRET_KEY: ESMS.secretKey,
      IOC_ESMS_BRANDNAME: ESMS.brandname,
      IOC_WEBHOOK_SECRET: WEBHOOK_SECRET,
      IOC_NOTIFY_GROUP_BY: 'deviceId',
      IOC_NOTIFY_GROUP_WAIT_S: '0',
      IOC_NOTIFY_LEASE_S: '2',
      IOC_ESMS_RATE: '0',
      IOC_WEBHOOK_RATE: '0',
    };
  }, 120_000);
  afterAll(async () => {
    await Promise.all([esms?.close(), hook?.close()]);
    await db?.close();
    await pg?.stop();
  });

  async function fireAlerts(rule: string, subscribers: number, alerts: number): Promise<void> {
    await addRule(db, rule);
    for (let i = 0; i < subscribers; i++) {
      await createSubscriber(db, { name: `${rule} ${i}`, phone: `+8490${String(1_000_000 + i).padStart(7, '0')}`, channels: ['sms', 'webhook'], webhookUrl: `${hook.url}/${rule}/${i}`, areaIds: [rule], minSeverity: 'info', language: 'vi' }, Date.now());
    }
    for (let i = 0; i < alerts; i++) await transition(db, makeAlert({ ruleId: rule, deviceId: `air-${rule}-${i}`, areaId: rule }, Date.now()), 'firing', Date.now());
  }
  const rowsOf = async (rule: string) =>
    (
      await db.query<{ channel: string; idempotency_key: string; status: string; attempts: number; subscriber_id: string; notification_id: string }>(
        `SELECT o.channel, o.idempotency_key, o.status, o.attempts, o.subscriber_id, o.notification_id FROM notification_outbox o JOIN subscribers s ON s.id = o.subscriber_id WHERE $1 = ANY(s.area_ids)`,
        [rule],
      )
    ).rows;
  const pending = async (rule: string) => (await rowsOf(rule)).filter((r) => r.status === 'queued').length;

  it('two workers on one outbox: every row claimed once, each provider request made once', async () => {
    await fireAlerts('two', 20, 10);
    const sentBefore = { sms: esms.requests, hook: hook.requests };
    const dbs = [await openDb({ databaseUrl: pg.url, dataDir: '/nonexistent' }), await openDb({ databaseUrl: pg.url, dataDir: '/nonexistent' })];
    const config = loadNotifyConfig(env);
    const notifiers = dbs.map((d) => createNotifier({ db: d, config, logger, clock: systemClock, tickMs: 50, pollMs: 20 }));
    await Promise.all(notifiers.map((n) => n.start()));
    await waitFor('400 rows sent', async () => (await rowsOf('two')).length === 400 && (await pending('two')) === 0);
    await Promise.all(notifiers.map((n) => n.stop()));
    await Promise.all(dbs.map((d) => d.close()));
    const rows = await rowsOf('two');
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    expect(esms.requests - sentBefore.sms).toBe(200);
    expect(hook.requests - sentBefore.hook).toBe(200);
  }, 180_000);

  it('a notifier killed mid-delivery and restarted (as two processes) delivers every notification exactly once', async () => {
    const smsBefore = esms.messages.length;
    const requestsBefore = esms.requests + hook.requests;
    const hookBefore = hook.deliveries.length;
    await fireAlerts('kill', 30, 10);
    const spawnNotifier = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      return { child, output: () => output };
    };
    const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));

    const first = spawnNotifier();
    await waitFor('the first notifier to send 150 messages', () => esms.messages.length + hook.deliveries.length - smsBefore - hookBefore >= 150, 120_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${first.output()}`);
    });
    // The providers take the next requests (the phones get them) but keep their answers: the kill lands mid-delivery.
    esms.hold();
    hook.hold();
    const held = esms.requests + hook.requests;
    await waitFor('requests in flight', () => esms.requests + hook.requests > held);
    first.child.kill('SIGKILL');
    await exited(first.child);
    esms.release();
    hook.release();
    const atKill = (await rowsOf('kill')).filter((r) => r.status !== 'queued').length;
    expect(await pending('kill')).toBeGreaterThan(0);

    const restarted = [spawnNotifier(), spawnNotifier()];
    try {
      await waitFor('every row sent after the restart', async () => (await rowsOf('kill')).length === 600 && (await pending('kill')) === 0, 150_000);
    } finally {
      for (const r of restarted) r.child.kill('SIGTERM');
      await Promise.all(restarted.map((r) => exited(r.child)));
    }
    const rows = await rowsOf('kill');
    expect(atKill).toBeLessThan(600);
    // Rows in flight at the kill were sent again with their keys, and the providers answered them as duplicates.
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    expect(esms.requests + hook.requests - requestsBefore).toBeGreaterThan(600);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    // One row per subscriber × channel × notification, and the provider got each row's message once.
    expect(new Set(rows.map((r) => `${r.subscriber_id}/${r.channel}/${r.notification_id}`)).size).toBe(600);
    const sms = esms.messages.slice(smsBefore);
    const hooks = hook.deliveries.slice(hookBefore);
    expect(sms).toHaveLength(300);
    expect(hooks).toHaveLength(300);
    expect(new Set(sms.map((m) => m.requestId))).toEqual(new Set(rows.filter((r) => r.channel === 'sms').map((r) => r.idempotency_key)));
    expect(new Set(hooks.map((d) => d.key))).toEqual(new Set(rows.filter((r) => r.channel === 'webhook').map((r) => r.idempotency_key)));
  }, 300_000);
});
