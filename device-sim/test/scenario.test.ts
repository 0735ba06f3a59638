import { describe, expect, it } from 'vitest';
import {
  buildFleet,
  createSimEngine,
  DEFAULT_INTERVALS_MS,
  groundTruth,
  loadScenarioFile,
  parseScenarioSpec,
  planScenario,
  type GroundTruth,
  type SimDevice,
} from '@ioc/device-sim';

const MINUTE = 60_000;
const START = Date.UTC(2026, 2, 2, 1, 0, 0);
const fleet = buildFleet({
  name: 't',
  seed: 11,
  areas: ['19753', '19789', '19777', '19815', '20035', '19804'],
  perArea: { air: 1, noise: 1, water: 1, camera: 1, speaker: 3 },
  intervalsMs: DEFAULT_INTERVALS_MS,
});
const byId = new Map(fleet.map((d) => [d.id, d]));
const storm = loadScenarioFile(new URL('../scenarios/storm.yaml', import.meta.url).pathname);

function readings(device: SimDevice, engine: ReturnType<typeof createSimEngine>, from: number, to: number, step = MINUTE) {
  const result: { ts: number; metrics: Record<string, number> | undefined }[] = [];
  for (let ts = from; ts < to; ts += step) result.push({ ts, metrics: engine.reading(device, ts) });
  return result;
}

