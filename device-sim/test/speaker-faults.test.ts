import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '@ioc/core';
import { buildFleet, createDeviceSimService, DEFAULT_INTERVALS_MS, parseScenarioSpec, type DeviceSimService } from '@ioc/device-sim';
import { startBus } from './sim-fixture.ts';

describe('loudspeaker faults and clocks', () => {
  const fleet = buildFleet({ name: 't', seed: 1, areas: ['19753'], perArea: { speaker: 2 }, intervalsMs: { ...DEFAULT_INTERVALS_MS, speaker: 300 } });
  const [broken, weak] = fleet.map((d) => d.id) as [string, string];
  const scenario = parseScenarioSpec({
    name: 'faults',
    duration: '2h',
    incidents: [
      { type: 'speaker_fault', fault: 'amplifier_fault', devices: [broken], duration: '2h' },
      { type: 'speaker_fault', fault: 'weak_signal', devices: [weak], duration: '2h' },
    ],
  });
  let bus: Awaited<ReturnType<typeof startBus>>;
  let sim: DeviceSimService;

  beforeAll(async () => {
    bus = await startBus('ioc-sim-speaker-faults-');
    // The speakers' clock runs an hour ahead of the IOC's (no ffmpeg needed: nothing here plays).
    sim = createDeviceSimService({ config: bus.config, logger: bus.logger, db: bus.db, fleet, scenario, startAt: Date.now() + 3_600_000, ffmpegPath: '/nonexistent/ffmpeg' });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await bus?.stop();
  });

  async function command(id: string, cmd: string, type: string, args: Record<string, unknown>, expires = Date.now() + 3 * 3_600_000) {
    await bus.observer.publishAsync(deviceTopic(id, 'cmd'), JSON.stringify({ id: cmd, type, args, expires }), { qos: 1 });
    return (await bus.waitFor((m) => m.topic === deviceTopic(id, 'ack') && m.body.id === cmd, `ack of ${cmd}`)).body;
  }

  it('announces a fault and shows it in telemetry: an amplifier fault refuses to play, a weak signal reports −112 dBm', async () => {
    expect((await bus.waitFor((m) => m.topic === deviceTopic(broken, 'events') && m.body.type === 'fault', 'fault event')).body).toMatchObject({ fault: 'amplifier_fault', active: true });
    expect(await command(broken, 'a1', 'play', { url: 'http://127.0.0.1:9/a.mp3' })).toEqual({ id: 'a1', status: 'error', detail: 'amplifier fault' });
    const hot = await bus.waitFor((m) => m.topic === deviceTopic(broken, 'telemetry'), 'telemetry of the faulty speaker');
    expect((hot.body.metrics as { temp_c: number }).temp_c).toBeGreaterThan(50);
    const reading = await bus.waitFor((m) => m.topic === deviceTopic(weak, 'telemetry'), 'telemetry of the weak speaker');
    expect(reading.body.metrics).toMatchObject({ rssi_dbm: -112, supply_v: 224, playing: 0 });
  });

  it('refuses a command that expired on its own clock, though the gateway still delivered it', async () => {
    expect(await command(weak, 'e1', 'volume', { level: 20 }, Date.now() + 600_000)).toEqual({ id: 'e1', status: 'error', detail: 'expired' });
    expect(await command(weak, 'e2', 'volume', { level: 20 }, Date.now() + 7_200_000)).toEqual({ id: 'e2', status: 'ok' });
  });
});
