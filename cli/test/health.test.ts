import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HEALTH_INTERVAL_MS, HEALTH_STALE_MS } from '@ioc/core/contracts';
import { freePort, postgresAvailable, startPostgres, tempDir, type PostgresServer } from '@ioc/core/testing';
import { spawnIoc, type IocProcess } from './run-ioc.ts';

interface HealthBody {
  status: string;
  services: Record<string, { status: string; reason?: string; ts?: number }>;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<void> {
  return vi.waitFor(
    () =>
      new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      }),
    { timeout: 60_000, interval: 200 },
  );
}

describe.skipIf(!postgresAvailable())('service health on the bus: each service its own `ioc start` process on PostgreSQL', () => {
  const dir = tempDir('ioc-health-');
  const processes = new Map<string, IocProcess>();
  let postgres: PostgresServer;
  let healthUrl: string;

  let cookie: string | undefined;
  /** Signs in as admin: anonymous callers see each part's status only, the reasons and details need a session. */
  const signIn = async (): Promise<string> => {
    const response = await fetch(healthUrl.replace('/api/health', '/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'health-test-admin' }),
    });
    if (response.status !== 200) throw new Error(`sign-in failed: ${response.status}`);
    return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
  };
  const health = async (): Promise<HealthBody> => {
    cookie ??= await signIn();
    return (await (await fetch(healthUrl, { headers: { cookie } })).json()) as HealthBody;
  };
  const statusOf = async (name: string) => (await health().catch(() => undefined))?.services[name]?.status;
  const output = () => [...processes].map(([name, p]) => `--- ${name}\n${p.output().slice(-2000)}`).join('\n');
  /** Milliseconds until `name` shows `status` through GET /api/health (fails after `timeoutMs`). */
  const timeUntil = async (name: string, status: string, timeoutMs: number): Promise<number> => {
    const start = Date.now();
    await expect.poll(() => statusOf(name), { timeout: timeoutMs, interval: 100 }).toBe(status);
    return Date.now() - start;
  };

  beforeAll(async () => {
    postgres = await startPostgres();
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    healthUrl = `http://127.0.0.1:${httpPort}/api/health`;
    const env = {
      IOC_DATA_DIR: dir.path,
      DATABASE_URL: postgres.url,
      IOC_SERVICE_TOKEN: 'health-test-service-token-0123456789',
      IOC_ADMIN_PASSWORD: 'health-test-admin',
      IOC_MQTT_PORT: String(mqttPort),
      MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
      IOC_HTTP_PORT: String(httpPort),
      IOC_CAMERA_CHECKS_AT_ONCE: '0',
      IOC_LOG_LEVEL: 'warn',
    };
    const start = (name: string, service: string, extra: Record<string, string> = {}) =>
      processes.set(name, spawnIoc(['start', service], { ...env, ...extra }));
    // The gateway first: it migrates the database, and the others need the bus at start.
    start('gateway', 'gateway');
    await listening(mqttPort).catch((error: Error) => {
      throw new Error(`${error.message}\n${output()}`);
    });
    start('dashboard', 'dashboard');
    start('ingest-p1of2', 'ingest', { IOC_INGEST_PARTITION: '1/2' });
    start('ingest-p2of2', 'ingest', { IOC_INGEST_PARTITION: '2/2' });
    start('analytics', 'analytics');
  });

  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(output())));

  afterAll(async () => {
    for (const { child } of processes.values()) child.kill('SIGKILL');
    await Promise.all([...processes.values()].map((p) => p.exited));
    await postgres?.stop();
    dir.remove();
  });

  it('shows every service, each worker under its own name, as ok', async () => {
    const names = ['gateway', 'dashboard', 'ingest-p1of2', 'ingest-p2of2', 'analytics'];
    const statuses = async () => {
      const body = await health().catch(() => undefined);
      return Object.fromEntries(names.map((name) => [name, body?.services[name]?.status]));
    };
    await expect.poll(statuses, { timeout: 90_000, interval: 250 }).toEqual(Object.fromEntries(names.map((name) => [name, 'ok'])));
    const body = await health();
    expect(body.status).toBe('ok');
    expect(body.services.gateway?.ts).toBeGreaterThan(Date.now() - HEALTH_STALE_MS);
    expect(body.services['ingest-p2of2']).toMatchObject({ partition: '2/2' });
    expect(body.services.db).toMatchObject({ status: 'ok', kind: 'postgres' });
  }, 120_000);

  it('shows a service killed with SIGKILL as down within 10 s (its last will)', async () => {
    processes.get('analytics')?.child.kill('SIGKILL');
    expect(await timeUntil('analytics', 'down', 10_000)).toBeLessThan(10_000);
    const body = await health();
    expect(body.services.analytics).toMatchObject({ status: 'down', reason: 'connection lost' });
    expect(body.status).toBe('degraded');
  });

  it('shows a service stopped with SIGTERM as down, stopped', async () => {
    const worker = processes.get('ingest-p2of2') as IocProcess;
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await timeUntil('ingest-p2of2', 'down', 2000)).toBeLessThan(2000);
    expect((await health()).services['ingest-p2of2']).toMatchObject({ status: 'down', reason: 'stopped' });
  });

  it('shows a hung service (stopped by SIGSTOP, its connection still open) as down once its health is stale, and ok again when it resumes', async () => {
    const worker = processes.get('ingest-p1of2') as IocProcess;
    worker.child.kill('SIGSTOP');
    try {
      // Not a last will: the connection stays open, so it takes until the last health published is stale.
      expect(await timeUntil('ingest-p1of2', 'down', HEALTH_STALE_MS + 10_000)).toBeGreaterThan(HEALTH_INTERVAL_MS);
      expect((await health()).services['ingest-p1of2']?.reason).toMatch(/^no health for \d+ s$/);
    } finally {
      worker.child.kill('SIGCONT');
    }
    await timeUntil('ingest-p1of2', 'ok', 10_000);
  });

  it('shows the gateway down within 10 s when it is killed: the dashboard has lost the bus', async () => {
    processes.get('gateway')?.child.kill('SIGKILL');
    expect(await timeUntil('gateway', 'down', 10_000)).toBeLessThan(10_000);
    const body = await health();
    expect(body.services.gateway).toEqual({ status: 'down', reason: 'the dashboard has no connection to the bus' });
    expect(body.services.dashboard?.status).toBe('degraded');
    expect(body.status).toBe('degraded');
  });
});