describe('scenarios', () => {
  it('the shipped scenarios parse and plan on the default fleet', () => {
    for (const name of ['gentle', 'storm']) {
      const spec = loadScenarioFile(new URL(`../scenarios/${name}.yaml`, import.meta.url).pathname);
      const plan = planScenario(spec, fleet, { seed: 1, startAt: START });
      expect(plan.incidents.length).toBe(spec.incidents.length);
      for (const incident of plan.incidents) expect(incident.devices.length, `${name} #${incident.index}`).toBeGreaterThan(0);
    }
  });

  it('plans the same incidents for the same seed, others for another seed', () => {
    const a = groundTruth(planScenario(storm, fleet, { seed: 42, startAt: START }), fleet);
    expect(groundTruth(planScenario(storm, fleet, { seed: 42, startAt: START }), fleet)).toEqual(a);
    expect(groundTruth(planScenario(storm, fleet, { seed: 43, startAt: START }), fleet)).not.toEqual(a);
  });

  it('writes one ground-truth line per device and incident, with its label and simulated window', () => {
    const plan = planScenario(storm, fleet, { seed: 42, startAt: START });
    const truth = groundTruth(plan, fleet);
    const labels = new Set(truth.map((t) => t.type));
    for (const label of ['pollution', 'flood', 'spike', 'stuck', 'drift', 'dropout', 'covered_lens', 'defocus', 'frozen_image', 'moved_camera', 'lost_signal', 'offline', 'amplifier_fault', 'low_voltage', 'network_cut']) {
      expect(labels, label).toContain(label);
    }
    for (const line of truth) {
      expect(line).toEqual({ device: expect.any(String), kind: byId.get(line.device)!.kind, type: expect.any(String), start: expect.any(Number), end: expect.any(Number), incident: expect.any(Number), scenario: 'storm' });
      expect(line.start).toBeGreaterThanOrEqual(plan.startAt);
      expect(line.end).toBeLessThanOrEqual(plan.endAt);
    }
    const offline = truth.filter((t) => t.type === 'offline');
    expect(new Set(offline.map((t) => t.kind))).toEqual(new Set(['speaker']));
    expect(offline.length).toBe(3); // the whole cluster of one commune
    expect(truth.filter((t) => t.type === 'network_cut').length).toBe(Math.round(fleet.length * 0.2));
    expect(truth.filter((t) => t.type === 'flood').every((t) => t.kind === 'water')).toBe(true);
  });

  it('injects each sensor fault exactly inside its ground-truth window', () => {
    const plan = planScenario(storm, fleet, { seed: 42, startAt: START });
    const engine = createSimEngine(plan, 42);
    const faults = groundTruth(plan, fleet).filter((t) => ['spike', 'stuck', 'drift', 'dropout'].includes(t.type));
    expect(faults.length).toBeGreaterThanOrEqual(4);
    const check = (line: GroundTruth) => {
      const device = byId.get(line.device)!;
      const metric = plan.incidents[line.incident]!.metric ?? { air: 'pm25', noise: 'laeq_db', water: 'level_cm' }[device.kind as 'air']!;
      const before = readings(device, engine, line.start - 10 * MINUTE, line.start);
      const after = readings(device, engine, line.end, line.end + 10 * MINUTE);
      // The same run without this one incident: outside its window, readings are identical.
      const calm = createSimEngine({ ...plan, incidents: plan.incidents.filter((i) => i.index !== line.incident) }, 42);
      for (const r of [...before, ...after]) expect(r.metrics, `${line.type} ${line.device} outside`).toEqual(calm.reading(device, r.ts));
      const inside = readings(device, engine, line.start, line.end, Math.max(1000, (line.end - line.start) / 20));
      const values = inside.map((r) => r.metrics?.[metric]);
      const normal = inside.map((r) => calm.reading(device, r.ts)![metric]!);
      if (line.type === 'dropout') expect(inside.every((r) => r.metrics === undefined)).toBe(true);
      if (line.type === 'stuck') expect(new Set(values).size).toBe(1);
      if (line.type === 'spike') values.forEach((v, i) => expect(v!).toBeGreaterThan(normal[i]! * 2));
      if (line.type === 'drift') {
        const offsets = values.map((v, i) => v! - normal[i]!);
        offsets.slice(1).forEach((offset, i) => expect(offset).toBeGreaterThan(offsets[i]! - 0.2));
        expect(offsets.at(-1)!).toBeGreaterThan(offsets[0]! + 7);
      }
    };
    faults.forEach(check);
  });

  it('pollution episodes raise the air of their communes only; network cuts and offline clusters cut connections', () => {
    const plan = planScenario(storm, fleet, { seed: 42, startAt: START });
    const engine = createSimEngine(plan, 42);
    const calm = createSimEngine(planScenario({ name: 'calm', durationMs: storm.durationMs, incidents: [] }, fleet, { seed: 42, startAt: START }), 42);
    const episode = plan.incidents.find((i) => i.type === 'pollution')!;
    const middle = (episode.start + episode.end) / 2;
    for (const device of fleet.filter((d) => d.kind === 'air')) {
      const ratio = engine.reading(device, middle)!.pm25! / calm.reading(device, middle)!.pm25!;
      if (episode.areas.includes(device.areaId)) expect(ratio, device.id).toBeGreaterThan(2);
      else expect(ratio, device.id).toBeCloseTo(1, 1);
    }
    const cut = plan.incidents.find((i) => i.type === 'network_cut')!;
    for (const id of cut.devices) {
      expect(engine.offline(id, cut.start)).toBe(true);
      expect(engine.offline(id, cut.end)).toBe(false);
    }
  });

  it('explains what is wrong with a bad scenario', () => {
    const parse = (data: unknown) => () => parseScenarioSpec(data, 'bad.yaml');
    expect(parse({ incidents: [] })).toThrow(/bad.yaml: duration must be a duration/);
    expect(parse({ duration: '1h', incidents: [{ type: 'meteor', duration: '1m' }] })).toThrow(/incidents\[0\].type must be one of pollution/);
    expect(parse({ duration: '1h', incidents: [{ type: 'sensor_fault', fault: 'melted', duration: '1m' }] })).toThrow(/incidents\[0\].fault must be one of spike, stuck, drift, dropout/);
    expect(parse({ duration: '1h', incidents: [{ type: 'rain', start: '50m', duration: '20m' }] })).toThrow(/incidents\[0\] ends after the scenario's duration/);
    expect(parse({ duration: '1h', incidents: [{ type: 'rain', duration: '20m', when: 'now' }] })).toThrow(/unknown field "when"/);
    const spec = parseScenarioSpec({ duration: '1h', incidents: [{ type: 'sensor_fault', fault: 'stuck', devices: ['air-1-1'], duration: '5m' }] });
    expect(() => planScenario(spec, fleet, { seed: 1, startAt: START })).toThrow(/device "air-1-1" is not in the fleet/);
  });
});
