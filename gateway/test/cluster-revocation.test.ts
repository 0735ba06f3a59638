import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceCredentialChange, createDevice, createLogger, createMqttConnect, revokeDeviceToken, type Db } from '@ioc/core';
import { postgresAvailable, redisAvailable } from '@ioc/core/testing';
import { createGatewayService, type GatewayService } from '@ioc/gateway';
import { connect, SERVICE_TOKEN, startClusterStores, type ClusterStores } from './fixture.ts';

describe.skipIf(!redisAvailable() || !postgresAvailable())('revocation across a gateway cluster (Redis, shared PostgreSQL)', () => {
  let stores: ClusterStores;
  let db: Db;
  let nodes: GatewayService[] = [];

  beforeAll(async () => {
    stores = await startClusterStores();
    ({ db } = stores);
    const logger = createLogger({ level: 'silent' });
    nodes = [createGatewayService({ config: stores.config, logger, db }), createGatewayService({ config: stores.config, logger, db })];
    for (const node of nodes) await node.start();
  }, 90_000);
  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await stores?.close();
  });

  it('disconnects a device on one node when its revocation is announced on the other', async () => {
    const [a, b] = nodes as [GatewayService, GatewayService];
    const { token } = await createDevice(db, { id: 'air-clustered', kind: 'air' });
    const device = await connect(`mqtt://127.0.0.1:${b.port}`, { username: 'air-clustered', password: token });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    await revokeDeviceToken(db, 'air-clustered');
    const viaA = createMqttConnect({ mqttUrl: `mqtt://127.0.0.1:${a.port}`, serviceToken: SERVICE_TOKEN });
    await announceCredentialChange(viaA, 'cluster-test', { username: 'air-clustered', change: 'revoked', ts: Date.now() });
    await closed;
    await expect(connect(`mqtt://127.0.0.1:${b.port}`, { username: 'air-clustered', password: token })).rejects.toThrow(
      /bad username or password/i,
    );
    expect(b.health()).toMatchObject({ clients: { devices: 0 } });
  });
});
