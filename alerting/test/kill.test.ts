// A real restart: the alerting service runs as its own `ioc start alerting` process on PostgreSQL and is killed with
// SIGKILL while a condition is pending; readings published while it is dead are kept by its session. Started again,
// it fires the pending condition on time, evaluates what it missed, and opens no alert twice.
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDevice, createLogger, createMqttConnect, openDb, serviceHealthTopic, type Db } from '@ioc/core';
import { postgresAvailable, startPostgres, tempDir, type PostgresServer } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createAlertRules, listAlerts, publishRuleChange } from '../src/index.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/ioc.js', import.meta.url));
const TOKEN = 'alerting-kill-test-service-token';
const logger = createLogger({ level: 'silent' });
const WAIT = { timeout: 30_000, interval: 100 };

(postgresAvailable() ? describe : describe.skip)('the alerting service killed with SIGKILL and started again', () => {
  const dir = tempDir('ioc-alerting-kill-');
  let postgres: PostgresServer;
  let db: Db;
  let gateway: GatewayService;
  let url: string;
  let listener: MqttClient;
  const devices: MqttClient[] = [];
  let child: ChildProcess | undefined;
  let output = '';
  /** The health the service last published (its beacon starts once the service has started). */
  let health: { status: string; ts: number } | undefined;

  function startAlerting(): ChildProcess {
    health = undefined;
    const env = { PATH: process.env.PATH ?? '', IOC_DATA_DIR: dir.path, DATABASE_URL: postgres.url, MQTT_URL: url, IOC_SERVICE_TOKEN: TOKEN, IOC_ALERT_EVAL_INTERVAL_S: '1', IOC_LOG_LEVEL: 'warn' };
    const started = spawn(process.execPath, [BIN, 'start', 'alerting'], { env });
    started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return started;
  }

  async function kill(): Promise<void> {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }

  const conditions = async () => (await db.query<{ fingerprint: string; status: string }>('SELECT fingerprint, status FROM alert_conditions ORDER BY fingerprint')).rows;

  beforeAll(async () => {
    postgres = await startPostgres();
    db = await openDb({ databaseUrl: postgres.url, dataDir: dir.path });
    gateway = createGatewayService({ config: loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: TOKEN, IOC_DATA_DIR: dir.path }), logger, db });
    await gateway.start();
    url = `mqtt://127.0.0.1:${gateway.port}`;
    listener = await mqtt.connectAsync(url, { clientId: 'svc:kill-test/listener', username: 'svc:kill-test', password: TOKEN, reconnectPeriod: 0 });
    listener.on('message', (_topic, payload) => payload.length > 0 && (health = JSON.parse(payload.toString()) as { status: string; ts: number }));
    await listener.subscribeAsync(serviceHealthTopic('alerting'), { qos: 1 });
    for (const id of ['air-kill-1', 'air-kill-2']) {
      const { token } = await createDevice(db, { id, kind: 'air', areaId: '19753' });
      devices.push(await mqtt.connectAsync(url, { clientId: id, username: id, password: token, reconnectPeriod: 0 }));
    }
  }, 120_000);

  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(output.slice(-4000))));

  afterAll(async () => {
    await kill();
    for (const client of [...devices, listener]) await client?.endAsync();
    await gateway?.stop();
    await db?.close();
    await postgres?.stop();
    dir.remove();
  });

  it('keeps the pending condition and the session across the kill, and opens each alert once', async () => {
    const rules = createAlertRules({ db, clock: { now: () => Date.now() }, logger, announce: async (change) => publishRuleChange(listener, change) });
    const fast = await rules.create({ name: 'PM2.5 very high', type: 'threshold', metric: 'pm25', above: 100, severity: 'critical' }, { actor: 'user:test' });
    const slow = await rules.create({ name: 'PM2.5 high for 4 s', type: 'threshold', metric: 'pm25', above: 50, forS: 4, severity: 'minor' }, { actor: 'user:test' });
    child = startAlerting();
    await vi.waitFor(() => expect(health?.status).toMatch(/ok|degraded/), WAIT);

    const [one, two] = devices as [MqttClient, MqttClient];
    const pendingSince = Date.now();
    await one.publishAsync('ioc/v1/devices/air-kill-1/telemetry', JSON.stringify({ metrics: { pm25: 150 } }), { qos: 1 });
    await vi.waitFor(async () => expect(await conditions()).toEqual([
      { fingerprint: `${fast.id}:device:air-kill-1`, status: 'firing' },
      { fingerprint: `${slow.id}:device:air-kill-1`, status: 'pending' },
    ].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint))), WAIT);
    await kill();

    // While it is dead: a new condition, kept for its session by the gateway.
    await two.publishAsync('ioc/v1/devices/air-kill-2/telemetry', JSON.stringify({ metrics: { pm25: 140 } }), { qos: 1 });
    expect((await listAlerts(db)).map((a) => a.deviceId)).toEqual(['air-kill-1']);

    child = startAlerting();
    await vi.waitFor(async () => expect(await listAlerts(db, { ruleId: fast.id })).toHaveLength(2), WAIT);
    await vi.waitFor(async () => expect(await listAlerts(db, { ruleId: slow.id })).toHaveLength(2), WAIT);
    const slowOne = (await listAlerts(db, { ruleId: slow.id })).find((a) => a.deviceId === 'air-kill-1')!;
    // Its 4 s ran from before the kill, not from the restart.
    expect(slowOne.startsAt).toBeGreaterThanOrEqual(pendingSince + 4000);
    const alerts = await listAlerts(db);
    expect(alerts).toHaveLength(4);
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(4);
    expect(alerts.every((a) => a.state === 'firing')).toBe(true);
    expect((await conditions()).map((c) => c.status)).toEqual(['firing', 'firing', 'firing', 'firing']);
  });
});
