import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, createLogger, findArea, getDevice, listAuditEvents, loadCommonConfig, openDb, type Db } from '@ioc/core';
import { postgresAvailable, startPostgres, tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { runIoc } from './run-ioc.ts';

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

describe('ioc devices: registry commands', () => {
  const dir = tempDir('ioc-cli-devices-');
  const env = { IOC_DATA_DIR: dir.path };
  afterAll(() => dir.remove());

  it('imports devices from CSV all or nothing, naming the lines it refuses', async () => {
    const bad = join(dir.path, 'bad.csv');
    writeFileSync(bad, 'id,kind,lat,lon,pole\ncsv-1,air,16.46,107.59,P-1\ncsv-2,toaster,,,\ncsv-3,air,north,107,\n');
    const refused = await runIoc(['devices', 'import', bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(lines(refused.stderr)).toEqual([`${bad}:4: lat "north" is not a number`, 'ioc devices import: 1 problem(s); nothing was registered']);
    writeFileSync(bad, 'id,kind,lat,lon,pole\ncsv-1,air,16.46,107.59,P-1\ncsv-2,toaster,,,\n');
    expect(lines((await runIoc(['devices', 'import', bad], env)).stderr)[0]).toBe(`${bad}:3: unknown device kind "toaster"`);

    const good = join(dir.path, 'good.csv');
    writeFileSync(good, 'id,kind,lat,lon,pole\ncsv-1,air,16.46,107.59,P-1\ncsv-2,speaker,,,\n');
    const imported = await runIoc(['devices', 'import', good], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const printed = lines(imported.stdout).map((l) => JSON.parse(l) as { id: string; token: string });
    expect(printed.map((p) => p.id)).toEqual(['csv-1', 'csv-2']);
    expect(printed.every((p) => p.token.length >= 43)).toBe(true);
    const listed = lines((await runIoc(['devices', 'list'], env)).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(listed.find((d) => d.id === 'csv-1')).toMatchObject({ attributes: { pole: 'P-1' }, lat: 16.46, enabled: true, areaId: findArea(107.59, 16.46)?.id });
  });

  it('finds the commune of a device added with --lat/--lon alone, as the API does (one registry use-case)', async () => {
    const placed = await runIoc(['devices', 'add', '--id', 'cli-placed', '--kind', 'air', '--lat', '16.463', '--lon', '107.585'], env);
    expect(placed).toMatchObject({ code: 0, stderr: '' });
    const commune = findArea(107.585, 16.463)?.id;
    expect(commune).toBeTruthy();
    const db = await openDb(loadCommonConfig(env));
    try {
      expect(await getDevice(db, 'cli-placed')).toMatchObject({ areaId: commune });
    } finally {
      await db.close();
    }
  });

  it('updates and disables a device, warning that no gateway was told when none can be', async () => {
    const added = await runIoc(['devices', 'add', '--id', 'cli-upd', '--kind', 'noise', '--attr', 'floor=3', '--attr', 'note=gate'], env);
    expect(added.code).toBe(0);
    const updated = await runIoc(['devices', 'update', '--id', 'cli-upd', '--attr', 'solar=true'], env);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id: 'cli-upd', attributes: { solar: true } });
    expect(updated.stderr).toMatch(/^warning: the gateway was not told \(IOC_SERVICE_TOKEN is not set\)/);
    const disabled = await runIoc(['devices', 'disable', '--id', 'cli-upd'], env);
    expect(JSON.parse(disabled.stdout)).toEqual({ id: 'cli-upd', enabled: false, gatewayNotified: false });
    const removed = await runIoc(['devices', 'remove', '--id', 'cli-upd'], env);
    expect(JSON.parse(removed.stdout)).toEqual({ id: 'cli-upd', removed: true, gatewayNotified: false });
    const missing = await runIoc(['devices', 'revoke', '--id', 'nobody'], env);
    expect(missing).toMatchObject({ code: 1, stderr: 'ioc devices: no device "nobody"\n' });
    const audited = await runIoc(['audit', '--subject', 'cli-upd'], env);
    expect(lines(audited.stdout).map((l) => (JSON.parse(l) as { actor: string; action: string }).action)).toEqual([
      'device.delete',
      'device.update',
      'device.update',
      'device.create',
    ]);
    expect((await runIoc(['audit', '--since', 'yesterday'], env)).code).toBe(2);
    expect((await runIoc(['devices', 'update', '--id', 'cli-upd'], env)).code).toBe(2);
    expect((await runIoc(['devices', 'frobnicate'], env)).stderr).toMatch(/unknown devices command "frobnicate"; known: add, import/);
  });
});

describe.skipIf(!postgresAvailable())('ioc devices and accounts against a running gateway (PostgreSQL)', () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let db: Db;
  let gateway: GatewayService;
  let env: Record<string, string>;
  const dir = tempDir('ioc-cli-gw-');

  beforeAll(async () => {
    server = await startPostgres();
    const config = loadGatewayConfig({ DATABASE_URL: server.url, IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: 'cli-test-service-token-0123456789', IOC_DATA_DIR: dir.path });
    db = await openDb(config);
    gateway = createGatewayService({ config, logger: createLogger({ level: 'silent' }), db });
    await gateway.start();
    env = {
      DATABASE_URL: server.url,
      MQTT_URL: `mqtt://127.0.0.1:${gateway.port}`,
      IOC_SERVICE_TOKEN: 'cli-test-service-token-0123456789',
      IOC_DATA_DIR: dir.path,
    };
  });
  afterAll(async () => {
    await gateway?.stop();
    await db?.close();
    await server?.stop();
    dir.remove();
  });

  const login = (username: string, password: string) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, { clientId: username, username, password, reconnectPeriod: 0, connectTimeout: 5000 });

  it('revoking from the command line disconnects the device from the gateway process at once', async () => {
    const { token } = await createDevice(db, { id: 'cli-live', kind: 'air' });
    const device = await login('cli-live', token);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const revoked = await runIoc(['devices', 'revoke', '--id', 'cli-live'], env);
    expect(revoked.stderr).toBe('');
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: 'cli-live', gatewayNotified: true, revokedAt: expect.any(Number) });
    await closed;
    await expect(login('cli-live', token)).rejects.toThrow(/bad username or password/i);
    const rotated = JSON.parse((await runIoc(['devices', 'rotate', '--id', 'cli-live'], env)).stdout) as { token: string };
    (await login('cli-live', rotated.token)).end(true);
    expect((await getDevice(db, 'cli-live'))?.revokedAt).toBeNull();
    await vi.waitFor(async () =>
      expect((await listAuditEvents(db, { subject: 'cli-live' })).map((e) => e.action)).toEqual(
        expect.arrayContaining(['device.revoke', 'device.rotate', 'mqtt.kicked']),
      ),
    );
  });

  it('creates an integration account whose token logs in, and disables it, closing its connection', async () => {
    const added = await runIoc(['accounts', 'add', '--name', 'frigate', '--integration', 'frigate'], env);
    expect(added.code).toBe(0);
    const { username, token } = JSON.parse(added.stdout) as { username: string; token: string };
    expect(username).toBe('int:frigate');
    const nvr = await login(username, token);
    await nvr.publishAsync('frigate/events', '{}', { qos: 1 });
    const closed = new Promise<void>((resolve) => nvr.once('close', () => resolve()));
    const disabled = await runIoc(['accounts', 'disable', '--username', 'int:frigate'], env);
    expect(JSON.parse(disabled.stdout)).toEqual({ username: 'int:frigate', enabled: false, gatewayNotified: true });
    await closed;
    await expect(login(username, token)).rejects.toThrow(/bad username or password/i);
    const listed = lines((await runIoc(['accounts', 'list'], env)).stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(listed).toEqual([expect.objectContaining({ username: 'int:frigate', role: 'integration', topicRoot: 'frigate', enabled: false })]);
    const refused = await runIoc(['accounts', 'add', '--name', 'x', '--integration', 'ioc/v1'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/outside ioc\//);
  });
});
