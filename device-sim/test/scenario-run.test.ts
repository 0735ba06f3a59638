import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic } from '@ioc/core';
import { buildFleet, createDeviceSimService, DEFAULT_INTERVALS_MS, groundTruth, parseScenarioSpec, type DeviceSimService, type GroundTruth } from '@ioc/device-sim';
import { startBus } from './sim-fixture.ts';

describe('a scenario run against a real gateway, faster than real time', () => {
  const fleet = buildFleet({ name: 't', seed: 1, areas: ['19753', '19789'], perArea: { air: 1, noise: 1, water: 1 }, intervalsMs: DEFAULT_INTERVALS_MS });
  const scenario = parseScenarioSpec({
    name: 'run',
    duration: '20m',
    incidents: [
      { type: 'pollution', areas: ['19753'], factor: 3, start: '2m', duration: '10m' },
      { type: 'sensor_fault', fault: 'stuck', devices: ['water-19789-1'], start: '3m', duration: '6m' },
      { type: 'sensor_fault', fault: 'dropout', devices: ['noise-19753-1'], start: '4m', duration: '5m' },
      { type: 'network_cut', devices: ['air-19789-1', 'noise-19789-1'], start: '8m', duration: '4m' },
    ],
  });
  const truth: GroundTruth[] = [];
  let bus: Awaited<ReturnType<typeof startBus>>;
  let sim: DeviceSimService;

  beforeAll(async () => {
    bus = await startBus('ioc-sim-run-');
    sim = createDeviceSimService({ config: bus.config, logger: bus.logger, db: bus.db, fleet, scenario, seed: 9, speed: 120, intervalMs: 15_000, truth: (line) => truth.push(line) });
    await sim.start();
    await sim.finished;
  });
  afterAll(async () => {
    await sim?.stop();
    await bus?.stop();
  });

  const telemetry = (id: string) =>
    bus.received.filter((m) => m.topic === deviceTopic(id, 'telemetry')).map((m) => m.body as { ts: number; metrics: Record<string, number> });
  const window = (type: string) => truth.find((t) => t.type === type)!;

  it('hands over the ground truth of every incident, as planned', () => {
    expect(truth).toEqual(groundTruth(sim.plan, fleet));
    expect(truth.map((t) => [t.type, t.device])).toEqual([
      ['pollution', 'air-19753-1'],
      ['stuck', 'water-19789-1'],
      ['dropout', 'noise-19753-1'],
      ['network_cut', 'air-19789-1'],
      ['network_cut', 'noise-19789-1'],
    ]);
    expect(window('stuck').start).toBe(sim.plan.startAt + 3 * 60_000);
    expect(window('stuck').end).toBe(sim.plan.startAt + 9 * 60_000);
  });

  it('stamps readings with simulated time, never in the future, each the pure reading of its device at that time', () => {
    for (const device of fleet) {
      const readings = telemetry(device.id);
      expect(readings.length, device.id).toBeGreaterThan(20);
      for (const { ts, metrics } of readings) {
        expect(ts).toBeGreaterThanOrEqual(sim.plan.startAt);
        expect(ts).toBeLessThanOrEqual(Date.now());
        expect(metrics).toEqual(sim.engine.reading(device, ts));
      }
    }
  });

  it('shows each incident only inside its window', () => {
    const inside = (ts: number, t: GroundTruth) => ts >= t.start && ts < t.end;
    const dropout = window('dropout');
    const noise = telemetry('noise-19753-1');
    expect(noise.filter((r) => inside(r.ts, dropout))).toEqual([]);
    expect(noise.some((r) => r.ts < dropout.start) && noise.some((r) => r.ts >= dropout.end)).toBe(true);

    const stuck = window('stuck');
    const levels = telemetry('water-19789-1').filter((r) => inside(r.ts, stuck)).map((r) => r.metrics.level_cm);
    expect(levels.length).toBeGreaterThan(5);
    expect(new Set(levels).size).toBe(1);

    const cut = window('network_cut');
    for (const id of ['air-19789-1', 'noise-19789-1']) {
      const readings = telemetry(id);
      expect(readings.filter((r) => inside(r.ts, cut)), id).toEqual([]);
      expect(readings.some((r) => r.ts >= cut.end), `${id} reconnected`).toBe(true);
      const statuses = bus.received.filter((m) => m.topic === deviceTopic(id, 'status')).map((m) => m.body.online);
      expect(statuses.slice(-2), id).toEqual([false, true]);
    }
  });
});
