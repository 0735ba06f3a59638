import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommandError,
  createDevice,
  createDeviceCommands,
  createLogger,
  createPgliteDb,
  listAuditEvents,
  listDeadLetters,
  mayCommand,
  migrate,
  type CommandSender,
  type Db,
  type DeviceCommands,
} from '@ioc/core';
import type { CommandRecord, DeviceCommand } from '@ioc/core/contracts';
import { postgresAvailable, startPostgres } from '@ioc/core/testing';
import { createPostgresDb } from '../src/db/postgres.ts';

const T0 = Date.UTC(2026, 10, 1, 3, 0, 0);
const operator: CommandSender = { actor: 'user:ops', role: 'operator', remoteAddress: '10.0.0.7' };
const radio: CommandSender = { actor: 'user:dj', role: 'radio' };

/** The command use-case (core/src/device-commands.ts, migration 010) on every relational adapter; the bus is the `publish` port. */
function commandContract(open: () => Promise<{ db: Db; dispose(): Promise<void> }>): void {
  let db: Db;
  let dispose: () => Promise<void>;
  let now = T0;
  let busDown = false;
  const published: Array<{ deviceId: string; command: DeviceCommand }> = [];
  const changes: CommandRecord[] = [];
  let commands: DeviceCommands;

  beforeAll(async () => {
    ({ db, dispose } = await open());
    await migrate(db);
    await createDevice(db, { id: 'spk-1', kind: 'speaker' });
    await createDevice(db, { id: 'cam-1', kind: 'camera' });
    commands = createDeviceCommands({
      db,
      clock: { now: () => now },
      logger: createLogger({ level: 'silent' }),
      publish: async (deviceId, command) => {
        if (busDown) throw new Error('no connection to the bus');
        published.push({ deviceId, command });
      },
      onChange: (record) => changes.push(record),
    });
  });
  afterAll(() => dispose());

  const statusOf = async (id: string) => (await commands.list('spk-1')).find((c) => c.id === id);

  it('records, audits and publishes a command, and tells onChange', async () => {
    const record = await commands.send({ deviceId: 'spk-1', type: 'volume', args: { level: 50 }, ttlS: 600 }, operator);
    expect(record).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      deviceId: 'spk-1',
      type: 'volume',
      args: { level: 50 },
      status: 'sent',
      detail: null,
      expires: T0 + 600_000,
      createdAt: T0,
      createdBy: 'user:ops',
      updatedAt: T0,
    });
    expect(published).toEqual([{ deviceId: 'spk-1', command: { id: record.id, type: 'volume', args: { level: 50 }, expires: T0 + 600_000 } }]);
    expect(changes).toEqual([record]);
    expect(await commands.list('spk-1')).toEqual([record]);
    const [audit] = await listAuditEvents(db, { action: 'device.command' });
    expect(audit).toMatchObject({ ts: T0, actor: 'user:ops', target: 'spk-1', remoteAddress: '10.0.0.7', detail: { id: record.id, type: 'volume', args: { level: 50 }, expires: T0 + 600_000 } });
  });

  it('refuses an unknown device, a role that may not command the kind, and a wrong type, argument or ttl, recording nothing', async () => {
    const refusal = (promise: Promise<unknown>) => promise.then(() => 'sent', (error: CommandError) => `${error.code}: ${error.message}`);
    expect(await refusal(commands.send({ deviceId: 'spk-9', type: 'stop' }, operator))).toBe('unknown_device: no device "spk-9"');
    expect(await refusal(commands.send({ deviceId: 'cam-1', type: 'stop' }, radio))).toBe('forbidden: the radio role may not send commands to cam-1 (kind camera)');
    expect(await refusal(commands.send({ deviceId: 'spk-1', type: 'stop' }, { actor: 'user:wall', role: 'viewer' }))).toMatch(/^forbidden: /);
    expect(await refusal(commands.send({ deviceId: 'spk-1', type: 'volume', args: { level: -1 } }, operator))).toBe('invalid_command: "args.level" must be >= 0');
    expect(await refusal(commands.send({ deviceId: 'spk-1', type: 'play', args: { url: 'http://x.example/a.mp3', gain: 2 } }, operator))).toBe('invalid_command: "args.gain" is not allowed');
    expect(await refusal(commands.send({ deviceId: 'spk-1', type: 'stop', ttlS: 0 }, operator))).toMatch(/^invalid_command: "ttlS" must be/);
    expect(await commands.list('spk-1')).toHaveLength(1);
    expect(published).toHaveLength(1);
    expect(mayCommand('radio_lead', 'speaker') && mayCommand('admin', 'camera') && !mayCommand('radio_lead', 'air')).toBe(true);
  });

  it('settles a command by its ack (ok → acked, error → failed with the detail) once; bad acks become dead letters', async () => {
    const ok = await commands.send({ deviceId: 'spk-1', type: 'stop' }, radio);
    const bad = await commands.send({ deviceId: 'spk-1', type: 'stop' }, radio);
    now += 1000;
    const topic = 'ioc/v1/devices/spk-1/ack';
    await commands.acknowledge('spk-1', topic, JSON.stringify({ id: ok.id, status: 'ok' }));
    await commands.acknowledge('spk-1', topic, Buffer.from(JSON.stringify({ id: bad.id, status: 'error', detail: 'amplifier fault' })));
    await commands.acknowledge('spk-1', topic, JSON.stringify({ id: ok.id, status: 'error', detail: 'redelivered, then contradicted' }));
    expect(await statusOf(ok.id)).toMatchObject({ status: 'acked', detail: null, updatedAt: now });
    expect(await statusOf(bad.id)).toMatchObject({ status: 'failed', detail: 'amplifier fault' });
    expect(changes.slice(-2).map((c) => c.status)).toEqual(['acked', 'failed']);

    await commands.acknowledge('spk-1', topic, '{"id": 7');
    await commands.acknowledge('spk-1', topic, JSON.stringify({ status: 'ok' }));
    await commands.acknowledge('spk-1', topic, JSON.stringify({ id: 'never-sent', status: 'ok' }));
    await commands.acknowledge('cam-1', 'ioc/v1/devices/cam-1/ack', JSON.stringify({ id: ok.id, status: 'ok' }));
    expect((await listDeadLetters(db)).map((l) => `${l.deviceId}: ${l.reason}`)).toEqual([
      `cam-1: ack refused: no command "${ok.id}" was sent to cam-1`,
      'spk-1: ack refused: no command "never-sent" was sent to spk-1',
      'spk-1: ack refused: "id" is required',
      expect.stringMatching(/^spk-1: ack refused: malformed JSON: /),
    ]);
  });

  it('expires a command unacked past its expiry, by the sweep or on read; a late ack still settles it', async () => {
    const swept = await commands.send({ deviceId: 'spk-1', type: 'volume', args: { level: 5 }, ttlS: 10 }, operator);
    const read = await commands.send({ deviceId: 'spk-1', type: 'volume', args: { level: 6 }, ttlS: 20 }, operator);
    now += 10_000;
    expect((await commands.expireDue()).map((c) => c.id)).toEqual([swept.id]);
    expect(await statusOf(swept.id)).toMatchObject({ status: 'expired', detail: null });
    now += 10_000;
    expect(await statusOf(read.id)).toMatchObject({ status: 'expired' });
    expect(changes.slice(-2).map((c) => [c.id, c.status])).toEqual([[swept.id, 'expired'], [read.id, 'expired']]);
    expect(await commands.expireDue()).toEqual([]);
    await commands.acknowledge('spk-1', 'ioc/v1/devices/spk-1/ack', JSON.stringify({ id: read.id, status: 'ok', detail: 'played late' }));
    expect(await statusOf(read.id)).toMatchObject({ status: 'acked', detail: 'played late' });
  });

  it('marks a command it could not publish failed, and says so', async () => {
    busDown = true;
    const error = await commands.send({ deviceId: 'spk-1', type: 'stop' }, operator).catch((e: CommandError) => e);
    busDown = false;
    expect(error).toMatchObject({ code: 'not_sent' });
    expect((await commands.list('spk-1'))[0]).toMatchObject({ type: 'stop', status: 'failed', detail: 'not published: no connection to the bus' });
  });

  it('lists a device’s commands newest first, those of one millisecond in the order sent', async () => {
    const sent = await commands.list('spk-1');
    expect(sent).toHaveLength(6);
    const order = sent.map((c) => c.createdAt);
    expect(order).toEqual([...order].sort((a, b) => b - a));
    const sameMs = sent.filter((c) => c.createdAt === T0);
    expect(sameMs.map((c) => c.createdBy)).toEqual(['user:dj', 'user:dj', 'user:ops']);
    expect(await commands.list('cam-1')).toEqual([]);
    await expect(commands.list('nope')).rejects.toMatchObject({ code: 'unknown_device' });
  });
}

describe('device commands: PGlite', () => {
  commandContract(async () => {
    const db = await createPgliteDb();
    return { db, dispose: () => db.close() };
  });
});

describe.skipIf(!postgresAvailable())('device commands: PostgreSQL', () => {
  commandContract(async () => {
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
