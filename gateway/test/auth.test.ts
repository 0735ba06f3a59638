import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ioc/core';
import { createGatewayService } from '@ioc/gateway';
import { connect, serviceLogin, startGatewayFixture, type GatewayFixture } from './fixture.ts';

describe('gateway logins', () => {
  let f: GatewayFixture;
  let token: string;
  beforeAll(async () => {
    f = await startGatewayFixture();
    token = await f.addDevice('air-auth-1');
  });
  afterAll(() => f.close());

  it('lets a device in with its token', async () => {
    const client = await connect(f.url, { clientId: 'air-auth-1', username: 'air-auth-1', password: token });
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('refuses a wrong token with "bad user name or password" and logs who tried', async () => {
    await expect(connect(f.url, { clientId: 'intruder-1', username: 'air-auth-1', password: 'not-the-token' })).rejects.toThrow(
      /bad username or password/i,
    );
    const line = f.logLines().find((l) => l.clientId === 'intruder-1');
    expect(line).toMatchObject({ msg: 'MQTT login refused', username: 'air-auth-1', reason: 'wrong token' });
    expect(line?.remoteAddress).toMatch(/127\.0\.0\.1:\d+$/);
  });

  it('refuses an unknown device and a username that cannot be a device id', async () => {
    await expect(connect(f.url, { username: 'no-such-device', password: token })).rejects.toThrow(/bad username or password/i);
    await expect(connect(f.url, { username: 'a/b#', password: token })).rejects.toThrow(/bad username or password/i);
    await expect(connect(f.url, {})).rejects.toThrow(/bad username or password/i);
  });

  it('keeps refusing a device once it is disabled (after the credential cache re-reads)', async () => {
    const disabledToken = await f.addDevice('air-auth-off');
    await f.db.query('UPDATE devices SET enabled = false WHERE id = $1', ['air-auth-off']);
    await expect(connect(f.url, { username: 'air-auth-off', password: disabledToken })).rejects.toThrow(/bad username or password/i);
  });

  it('lets a service in with the service token and refuses a wrong one', async () => {
    const service = await serviceLogin(f.url, 'auth-test');
    expect(service.connected).toBe(true);
    await service.endAsync();
    await expect(connect(f.url, { username: 'svc:auth-test', password: 'wrong-service-token-000' })).rejects.toThrow(
      /bad username or password/i,
    );
  });

  it('counts the refusals in health()', () => {
    expect(f.gateway.health()).toMatchObject({ status: 'ok', authFailures: 6 });
  });

  it('refuses every service login when no service token is configured', async () => {
    const gateway = createGatewayService({ config: { ...f.config, serviceToken: undefined }, logger: createLogger({ level: 'silent' }), db: f.db });
    await gateway.start();
    try {
      await expect(connect(`mqtt://127.0.0.1:${gateway.port}`, { username: 'svc:any', password: '' })).rejects.toThrow(
        /bad username or password/i,
      );
    } finally {
      await gateway.stop();
    }
  });
});
