import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, getDeviceStreamUrl } from '@ioc/core';
import { buildFleet, createDeviceSimService, DEFAULT_INTERVALS_MS, type DeviceSimService } from '@ioc/device-sim';
import { startBus } from './sim-fixture.ts';

describe('a simulator host without ffmpeg', () => {
  const fleet = buildFleet({ name: 't', seed: 1, areas: ['19753'], perArea: { camera: 1, speaker: 1 }, intervalsMs: DEFAULT_INTERVALS_MS });
  let bus: Awaited<ReturnType<typeof startBus>>;
  let sim: DeviceSimService;

  beforeAll(async () => {
    bus = await startBus('ioc-sim-no-ffmpeg-');
    // `npm install` brings an ffmpeg (core's optional dependencies), so a host without one is told so.
    sim = createDeviceSimService({ config: bus.config, logger: bus.logger, db: bus.db, fleet, ffmpegPath: null });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await bus?.stop();
  });

  it('still runs the fleet; cameras serve no stream and speakers refuse to play, saying why', async () => {
    expect(await sim.health()).toMatchObject({ status: 'ok', connected: 2 });
    expect(sim.cameras).toBeUndefined();
    expect(await getDeviceStreamUrl(bus.db, fleet[0]!.id)).toBeUndefined();
    const speaker = fleet.find((d) => d.kind === 'speaker')!.id;
    await bus.observer.publishAsync(deviceTopic(speaker, 'cmd'), JSON.stringify({ id: 'p1', type: 'play', args: { url: 'http://127.0.0.1:9/a.mp3' }, expires: Date.now() + 60_000 }), { qos: 1 });
    const ack = await bus.waitFor((m) => m.topic === deviceTopic(speaker, 'ack'), 'the ack');
    expect(ack.body).toEqual({ id: 'p1', status: 'error', detail: 'no audio decoder: ffmpeg not found on the simulator host' });
  });
});
