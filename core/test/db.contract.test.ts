import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  DEAD_LETTER_PAYLOAD_LIMIT,
  DEAD_LETTER_TEXT_LIMIT,
  DeviceError,
  createDevice,
  createPgliteDb,
  findUser,
  getDevice,
  getDeviceCredentials,
  listDeadLetters,
  listDevices,
  revokeDeviceToken,
  loadHueAreas,
  listMigrations,
  migrate,
  openDb,
  pruneDeadLetters,
  recordDeadLetters,
  seedAreas,
  setDeviceOnline,
  upsertUser,
  verifyPassword,
  verifyToken,
  type Db,
} from '@ioc/core';
import { postgresAvailable, startPostgres } from '@ioc/core/testing';
import { createPostgresDb } from '../src/db/postgres.ts';

interface Subject {
  db: Db;
  dispose(): Promise<void>;
}

/** The relational Db contract (core/src/db/types.ts) and the repositories on it, run against every adapter. */
function dbContract(kind: Db['kind'], open: () => Promise<Subject>): void {
  let subject: Subject;
  let db: Db;
  let firstMigration: string[];
  const communeId = loadHueAreas()[1]?.id as string;

  beforeAll(async () => {
    subject = await open();
    db = subject.db;
    firstMigration = await migrate(db);
    await seedAreas(db);
  });
  afterAll(async () => {
    await subject?.dispose();
  });

  it('is of its kind', () => {
    expect(db.kind).toBe(kind);
  });

  it('migrates once: a second run applies nothing', async () => {
    expect(firstMigration).toContain('001_init');
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(firstMigration);
  });

  it('refuses a database migrated by newer code, naming the versions it does not know, and applies nothing', async () => {
    await db.query("INSERT INTO schema_migrations (version) VALUES ('098_from_a_newer_ioc'), ('099_also_newer')");
    try {
      const older = listMigrations().slice(0, -1);
      await expect(migrate(db, older)).rejects.toThrow(
        `the database is newer than this code: it has migrations ${firstMigration.at(-1)}, 098_from_a_newer_ioc, 099_also_newer, which this version of the IOC does not know (its last is ${older.at(-1)?.version})`,
      );
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
      expect(rows[0]?.n).toBe(firstMigration.length + 2);
    } finally {
      await db.query("DELETE FROM schema_migrations WHERE version IN ('098_from_a_newer_ioc', '099_also_newer')");
    }
    expect(await migrate(db)).toEqual([]);
  });

  it('seeds the 41 Huế areas (the city and 40 communes) once', async () => {
    await seedAreas(db);
    const { rows } = await db.query<{ level: string; n: number }>('SELECT level, count(*) AS n FROM areas GROUP BY level ORDER BY level');
    const byLevel = Object.fromEntries(rows.map((r) => [r.level, r.n]));
    expect(byLevel.city).toBe(1);
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(41);
    const { rows: geometry } = await db.query<{ geometry: { type: string } }>('SELECT geometry FROM areas WHERE id = $1', [communeId]);
    expect(geometry[0]?.geometry.type).toMatch(/Polygon$/);
  });

  it('returns int8 and numeric as numbers and timestamptz as Date', async () => {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT count(*) AS n, 12.5::numeric AS amount, 9007199254740991::int8 AS big, ARRAY[1, 2]::int8[] AS ids,
              '2025-01-01T00:00:00Z'::timestamptz AS at`,
    );
    expect(rows[0]).toEqual({ n: 1, amount: 12.5, big: 9007199254740991, ids: [1, 2], at: new Date('2025-01-01T00:00:00Z') });
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await db.query('CREATE TABLE IF NOT EXISTS tx_probe (n int8 NOT NULL)');
    const committed = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe (n) VALUES (1)');
      return (await tx.query<{ n: number }>('SELECT count(*) AS n FROM tx_probe')).rows[0]?.n;
    });
    expect(committed).toBe(1);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe (n) VALUES (2)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await expect(db.transaction((tx) => tx.query('INSERT INTO tx_probe (n) VALUES (NULL)'))).rejects.toThrow(/null value/);
    const { rows } = await db.query<{ n: number }>('SELECT n FROM tx_probe ORDER BY n');
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('registers a device whose token verifies only against its stored hash', async () => {
    const { device, token } = await createDevice(db, { id: 'air-hue-01', kind: 'air', areaId: communeId, lat: 16.47, lon: 107.58 });
    expect(device).toEqual({
      id: 'air-hue-01',
      kind: 'air',
      areaId: communeId,
      lat: 16.47,
      lon: 107.58,
      attributes: {},
      enabled: true,
      revokedAt: null,
      online: false,
      lastSeen: null,
      createdAt: expect.any(Number),
      updatedAt: device.createdAt,
    });
    const credentials = await getDeviceCredentials(db, 'air-hue-01');
    expect(credentials?.tokenHash).not.toContain(token);
    expect(verifyToken(token, credentials?.tokenHash as string)).toBe(true);
    expect(verifyToken(`${token}x`, credentials?.tokenHash as string)).toBe(false);
    expect(await getDeviceCredentials(db, 'nobody')).toBeUndefined();
  });

  it('refuses bad ids, kinds, unknown areas and duplicates with DeviceError codes', async () => {
    await createDevice(db, { id: 'noise-1', kind: 'noise' });
    const refusal = (device: Parameters<typeof createDevice>[1]) =>
      createDevice(db, device).then(
        () => 'created',
        (error: unknown) => (error instanceof DeviceError ? error.code : String(error)),
      );
    expect(await refusal({ id: 'bad id', kind: 'air' })).toBe('invalid_device');
    expect(await refusal({ id: 'a/b', kind: 'air' })).toBe('invalid_device');
    expect(await refusal({ id: 'x'.repeat(65), kind: 'air' })).toBe('invalid_device');
    expect(await refusal({ id: 'ok-1', kind: 'toaster' })).toBe('invalid_device');
    expect(await refusal({ id: 'ok-2', kind: 'air', lat: 16.4 })).toBe('invalid_device');
    expect(await refusal({ id: 'ok-3', kind: 'air', lat: 91, lon: 107 })).toBe('invalid_device');
    expect(await refusal({ id: 'ok-4', kind: 'air', areaId: 'atlantis' })).toBe('unknown_area');
    expect(await refusal({ id: 'noise-1', kind: 'noise' })).toBe('device_exists');
    expect((await listDevices(db)).map((d) => d.id)).not.toContain('ok-4');
  });

  it('lists devices and records them going online', async () => {
    await createDevice(db, { id: 'speaker-7', kind: 'speaker' });
    const at = Date.UTC(2025, 5, 1, 12, 0, 0);
    await setDeviceOnline(db, 'speaker-7', true, at);
    expect(await getDevice(db, 'speaker-7')).toMatchObject({ online: true, lastSeen: at });
    expect(await getDevice(db, 'nobody')).toBeUndefined();
    const ids = (await listDevices(db)).map((d) => d.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toContain('speaker-7');
    // The list is the same devices one by one would give: times in whole ms (now() has microseconds), attributes, nulls.
    await createDevice(db, { id: 'air-list', kind: 'air', lat: 16.46, lon: 107.59, attributes: { owner: 'sở TN&MT', floor: 3, indoor: false } });
    await revokeDeviceToken(db, 'air-list');
    const listed = await listDevices(db);
    expect(listed).toEqual(await Promise.all(listed.map((d) => getDevice(db, d.id))));
    expect(listed.find((d) => d.id === 'air-list')).toMatchObject({ attributes: { owner: 'sở TN&MT', floor: 3, indoor: false }, revokedAt: expect.any(Number) });
  });

  it('creates users with numeric ids and scrypt passwords, and updates them by username', async () => {
    const created = await upsertUser(db, 'Nguyễn Văn A', 'mật-khẩu-dài', 'operator');
    expect(typeof created.id).toBe('number');
    const updated = await upsertUser(db, 'Nguyễn Văn A'.normalize('NFD'), 'khác-hẳn-rồi', 'radio');
    expect(updated).toEqual({ ...created, role: 'radio' });
    const found = await findUser(db, 'Nguyễn Văn A');
    expect(found?.role).toBe('radio');
    expect(await verifyPassword('khác-hẳn-rồi', found?.passwordHash as string)).toBe(true);
    expect(await verifyPassword('mật-khẩu-dài', found?.passwordHash as string)).toBe(false);
    expect(await findUser(db, 'nobody')).toBeUndefined();
  });

  it('keeps dead letters newest first, with payloads cut to the limit, filtered by device', async () => {
    const t = Date.UTC(2025, 2, 1);
    await recordDeadLetters(db, [
      { deviceId: 'dl-1', topic: 'ioc/v1/devices/dl-1/telemetry', payload: '{', reason: 'malformed JSON', ts: t },
      { deviceId: 'dl-2', topic: 'ioc/v1/devices/dl-2/telemetry', payload: 'x'.repeat(5000), reason: 'too long', ts: t + 1 },
      { deviceId: null, topic: 'elsewhere', payload: '', reason: 'no device', ts: t + 2 },
    ]);
    await recordDeadLetters(db, []);
    const all = await listDeadLetters(db);
    expect(all.map((l) => l.reason)).toEqual(['no device', 'too long', 'malformed JSON']);
    expect(all[1]?.payload).toHaveLength(DEAD_LETTER_PAYLOAD_LIMIT);
    expect(all[2]).toMatchObject({ deviceId: 'dl-1', topic: 'ioc/v1/devices/dl-1/telemetry', payload: '{', ts: t });
    expect(typeof all[2]?.id).toBe('number');
    expect((await listDeadLetters(db, { deviceId: 'dl-1' })).map((l) => l.reason)).toEqual(['malformed JSON']);
    expect(await listDeadLetters(db, { limit: 1 })).toHaveLength(1);
  });

  it('cuts topics and reasons of dead letters, and prunes them by age, then by count', async () => {
    const t = Date.UTC(2025, 3, 1);
    await recordDeadLetters(db, [{ deviceId: null, topic: 't'.repeat(5000), payload: '', reason: 'r'.repeat(5000), ts: t }]);
    const [long] = await listDeadLetters(db, { from: t, to: t + 1 });
    expect([long?.topic.length, long?.reason.length]).toEqual([DEAD_LETTER_TEXT_LIMIT, DEAD_LETTER_TEXT_LIMIT]);
    await recordDeadLetters(db, [1, 2, 3, 4].map((i) => ({ deviceId: 'dl-prune', topic: 'x', payload: '', reason: `n${i}`, ts: t + i * 1000 })));
    // Older than t + 1.5 s: the long one, the first of the four, and those of the earlier test (2025-03).
    expect(await pruneDeadLetters(db, { before: t + 1500, keep: 0 })).toBe(5);
    expect(await pruneDeadLetters(db, { keep: 2 })).toBe(1);
    expect((await listDeadLetters(db)).map((l) => l.reason)).toEqual(['n4', 'n3']);
    expect(await pruneDeadLetters(db, { keep: 0 })).toBe(0);
  });
}

describe('Db contract: PGlite', () => {
  dbContract('pglite', async () => {
    const db = await createPgliteDb();
    return { db, dispose: () => db.close() };
  });
});

describe.skipIf(!postgresAvailable())('Db contract: PostgreSQL', () => {
  dbContract('postgres', async () => {
    const server = await startPostgres();
    const db = await createPostgresDb(server.url);
    return {
      db,
      dispose: async () => {
        await db.close();
        await server.stop();
      },
    };
  });
});

describe.skipIf(!postgresAvailable())('PostgreSQL adapter', () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('survives its connections being killed by the server and reconnects', async () => {
    const db = await createPostgresDb(server.url);
    try {
      await db.query('SELECT 1');
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'ioc' AND pid <> pg_backend_pid()");
      await admin.end();
      // A query may still meet the dying connection before the pool has dropped it; the next ones get a new one.
      let answer: unknown;
      for (let attempt = 0; attempt < 5 && answer === undefined; attempt++) {
        answer = await db.query<{ n: number }>('SELECT 1 AS n').then((r) => r.rows[0]?.n, () => undefined);
      }
      expect(answer).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('sees a transaction only once it commits, from the pool', async () => {
    const db = await createPostgresDb(server.url);
    try {
      await db.query('CREATE TABLE visibility (n int)');
      let seenInside: number | undefined;
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO visibility VALUES (1)');
        seenInside = (await db.query<{ n: number }>('SELECT count(*) AS n FROM visibility')).rows[0]?.n;
      });
      expect(seenInside).toBe(0);
      expect((await db.query<{ n: number }>('SELECT count(*) AS n FROM visibility')).rows[0]?.n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('is what openDb gives for a DATABASE_URL, migrated and seeded', async () => {
    const db = await openDb({ databaseUrl: server.url, dataDir: '/nonexistent' });
    try {
      expect(db.kind).toBe('postgres');
      expect((await db.query<{ n: number }>('SELECT count(*) AS n FROM areas')).rows[0]?.n).toBe(41);
    } finally {
      await db.close();
    }
  });

  it('fails with a clear message naming the server, without its password', async () => {
    const port = Number(new URL(server.url).port);
    await expect(createPostgresDb(`postgres://postgres:s3cret@127.0.0.1:${port}/missing_db`)).rejects.toThrow(
      /^PostgreSQL at 127\.0\.0\.1:\d+\/missing_db: database "missing_db" does not exist$/,
    );
    await expect(createPostgresDb(`postgres://postgres:s3cret@127.0.0.1:${port}/missing_db`)).rejects.not.toThrow(/s3cret/);
  });
});
