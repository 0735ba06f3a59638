import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, getDevice, recordDevicePresence } from '@ioc/core';
import { createGatewayService } from '@ioc/gateway';
import { collect, connect, serviceLogin, startGatewayFixture, type GatewayFixture } from './fixture.ts';

describe('gateway device status', () => {
  let f: GatewayFixture;
  let token: string;
  beforeAll(async () => {
    f = await startGatewayFixture();
    token = await f.addDevice('air-status-1');
  });
  afterAll(() => f.close());

  /** What a subscriber arriving now sees retained on the device's status topic. */
  async function retainedStatus(): Promise<{ online: boolean; ts: number }> {
    const late = await serviceLogin(f.url, 'status-reader');
    const received = collect(late);
    await late.subscribeAsync('ioc/v1/devices/air-status-1/status', { qos: 1 });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    await late.endAsync();
    expect(received[0]?.retain).toBe(true);
    return JSON.parse(received[0]?.text ?? '') as { online: boolean; ts: number };
  }

  it('publishes a retained online status and marks the device online, then offline when it leaves', async () => {
    const before = Date.now();
    const device = await connect(f.url, { clientId: 'air-status-1', username: 'air-status-1', password: token });
    await vi.waitFor(async () => expect((await getDevice(f.db, 'air-status-1'))?.online).toBe(true));
    const online = await retainedStatus();
    expect(online.online).toBe(true);
    expect(online.ts).toBeGreaterThanOrEqual(before);
    expect((await getDevice(f.db, 'air-status-1'))?.lastSeen).toBe(online.ts);
    expect(f.gateway.health()).toMatchObject({ clients: { devices: 1 } });

    await device.endAsync();
    await vi.waitFor(async () => expect((await getDevice(f.db, 'air-status-1'))?.online).toBe(false));
    expect((await retainedStatus()).online).toBe(false);
  });

  it('keeps a device online when a new connection takes over its client id', async () => {
    const watcher = await serviceLogin(f.url, 'status-watcher');
    const seen = collect(watcher);
    await watcher.subscribeAsync('ioc/v1/devices/air-status-1/status', { qos: 1 });
    const first = await connect(f.url, { clientId: 'air-status-1', username: 'air-status-1', password: token });
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await connect(f.url, { clientId: 'air-status-1', username: 'air-status-1', password: token });
    await firstClosed;
    await vi.waitFor(() => expect(f.gateway.health()).toMatchObject({ clients: { devices: 1 } }));
    expect((await retainedStatus()).online).toBe(true);
    expect((await getDevice(f.db, 'air-status-1'))?.online).toBe(true);
    const live = seen.filter((m) => !m.retain).map((m) => (JSON.parse(m.text) as { online: boolean }).online);
    expect(live).toEqual([true, true]); // never offline in between
    await watcher.endAsync();
    first.end(true);
    await second.endAsync();
    await vi.waitFor(async () => expect((await getDevice(f.db, 'air-status-1'))?.online).toBe(false));
  });

  it('marks devices left online by a crashed run offline when a lone gateway starts', async () => {
    await f.addDevice('air-status-crashed');
    // What a gateway killed while the device was connected leaves behind.
    await recordDevicePresence(f.db, [{ id: 'air-status-crashed', online: true, lastSeen: Date.now() }]);
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const restarted = createGatewayService({ config: f.config, logger, db: f.db });
    await restarted.start();
    try {
      expect((await getDevice(f.db, 'air-status-crashed'))?.online).toBe(false);
      const warning = lines.map((line) => JSON.parse(line) as { msg: string; devices?: number }).find((l) => l.msg.includes('left online'));
      expect(warning?.devices).toBeGreaterThanOrEqual(1);
    } finally {
      await restarted.stop();
    }
  });
});
