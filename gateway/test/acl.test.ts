import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listDeadLetters } from '@ioc/core';
import { collect, connect, serviceLogin, subscribeGranted, startGatewayFixture, type GatewayFixture } from './fixture.ts';

describe('gateway topic ACL', () => {
  let f: GatewayFixture;
  let tokenA: string;
  beforeAll(async () => {
    f = await startGatewayFixture();
    tokenA = await f.addDevice('air-acl-a');
    await f.addDevice('air-acl-b');
  });
  afterAll(() => f.close());

  it('delivers a device publish on its own topic, refuses one into another device\'s topic and keeps it as a dead letter', async () => {
    const service = await serviceLogin(f.url, 'acl-watcher');
    const received = collect(service);
    await service.subscribeAsync('ioc/v1/devices/+/telemetry', { qos: 1 });
    const device = await connect(f.url, { clientId: 'air-acl-a', username: 'air-acl-a', password: tokenA });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));

    await device.publishAsync('ioc/v1/devices/air-acl-a/telemetry', '{"metrics":{"pm25":1}}', { qos: 1 });
    device.publish('ioc/v1/devices/air-acl-b/telemetry', '{"metrics":{"pm25":666}}', { qos: 0 });
    await closed; // aedes disconnects a client whose publish is refused (MQTT 3.1.1 has no negative PUBACK)

    await vi.waitFor(async () => {
      const letters = await listDeadLetters(f.db, { deviceId: 'air-acl-a' });
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        topic: 'ioc/v1/devices/air-acl-b/telemetry',
        payload: '{"metrics":{"pm25":666}}',
        reason: 'not authorised: device "air-acl-a" may not publish to "ioc/v1/devices/air-acl-b/telemetry"',
      });
    });
    await service.publishAsync('ioc/v1/devices/air-acl-b/telemetry', 'sentinel', { qos: 1 });
    await vi.waitFor(() => expect(received.map((m) => m.text)).toContain('sentinel'));
    expect(received.map((m) => m.text)).toEqual(['{"metrics":{"pm25":1}}', 'sentinel']);
    expect(f.gateway.health()).toMatchObject({ refused: { publishes: 1 } });
    device.end(true);
    await service.endAsync();
  });

  it('refuses device publishes to status, cmd and topics outside its tree', async () => {
    for (const topic of ['ioc/v1/devices/air-acl-a/status', 'ioc/v1/devices/air-acl-a/cmd', 'ioc/v1/anomalies', 'other/x']) {
      const device = await connect(f.url, { username: 'air-acl-a', password: tokenA });
      const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
      device.publish(topic, '{}');
      await closed;
      device.end(true);
    }
    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { deviceId: 'air-acl-a' })).toHaveLength(5));
  });

  it('grants a device its own cmd topic and answers 128 for wildcards and other devices, without disconnecting', async () => {
    const device = await connect(f.url, { username: 'air-acl-a', password: tokenA });
    const granted = await subscribeGranted(device, [
      'ioc/v1/devices/air-acl-a/cmd',
      '#',
      'ioc/v1/devices/+/cmd',
      'ioc/v1/devices/air-acl-b/cmd',
      'ioc/v1/devices/air-acl-a/#',
    ]);
    expect(granted).toEqual([1, 128, 128, 128, 128]);
    expect(device.connected).toBe(true);

    const received = collect(device);
    const service = await serviceLogin(f.url, 'acl-commander');
    await service.publishAsync('ioc/v1/devices/air-acl-b/cmd', '{"id":"1","type":"stop"}', { qos: 1 });
    await service.publishAsync('ioc/v1/devices/air-acl-a/cmd', '{"id":"2","type":"stop"}', { qos: 1 });
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]).toMatchObject({ topic: 'ioc/v1/devices/air-acl-a/cmd', text: '{"id":"2","type":"stop"}' });
    await device.endAsync();
    await service.endAsync();
  });

  it('alert states: the alerting service publishes them retained, dashboards (services) read them, a device may not forge one', async () => {
    const alerting = await serviceLogin(f.url, 'alerting');
    await alerting.publishAsync('ioc/v1/alerts/acl-alert', '{"state":"firing"}', { qos: 1, retain: true });
    const dashboard = await serviceLogin(f.url, 'dashboard-alerts');
    const received = collect(dashboard);
    expect(await subscribeGranted(dashboard, ['ioc/v1/alerts/+'])).toEqual([1]);
    await vi.waitFor(() => expect(received).toEqual([expect.objectContaining({ topic: 'ioc/v1/alerts/acl-alert', text: '{"state":"firing"}' })]));
    const before = (await listDeadLetters(f.db, { deviceId: 'air-acl-a' })).length;
    const device = await connect(f.url, { username: 'air-acl-a', password: tokenA });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('ioc/v1/alerts/acl-alert', '{"state":"resolved"}', { qos: 1, retain: true });
    await closed;
    device.end(true);
    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { deviceId: 'air-acl-a' })).toHaveLength(before + 1));
    expect(received).toHaveLength(1);
    await alerting.endAsync();
    await dashboard.endAsync();
  });

  it('lets services subscribe to anything, $SYS included', async () => {
    const service = await serviceLogin(f.url, 'acl-sub');
    expect(await subscribeGranted(service, ['ioc/#', 'ioc/v1/devices/+/cmd', '#', '$SYS/#', 'frigate/#'])).toEqual([1, 1, 1, 1, 1]);
    await service.endAsync();
  });
});
