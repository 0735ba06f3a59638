// Two dashboards behind one address (REDIS_URL): a browser on either sees the same live feed, each event once.
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, createMqttConnect, deviceTopic, upsertUser, type Db } from '@ioc/core';
import type { CommandRecord } from '@ioc/core/contracts';
import { redisAvailable, startRedis, tempDir, type RedisServer } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createDashboardService, loadDashboardConfig, type DashboardService } from '../server/index.ts';
import type { LiveEvents } from '../server/live/live-events.ts';
import { logger, openStores } from './helpers.ts';

type Telemetry = Parameters<LiveEvents['telemetry']>[0];

describe.skipIf(!redisAvailable())('live feed shared by two dashboard processes through Redis', () => {
  const dir = tempDir('ioc-dash-cluster-');
  let redis: RedisServer;
  let db: Db;
  let gateway: GatewayService;
  const dashboards: Record<'a' | 'b', { service: DashboardService; base: string; socket: Socket; telemetry: Telemetry[]; commands: CommandRecord[] }> = {} as never;
  let cookie: string;
  let device: mqtt.MqttClient;
  let sensor: mqtt.MqttClient;

  beforeAll(async () => {
    redis = await startRedis();
    const stores = await openStores();
    db = stores.db;
    const env = { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: 'service-token-for-tests-0123456789', IOC_LOG_LEVEL: 'silent' };
    gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
    await gateway.start();
    const brokerUrl = `mqtt://127.0.0.1:${gateway.port}`;
    const speakerToken = (await createDevice(db, { id: 'spk-cluster-1', kind: 'speaker' })).token;
    const airToken = (await createDevice(db, { id: 'air-cluster-1', kind: 'air' })).token;
    await upsertUser(db, 'operator-user', 'operator-password-1', 'operator');
    for (const instance of ['a', 'b'] as const) {
      const config = loadDashboardConfig({ ...env, REDIS_URL: redis.url, IOC_DASHBOARD_INSTANCE: instance });
      const mqttConnect = createMqttConnect({ ...config, mqttUrl: brokerUrl });
      const service = createDashboardService({ config, logger, db, telemetry: stores.telemetry, mqttConnect, host: '127.0.0.1' });
      await service.start();
      dashboards[instance] = { service, base: `http://127.0.0.1:${service.port}`, socket: undefined as never, telemetry: [], commands: [] };
    }
    // One sign-in: the sessions are in the shared database, so the cookie opens a socket on either dashboard.
    const login = await fetch(`${dashboards.a.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator-user', password: 'operator-password-1' }),
    });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    for (const dashboard of Object.values(dashboards)) {
      const socket = connectSocket(dashboard.base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
      socket.on('telemetry', (event: Telemetry) => dashboard.telemetry.push(event));
      socket.on('command', (record: CommandRecord) => dashboard.commands.push(record));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      dashboard.socket = socket;
    }
    // The loudspeaker acknowledges every command it gets.
    device = await mqtt.connectAsync(brokerUrl, { clientId: 'spk-cluster-1', username: 'spk-cluster-1', password: speakerToken, reconnectPeriod: 0 });
    device.on('message', (_topic, payload) => {
      const { id } = JSON.parse(payload.toString()) as { id: string };
      void device.publishAsync(deviceTopic('spk-cluster-1', 'ack'), JSON.stringify({ id, status: 'ok' }), { qos: 1 });
    });
    await device.subscribeAsync(deviceTopic('spk-cluster-1', 'cmd'), { qos: 1 });
    sensor = await mqtt.connectAsync(brokerUrl, { clientId: 'air-cluster-1', username: 'air-cluster-1', password: airToken, reconnectPeriod: 0 });
  });

  afterAll(async () => {
    for (const dashboard of Object.values(dashboards)) dashboard.socket?.close();
    await device?.endAsync();
    await sensor?.endAsync();
    for (const dashboard of Object.values(dashboards)) await dashboard.service.stop();
    await gateway?.stop();
    await db?.close();
    await redis?.stop();
    dir.remove();
  });

  async function sendVolume(through: 'a' | 'b', level: number): Promise<CommandRecord> {
    const response = await fetch(`${dashboards[through].base}/api/devices/spk-cluster-1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ type: 'volume', args: { level } }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as CommandRecord;
  }

  /** The command's states as one dashboard's browser saw them, in order. */
  const statesOf = (instance: 'a' | 'b', id: string) => dashboards[instance].commands.filter((record) => record.id === id).map((record) => record.status);

  it('a command sent through one dashboard, and its ack, reach the browsers of both, each state once', async () => {
    const first = await sendVolume('a', 30);
    await vi.waitFor(() => {
      expect(statesOf('a', first.id)).toEqual(['sent', 'acked']);
      expect(statesOf('b', first.id)).toEqual(['sent', 'acked']);
    }, 30_000);
    const second = await sendVolume('b', 40);
    await vi.waitFor(() => {
      expect(statesOf('a', second.id)).toEqual(['sent', 'acked']);
      expect(statesOf('b', second.id)).toEqual(['sent', 'acked']);
    }, 30_000);
    // Redis keeps each publisher's order: a repeat of the first command's states would have come before the second's.
    expect(statesOf('a', first.id)).toEqual(['sent', 'acked']);
    expect(statesOf('b', first.id)).toEqual(['sent', 'acked']);
  });

  it("a device's reading reaches the browsers of both once: each dashboard hears the bus and tells only its own", async () => {
    await sensor.publishAsync(deviceTopic('air-cluster-1', 'telemetry'), JSON.stringify({ metrics: { pm25: 41.5 } }), { qos: 1 });
    const reading = (instance: 'a' | 'b') => dashboards[instance].telemetry.filter((event) => event.deviceId === 'air-cluster-1');
    await vi.waitFor(() => {
      expect(reading('a').map((event) => event.metrics.pm25)).toEqual([41.5]);
      expect(reading('b').map((event) => event.metrics.pm25)).toEqual([41.5]);
    }, 30_000);
    // A command from each dashboard after it: had either also sent the reading through Redis, the copy would have
    // reached the other's browser before that command's states (one Redis connection per publisher, in order).
    for (const through of ['a', 'b'] as const) {
      const marker = await sendVolume(through, 50);
      await vi.waitFor(() => expect([statesOf('a', marker.id), statesOf('b', marker.id)]).toEqual([['sent', 'acked'], ['sent', 'acked']]), 30_000);
    }
    expect(reading('a')).toHaveLength(1);
    expect(reading('b')).toHaveLength(1);
  });

  it('each dashboard answers its health under its own name, its bus connections all up', async () => {
    for (const instance of ['a', 'b'] as const) {
      const response = await fetch(`${dashboards[instance].base}/api/health`);
      const { services } = (await response.json()) as { services: Record<string, { status: string }> };
      expect(services[`dashboard-${instance}`]?.status).toBe('ok');
      expect(dashboards[instance].service.name).toBe(`dashboard-${instance}`);
    }
    expect(dashboards.a.service.health()).toMatchObject({ status: 'ok', mqtt: 'connected' });
    expect(dashboards.b.service.health()).toMatchObject({ status: 'ok', mqtt: 'connected' });
  });
});
