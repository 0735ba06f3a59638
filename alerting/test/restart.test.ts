// A restart of the alerting service neither loses nor repeats an alert: its conditions (pending, firing) are in the
// database with their alerts, and its persistent session keeps what is published while it is away. On PGlite, and on
// PostgreSQL when the Debian server is installed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDb, type Db } from '@ioc/core';
import { postgresAvailable, startPostgres, type PostgresServer } from '@ioc/core/testing';
import { listAlerts } from '../src/index.ts';
import { startAlertingStack, type AlertingStack } from './stack.ts';

const WAIT = { timeout: 15_000, interval: 20 };
const BY = { actor: 'user:test' };

function restartSuite(name: string, openDb: () => Promise<{ db?: Db; close(): Promise<void> }>) {
  describe(`a restart of the service (${name})`, () => {
    let s: AlertingStack;
    let store: { db?: Db; close(): Promise<void> };
    beforeAll(async () => {
      store = await openDb();
      s = await startAlertingStack({ db: store.db });
    });
    afterAll(async () => {
      await s.stop();
      await store.close();
    });

    it('keeps pending and firing conditions, evaluates what arrived meanwhile, and opens no alert twice', async () => {
      const slow = await s.rules.create({ name: 'PM2.5 for two minutes', type: 'threshold', metric: 'pm25', above: 50, clearBelow: 40, forS: 120, severity: 'minor' }, BY);
      const fast = await s.rules.create({ name: 'PM2.5 very high', type: 'threshold', metric: 'pm25', above: 100, clearBelow: 80, severity: 'critical' }, BY);
      await s.startAlerting();
      const one = await s.device({ id: 'air-rs-1', kind: 'air', areaId: '19753' });
      const two = await s.device({ id: 'air-rs-2', kind: 'air', areaId: '19753' });
      await s.read(one, { pm25: 150 });
      expect(await listAlerts(s.db, { ruleId: fast.id })).toHaveLength(1);
      expect(await listAlerts(s.db, { ruleId: slow.id })).toHaveLength(0);

      await s.stopAlerting();
      s.clock.advance(60_000);
      await s.read(one, { pm25: 160 }); // the same condition: no second alert
      await s.read(two, { pm25: 130 }); // a new one, published while the service is away
      s.clock.advance(61_000); // the slow rule's two minutes have passed for air-rs-1
      await s.startAlerting();

      await vi.waitFor(async () => expect(await listAlerts(s.db, { ruleId: fast.id })).toHaveLength(2), WAIT);
      await vi.waitFor(async () => expect(await listAlerts(s.db, { ruleId: slow.id })).toHaveLength(1), WAIT);
      expect((await listAlerts(s.db, { ruleId: slow.id }))[0]).toMatchObject({ deviceId: 'air-rs-1', state: 'firing' });
      expect((await listAlerts(s.db, { ruleId: fast.id })).map((a) => [a.deviceId, a.state]).sort()).toEqual([['air-rs-1', 'firing'], ['air-rs-2', 'firing']]);
      // air-rs-2's reading was evaluated after the restart: its two minutes run from then.
      s.clock.advance(121_000);
      await vi.waitFor(async () => expect(await listAlerts(s.db, { ruleId: slow.id })).toHaveLength(2), WAIT);

      // Another restart with everything firing: the bus gets each open alert again, and nothing is opened twice.
      await s.stopAlerting();
      const heard = s.messages.length;
      await s.startAlerting();
      await vi.waitFor(() => expect(s.messages.length).toBeGreaterThanOrEqual(heard + 4), WAIT);
      await s.read(one, { pm25: 170 });
      await s.read(two, { pm25: 170 });
      expect(await listAlerts(s.db)).toHaveLength(4);
      await s.read(one, { pm25: 10 });
      await s.read(two, { pm25: 10 });
      expect((await listAlerts(s.db)).map((a) => a.state)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
      expect((await s.db.query('SELECT * FROM alert_conditions')).rows).toEqual([]);
    });
  });
}

restartSuite('PGlite', async () => ({ close: async () => {} }));

const pg = postgresAvailable();
let server: PostgresServer | undefined;
afterAll(async () => server?.stop());
(pg ? restartSuite : describe.skip)('PostgreSQL', async () => {
  server = await startPostgres();
  const db = await openDb({ databaseUrl: server.url, dataDir: '/nonexistent' });
  return { db, close: () => db.close() };
});
