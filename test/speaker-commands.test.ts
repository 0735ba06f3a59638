// The command path end to end with the simulated loudspeaker: a radio user's command goes from the API through the
// real gateway to the device-sim speaker, whose contract ack settles it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createMqttConnect, createSqlTelemetryStore, generateToken, loadCommonConfig, openDb, upsertUser, type Db } from '@ioc/core';
import type { CommandRecord } from '@ioc/core/contracts';
import { tempDir } from '@ioc/core/testing';
import { createDashboardService, loadDashboardConfig, type DashboardService } from '@ioc/dashboard';
import { buildFleet, createDeviceSimService, DEFAULT_INTERVALS_MS, loadSimConfig, type DeviceSimService } from '@ioc/device-sim';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';

describe('device commands to the simulated loudspeaker', () => {
  const dir = tempDir('ioc-speaker-commands-');
  const logger = createLogger({ level: 'silent' });
  const fleet = buildFleet({ name: 't', seed: 1, areas: ['19753'], perArea: { speaker: 1 }, intervalsMs: DEFAULT_INTERVALS_MS });
  const speaker = fleet[0]!.id;
  let db: Db;
  let gateway: GatewayService;
  let dashboard: DashboardService;
  let sim: DeviceSimService;
  let base: string;
  let cookie: string;

  beforeAll(async () => {
    const env = { IOC_DATA_DIR: dir.path, IOC_MQTT_PORT: '0', IOC_HTTP_PORT: '0', IOC_SERVICE_TOKEN: generateToken(), IOC_LOG_LEVEL: 'silent' };
    db = await openDb(loadCommonConfig(env));
    gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
    await gateway.start();
    // The other services find the bus on the gateway's bound port.
    const onBus = { ...env, MQTT_URL: `mqtt://127.0.0.1:${gateway.port}` };
    const config = loadDashboardConfig(onBus);
    dashboard = createDashboardService({ config, logger, db, telemetry: createSqlTelemetryStore(db), mqttConnect: createMqttConnect(config), host: '127.0.0.1' });
    await dashboard.start();
    base = `http://127.0.0.1:${dashboard.port}`;
    sim = createDeviceSimService({ config: loadSimConfig(onBus), logger, db, fleet, ffmpegPath: '/nonexistent/ffmpeg' });
    await sim.start();
    await upsertUser(db, 'dj', 'radio-password-1', 'radio');
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dj', password: 'radio-password-1' }) });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  });

  afterAll(async () => {
    await sim?.stop();
    await dashboard?.stop();
    await gateway?.stop();
    await db?.close();
    dir.remove();
  });

  async function settled(body: unknown): Promise<CommandRecord> {
    const sent = await fetch(`${base}/api/devices/${speaker}/commands`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
    expect(sent.status).toBe(201);
    const { id } = (await sent.json()) as CommandRecord;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const list = (await (await fetch(`${base}/api/devices/${speaker}/commands`, { headers: { cookie } })).json()) as { items: CommandRecord[] };
      const record = list.items.find((c) => c.id === id);
      if (record && record.status !== 'sent') return record;
      if (Date.now() > deadline) throw new Error(`no ack for ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('is acked by the speaker: a volume change, and a stop while idle with its remark', async () => {
    expect(await settled({ type: 'volume', args: { level: 35 } })).toMatchObject({ status: 'acked', detail: null, createdBy: 'user:dj' });
    expect(await settled({ type: 'stop' })).toMatchObject({ status: 'acked', detail: 'idle' });
  });
});
