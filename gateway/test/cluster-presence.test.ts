import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, createLogger, type Db } from '@ioc/core';
import { postgresAvailable, redisAvailable } from '@ioc/core/testing';
import { createGatewayService, type GatewayService } from '@ioc/gateway';
import { collect, connect, SERVICE_TOKEN, startClusterStores, type ClusterStores } from './fixture.ts';
import { startGatewayProcess } from './gateway-process.ts';

describe.skipIf(!redisAvailable() || !postgresAvailable())('device presence when a cluster node crashes (Redis, shared PostgreSQL)', () => {
  let stores: ClusterStores;
  let db: Db;
  let survivor: GatewayService;
  const TTL = { IOC_CLUSTER_NODE_TTL_S: '1' };

  beforeAll(async () => {
    stores = await startClusterStores(TTL);
    ({ db } = stores);
    survivor = createGatewayService({ config: stores.config, logger: createLogger({ level: 'silent' }), db });
    await survivor.start();
  }, 90_000);
  afterAll(async () => {
    await survivor?.stop();
    await stores?.close();
  });

  const online = async (id: string) => (await db.query<{ online: boolean }>('SELECT online FROM devices WHERE id = $1', [id])).rows[0]?.online;

  it('marks the devices of a killed node offline (database and retained status), except one that reconnected to another node', async () => {
    const tokens = new Map<string, string>();
    for (const id of ['air-stranded', 'air-moved']) tokens.set(id, (await createDevice(db, { id, kind: 'air' })).token);
    const crashing = await startGatewayProcess(stores.redis.url, { DATABASE_URL: stores.postgres.url, ...TTL });
    const devices = await Promise.all(
      [...tokens].map(([id, token]) => connect(crashing.url, { username: id, password: token, clientId: id, reconnectPeriod: 0 })),
    );
    await vi.waitFor(async () => expect([await online('air-stranded'), await online('air-moved')]).toEqual([true, true]));

    // A third node that never sweeps during the test (its heartbeat is long): the device that moves there is kept
    // online by the survivor's sweep only because Redis says a live node holds it.
    const third = await startGatewayProcess(stores.redis.url, { DATABASE_URL: stores.postgres.url, IOC_CLUSTER_NODE_TTL_S: '600' });
    await crashing.kill();
    for (const device of devices) device.end(true);
    const moved = await connect(third.url, { username: 'air-moved', password: tokens.get('air-moved'), clientId: 'air-moved' });

    await vi.waitFor(async () => expect(await online('air-stranded')).toBe(false), { timeout: 10_000, interval: 100 });
    const watcher = await connect(`mqtt://127.0.0.1:${survivor.port}`, { username: 'svc:watcher', password: SERVICE_TOKEN });
    const statuses = collect(watcher);
    await watcher.subscribeAsync('ioc/v1/devices/+/status', { qos: 1 });
    await vi.waitFor(() => expect(statuses.map((s) => [s.topic, JSON.parse(s.text).online]).sort()).toEqual([
      ['ioc/v1/devices/air-moved/status', true],
      ['ioc/v1/devices/air-stranded/status', false],
    ]));
    // Several sweeps later the device that came back through the survivor is still online.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await online('air-moved')).toBe(true);
    await Promise.all([moved.endAsync(), watcher.endAsync()]);
    await third.stop();
  }, 60_000);
});
