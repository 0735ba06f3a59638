// ioc backup / ioc restore against Debian's PostgreSQL and influxd: what was there at the backup comes back,
// what came after it goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevice, deleteDevice, getDevice, loadCommonConfig, openDb, openTelemetryStore, type Db, type TelemetryStore } from '@ioc/core';
import { influxAvailable, postgresAvailable, startInflux, startPostgres, tempDir, type InfluxServer, type PostgresServer } from '@ioc/core/testing';
import { runIoc } from './run-ioc.ts';

const HOUR = 3_600_000;

describe.skipIf(!postgresAvailable() || !influxAvailable())('ioc backup and ioc restore on PostgreSQL and InfluxDB 1.x', () => {
  const data = tempDir('ioc-backup-data-');
  const backups = tempDir('ioc-backups-');
  let postgres: PostgresServer;
  let influx: InfluxServer;
  let env: Record<string, string>;
  let db: Db;
  let telemetry: TelemetryStore;

  beforeAll(async () => {
    [postgres, influx] = await Promise.all([startPostgres(), startInflux()]);
    env = { IOC_DATA_DIR: data.path, DATABASE_URL: postgres.url, INFLUX_URL: influx.url, INFLUX_DB: 'ioc', INFLUX_BACKUP_ADDRESS: influx.rpcAddress, IOC_LOG_LEVEL: 'silent' };
    const config = loadCommonConfig(env);
    db = await openDb(config);
    telemetry = await openTelemetryStore(config, db);
  }, 120_000);

  afterAll(async () => {
    await telemetry?.close();
    await db?.close();
    await Promise.all([postgres?.stop(), influx?.stop()]);
    data.remove();
    backups.remove();
  });

  const pm25 = async () =>
    (await telemetry.range({ deviceId: 'air-backup-1', metric: 'pm25', from: Date.now() - 2 * HOUR, to: Date.now() + HOUR })).map((point) => point.value);

  it('puts back the devices and readings of the backup, and drops what came after it', async () => {
    await createDevice(db, { id: 'air-backup-1', kind: 'air' });
    await telemetry.write([{ deviceId: 'air-backup-1', metric: 'pm25', ts: Date.now() - HOUR, value: 12.5 }]);
    const dir = `${backups.path}/first`;
    const made = await runIoc(['backup', '--to', dir], env);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ backup: dir, postgres: { file: 'postgres.dump' }, influx: { dir: 'influxdb', db: 'ioc' } });

    // After the backup: the device deleted, another reading, another device.
    await deleteDevice(db, 'air-backup-1');
    await createDevice(db, { id: 'air-backup-2', kind: 'air' });
    await telemetry.write([{ deviceId: 'air-backup-1', metric: 'pm25', ts: Date.now() - 1000, value: 99 }]);
    expect(await pm25()).toEqual([12.5, 99]);

    const restored = await runIoc(['restore', '--from', dir], env);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(await getDevice(db, 'air-backup-1')).toMatchObject({ id: 'air-backup-1', kind: 'air' });
    expect(await getDevice(db, 'air-backup-2')).toBeUndefined();
    expect(await pm25()).toEqual([12.5]);
  }, 180_000);

  it('refuses to back up into a directory that holds something, or to restore from one without a finished backup', async () => {
    const used = await runIoc(['backup', '--to', `${backups.path}/first`], env);
    expect(used.code).toBe(1);
    expect(used.stderr).toContain('is not empty: back up into a new directory');
    const empty = await runIoc(['restore', '--from', data.path], env);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('holds no finished backup (no ioc-backup.json)');
  }, 60_000);

  it('says how to back up PGlite, rather than copying nothing', async () => {
    const pglite = await runIoc(['backup', '--to', `${backups.path}/pglite`], { IOC_DATA_DIR: data.path });
    expect(pglite.code).toBe(1);
    expect(pglite.stderr).toContain(`the database is PGlite in ${data.path}: stop the IOC and copy that directory`);
  }, 60_000);
});
