import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHealthBeacon, createMqttConnect, systemClock, type Db, type MqttConnect } from '@ioc/core';
import { serviceHealthTopic } from '@ioc/core/contracts';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createServiceHealthView, type ServiceHealthView } from '../server/live/service-health.ts';
import { logger, openStores } from './helpers.ts';

describe('the dashboard\'s view of service health on the bus, through the real gateway', () => {
  const dir = tempDir('ioc-dash-health-');
  let db: Db;
  let gateway: GatewayService;
  let mqttConnect: MqttConnect;
  let view: ServiceHealthView;
  const health = (name: string) => view.services()[name];

  beforeAll(async () => {
    ({ db } = await openStores());
    const config = loadGatewayConfig({ IOC_DATA_DIR: dir.path, IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: 'service-token-for-tests-0123456789', IOC_LOG_LEVEL: 'silent' });
    gateway = createGatewayService({ config, logger, db });
    await gateway.start();
    mqttConnect = createMqttConnect({ ...config, mqttUrl: `mqtt://127.0.0.1:${gateway.port}` });
    view = createServiceHealthView({ mqttConnect, clock: systemClock, logger });
    await view.start();
  });

  afterAll(async () => {
    await view?.stop();
    await gateway?.stop();
    await db?.close();
    dir.remove();
  });

  it('hears the gateway\'s own health and a service\'s beacon, which its stop turns down "stopped"', async () => {
    await expect.poll(() => health('gateway')).toMatchObject({ status: 'ok', port: gateway.port, ts: expect.any(Number) });
    const beacon = await connectHealthBeacon({ name: 'probe', health: () => ({ status: 'degraded', pending: 3 }), mqttConnect, clock: systemClock, logger });
    await expect.poll(() => health('probe')).toMatchObject({ status: 'degraded', pending: 3, ts: expect.any(Number) });
    await beacon.stop();
    await expect.poll(() => health('probe')).toMatchObject({ status: 'down', reason: 'stopped' });
  });

  it('publishes a health() that throws as down with its message', async () => {
    const beacon = await connectHealthBeacon({
      name: 'broken',
      health: () => {
        throw new Error('store unreachable');
      },
      mqttConnect,
      clock: systemClock,
      logger,
    });
    await expect.poll(() => health('broken')).toMatchObject({ status: 'down', reason: 'store unreachable' });
    await beacon.stop();
  });

  it('shows an invalid health down with the field at fault, a stale one down, and forgets a cleared one', async () => {
    const client = await mqttConnect('tester');
    try {
      await client.publishAsync(serviceHealthTopic('bad'), '{"status":"fine","ts":1}', { qos: 1, retain: true });
      await expect.poll(() => health('bad')).toMatchObject({ status: 'down', reason: 'invalid health: "status" must be one of "ok", "degraded", "down"' });
      await client.publishAsync(serviceHealthTopic('old'), JSON.stringify({ status: 'ok', ts: Date.now() - 20_000 }), { qos: 1, retain: true });
      await expect.poll(() => health('old')).toMatchObject({ status: 'down', reason: expect.stringMatching(/^no health for 2\d s$/) });
      await client.publishAsync(serviceHealthTopic('bad'), '', { qos: 1, retain: true });
      await expect.poll(() => 'bad' in view.services()).toBe(false);
    } finally {
      await client.endAsync();
    }
  });

  it('shows the gateway down while it has no connection to the bus', async () => {
    await gateway.stop();
    await expect.poll(() => health('gateway')).toEqual({ status: 'down', reason: 'the dashboard has no connection to the bus' });
    expect(view.connected).toBe(false);
  });
});
