import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '@ioc/core';
import { decode, DeviceAck } from '@ioc/core/contracts';
import { requireBinary } from '@ioc/core/testing';
import { buildFleet, createDeviceSimService, DEFAULT_INTERVALS_MS, type DeviceSimService } from '@ioc/device-sim';
import { serveFiles, startBus } from './sim-fixture.ts';

const ffmpeg = requireBinary('ffmpeg', 'ffmpeg');

describe.skipIf(!ffmpeg)('simulated loudspeakers', () => {
  const fleet = buildFleet({ name: 't', seed: 1, areas: ['19753'], perArea: { speaker: 1 }, intervalsMs: { ...DEFAULT_INTERVALS_MS, speaker: 400 } });
  const id = fleet[0]!.id;
  let bus: Awaited<ReturnType<typeof startBus>>;
  let files: Awaited<ReturnType<typeof serveFiles>>;
  let sim: DeviceSimService;
  let n = 0;

  beforeAll(async () => {
    bus = await startBus('ioc-sim-speaker-');
    for (const [name, seconds] of [['tone.wav', 1], ['long.wav', 30]] as const) {
      execFileSync(ffmpeg!, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-ar', '22050', join(bus.dir.path, name)]);
    }
    files = await serveFiles(bus.dir.path);
    sim = createDeviceSimService({ config: bus.config, logger: bus.logger, db: bus.db, fleet, ffmpegPath: ffmpeg });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await files?.close();
    await bus?.stop();
  });

  /** Sends a command as the contract has it (expiring in a minute) and returns its ack. */
  async function command(type: string, args: Record<string, unknown>) {
    const cmd = `c${++n}`;
    await bus.observer.publishAsync(deviceTopic(id, 'cmd'), JSON.stringify({ id: cmd, type, args, expires: Date.now() + 60_000 }), { qos: 1 });
    const ack = await bus.waitFor((m) => m.topic === deviceTopic(id, 'ack') && m.body.id === cmd, `ack of ${cmd}`);
    expect(decode(DeviceAck, ack.body)).toMatchObject({ ok: true });
    return { cmd, ack: ack.body };
  }
  const event = (type: string, cmd: string) => bus.waitFor((m) => m.topic === deviceTopic(id, 'events') && m.body.type === type && m.body.cmd === cmd, `${type} of ${cmd}`);

  it('plays a stream to the end by really decoding it, acking the command and reporting playback events', async () => {
    const { cmd, ack } = await command('play', { url: files.url('tone.wav') });
    expect(ack).toEqual({ id: cmd, status: 'ok' });
    expect((await event('playback.started', cmd)).body).toMatchObject({ url: files.url('tone.wav'), priority: 5, volume: 70, ts: expect.any(Number) });
    const finished = (await event('playback.finished', cmd)).body as { decoded_ms: number; rms_dbfs: number };
    expect(finished.decoded_ms).toBeGreaterThan(950);
    expect(finished.decoded_ms).toBeLessThan(1050);
    // A 440 Hz sine from ffmpeg's generator at amplitude 1/8: about −21 dBFS, not silence.
    expect(finished.rms_dbfs).toBeGreaterThan(-24);
    expect(finished.rms_dbfs).toBeLessThan(-18);
  });

  it('follows priorities: a lower one is refused, an equal or higher one preempts; stop ends playback', async () => {
    const long = await command('play', { url: files.url('long.wav'), priority: 5 });
    await event('playback.started', long.cmd);
    const low = await command('play', { url: files.url('tone.wav'), priority: 3 });
    expect(low.ack).toEqual({ id: low.cmd, status: 'error', detail: `busy: playing ${long.cmd} at priority 5` });
    const lowStop = await command('stop', { priority: 2 });
    expect(lowStop.ack.status).toBe('error');
    const urgent = await command('play', { url: files.url('long.wav'), priority: 9 });
    expect(urgent.ack.status).toBe('ok');
    expect((await event('playback.preempted', long.cmd)).body).toMatchObject({ by: urgent.cmd });
    await event('playback.started', urgent.cmd);
    const stop = await command('stop', {});
    expect(stop.ack).toEqual({ id: stop.cmd, status: 'ok' });
    const stopped = (await event('playback.stopped', urgent.cmd)).body as { decoded_ms: number };
    expect(stopped.decoded_ms).toBeGreaterThan(0);
    expect(stopped.decoded_ms).toBeLessThan(30_000);
    expect((await command('stop', {})).ack).toMatchObject({ status: 'ok', detail: 'idle' });
  });

  it('sets the volume and reports it, with its playing state, in telemetry', async () => {
    const { ack } = await command('volume', { level: 35 });
    expect(ack.status).toBe('ok');
    const since = bus.received.length;
    const reading = await bus.waitFor(
      (m) => bus.received.indexOf(m) >= since && m.topic === deviceTopic(id, 'telemetry') && (m.body.metrics as { volume: number }).volume === 35,
      'telemetry with volume 35',
    );
    expect(reading.body.metrics).toMatchObject({ volume: 35, playing: 0, supply_v: expect.any(Number), rssi_dbm: expect.any(Number), temp_c: expect.any(Number) });
  });

  it('refuses bad commands with the reason naming the field, and reports a stream that cannot be pulled', async () => {
    expect((await command('dance', {})).ack).toMatchObject({ status: 'error', detail: '"type" must be one of "play", "stop", "volume" for a speaker' });
    expect((await command('volume', { level: 300 })).ack).toMatchObject({ status: 'error', detail: '"args.level" must be <= 100' });
    expect((await command('play', { url: 'file:///etc/passwd' })).ack).toMatchObject({ status: 'error', detail: expect.stringMatching(/^"args.url" must match pattern/) });
    expect((await command('play', { url: files.url('tone.wav'), priority: 11 })).ack).toMatchObject({ status: 'error', detail: '"args.priority" must be <= 10' });
    await bus.observer.publishAsync(deviceTopic(id, 'cmd'), JSON.stringify({ id: 'no-expiry', type: 'stop', args: {} }), { qos: 1 });
    expect((await bus.waitFor((m) => m.topic === deviceTopic(id, 'ack') && m.body.id === 'no-expiry', 'ack of no-expiry')).body).toEqual({
      id: 'no-expiry',
      status: 'error',
      detail: '"expires" is required',
    });
    const missing = await command('play', { url: files.url('missing.wav') });
    expect(missing.ack.status).toBe('ok');
    expect((await event('playback.failed', missing.cmd)).body.error).toEqual(expect.stringMatching(/404|not found/i));
  });
});
