import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deviceTopic } from '@ioc/core';
import { createConsensus, createEnvDetector, createSilenceWatch, distanceKm, judgeStation, loadNoveltyModel, type EnvAlarm, type EnvReading, type StreamEvidence } from '@ioc/analytics';
import { startAnalyticsStack, type AnalyticsStack } from './stack.ts';

/** A cluster of three stations ~1 km apart and four others 6–12 km away. */
const STATIONS: Record<string, [number, number]> = {
  'air-sp-a': [16.46, 107.59],
  'air-sp-b': [16.465, 107.595],
  'air-sp-c': [16.47, 107.6],
  'air-sp-d': [16.52, 107.55],
  'air-sp-e': [16.4, 107.65],
  'air-sp-f': [16.55, 107.66],
  'air-sp-g': [16.38, 107.52],
};
const wobble = (i: number, id: string) => (((i * 7919 + id.charCodeAt(7) * 31) % 13) / 13 - 0.5) * 0.4;

describe('spatial consensus', () => {
  it('tells a station alone (rz) from a local episode (dz) from a change the whole city shares', () => {
    const consensus = createConsensus({ neighbours: 4, radiusKm: 25, recentMs: 600_000, faultAt: 6, episodeAt: 3, warmupMs: 50 * 60_000, memoryMs: 24 * 3600_000 });
    for (const [id, [lat, lon]] of Object.entries(STATIONS)) consensus.place(id, 'air', { lat, lon });
    expect(distanceKm({ lat: 16.46, lon: 107.59 }, { lat: 16.47, lon: 107.6 })).toBeCloseTo(1.52, 1);
    expect(consensus.neighboursOf('air-sp-a').slice(0, 2).sort()).toEqual(['air-sp-b', 'air-sp-c']);
    const round = (i: number, shift: (id: string) => number) => {
      const ts = i * 60_000;
      for (const id of Object.keys(STATIONS)) consensus.update(id, 'pm25', ts, Math.sin(i / 20) + wobble(i, id) + shift(id));
      return Object.fromEntries(Object.keys(STATIONS).map((id) => [id, consensus.evaluate(id, 'pm25', ts)!]));
    };
    for (let i = 0; i < 100; i++) round(i, () => 0);
    const cityWide = round(100, () => 3);
    for (const departure of Object.values(cityWide)) expect(Math.abs(departure.dz) + Math.abs(departure.rz)).toBeLessThan(3);
    const episode = round(101, (id) => (['air-sp-a', 'air-sp-b', 'air-sp-c'].includes(id) ? 4 : 0));
    expect(episode['air-sp-a']!.dz).toBeGreaterThan(3);
    expect(consensus.sharedBy('air-sp-a', 'pm25', 1, 101 * 60_000)).toBe(true);
    const alone = round(102, (id) => (id === 'air-sp-e' ? 4 : 0));
    expect(alone['air-sp-e']!.rz).toBeGreaterThan(6);
    expect(consensus.sharedBy('air-sp-e', 'pm25', 1, 102 * 60_000)).toBe(false);
  });

  it('learns a stream\'s usual departure over time, the same whether it reports every 10 s or every 2 minutes', () => {
    const HOUR = 3600_000;
    // Station a departs from its neighbours by a little all day and by more for three hours every evening; judged as
    // the third evening begins, yesterday's evening is still part of what is usual for it (a 2-hour memory forgets it).
    const departure = (ts: number) => (ts % (24 * HOUR) >= 18 * HOUR && ts % (24 * HOUR) < 21 * HOUR ? 0.3 : 0.05);
    const rzAtRush = (intervalMs: number) => {
      const consensus = createConsensus({ neighbours: 4, radiusKm: 25, recentMs: 15 * 60_000, faultAt: 6, episodeAt: 3, warmupMs: HOUR, memoryMs: 24 * HOUR });
      for (const id of ['air-sp-a', 'air-sp-b', 'air-sp-c']) consensus.place(id, 'air', { lat: STATIONS[id]![0], lon: STATIONS[id]![1] });
      let rz = 0;
      for (let ts = 0; ts <= 2 * 24 * HOUR + 18 * HOUR; ts += intervalMs) {
        for (const id of ['air-sp-b', 'air-sp-c']) consensus.update(id, 'pm25', ts, 0);
        consensus.update('air-sp-a', 'pm25', ts, departure(ts) * (ts % (2 * intervalMs) ? 1 : -1));
        rz = Math.abs(consensus.evaluate('air-sp-a', 'pm25', ts)!.rz);
      }
      return rz;
    };
    const often = rzAtRush(10_000);
    const seldom = rzAtRush(120_000);
    expect(seldom).toBeGreaterThan(1);
    expect(Math.abs(often - seldom) / seldom).toBeLessThan(0.05);
  });
});

describe('station judgement', () => {
  const stream = (metric: string, rz: number, dz: number, unusual = true, more: Partial<StreamEvidence> = {}): StreamEvidence => ({ metric, departure: { rz, dz }, unusual, detected: false, stuck: false, aboveDay: 1, ...more });
  const nobody = () => false;

  it('calls one departing stream a sensor fault, a shared hazard rise an episode, and lets weather and city-wide changes pass', () => {
    expect(judgeStation([stream('pm25', 9, 2), stream('no2', 0.5, 0)], undefined, nobody)).toMatchObject({ label: 'sensor_fault', metric: 'pm25' });
    expect(judgeStation([stream('pm25', 9, 2, false)], undefined, nobody)).toBeUndefined();
    expect(judgeStation([stream('pm25', -9, 0.5)], undefined, nobody)).toBeUndefined();
    // Its neighbours jumping together leave it far below them, a little below the city: that is them, not it.
    expect(judgeStation([stream('pm25', -9, -2, true, { departure: { rz: -9, dz: -2, neighboursDz: 40 } })], undefined, nobody)).toBeUndefined();
    expect(judgeStation([stream('co', 1, 5)], undefined, (metric, sign) => metric === 'co' && sign > 0)).toMatchObject({ label: 'episode', metric: 'co' });
    expect(judgeStation([stream('co', 1, 5)], undefined, nobody)).toBeUndefined();
    expect(judgeStation([stream('laeq_db', 1, 5)], undefined, () => true)).toBeUndefined();
    expect(judgeStation([stream('rain_mm', 20, 20)], undefined, nobody)).toBeUndefined();
    const rainAtOneStation = ['pm25', 'pm10', 'no2', 'o3'].map((metric) => stream(metric, -7, -4));
    expect(judgeStation(rainAtOneStation, undefined, nobody)).toBeUndefined();
    expect(judgeStation([{ metric: 'level_cm', unusual: false, detected: false, stuck: true }], undefined, nobody)).toMatchObject({ label: 'sensor_fault', metric: 'level_cm' });
    expect(judgeStation([stream('no2', 4, 1, false)], { score: 5, metric: 'no2' }, nobody)).toMatchObject({ label: 'sensor_fault', metric: 'no2', threshold: 3 });
    expect(judgeStation([stream('no2', 1, 1, false)], { score: 5, metric: 'no2' }, nobody)).toBeUndefined();
    const alone = { departure: undefined, unusual: true, detected: true, stuck: false };
    expect(judgeStation([{ metric: 'pm25', ...alone }], undefined, nobody)).toMatchObject({ label: 'anomaly', metric: 'pm25' });
    expect(judgeStation([{ metric: 'rh', ...alone }], undefined, nobody)).toBeUndefined();
  });

  it('calls a stream jumping far from its neighbours within one step a sensor fault, even before its own detector fires', () => {
    // A one-minute spike of a noise meter: 50 usual departures from its neighbours, close to them a step before.
    expect(judgeStation([stream('laeq_db', 50, 60, false, { previousRz: 0.4 })], undefined, nobody)).toMatchObject({ label: 'sensor_fault', metric: 'laeq_db' });
    // Not a jump: it was already far a step before (a pollution episode ramps up over many steps), or no step before.
    expect(judgeStation([stream('co', 21, 25, false, { previousRz: 19 })], undefined, nobody)).toBeUndefined();
    expect(judgeStation([stream('laeq_db', 50, 60, false)], undefined, nobody)).toBeUndefined();
    // Not far enough for a fault without the detector, nor when a neighbour shares it.
    expect(judgeStation([stream('laeq_db', 10, 12, false, { previousRz: 0 })], undefined, nobody)).toBeUndefined();
    expect(judgeStation([stream('laeq_db', 50, 60, false, { previousRz: 0 })], undefined, () => true)).toBeUndefined();
  });

  it('calls a hazard metric an episode only above the highest it reached over the last day, with or without its detector', () => {
    const upShared = (metric: string, sign: number) => metric === 'level_cm' && sign > 0;
    // A slow flood: far above the city and 0.6 of its daily range above its last-day highest; its detector never fired.
    expect(judgeStation([stream('level_cm', 2, 8, false, { aboveDay: 0.6 })], undefined, upShared)).toMatchObject({ label: 'episode', metric: 'level_cm' });
    // A shower's few centimetres on a gauge with a small tide: above the city, within its daily range — even when its
    // novelty detector happens to fire.
    expect(judgeStation([stream('level_cm', 1.5, 4.4, true, { aboveDay: 0.1 })], undefined, upShared)).toBeUndefined();
    // A range not learned yet (less than its minimum history) is no episode either.
    expect(judgeStation([stream('level_cm', 2, 8, true, { aboveDay: undefined })], undefined, upShared)).toBeUndefined();
    // A flood on a gauge with a big tide: still inside its daily range, but far above the city (dz ≥ 12), shared.
    expect(judgeStation([stream('level_cm', 5, 25, false, { aboveDay: 0.1 })], undefined, upShared)).toMatchObject({ label: 'episode', metric: 'level_cm' });
    expect(judgeStation([stream('level_cm', 5, 25, false, { aboveDay: 0.1 })], undefined, nobody)).toBeUndefined();
  });
});

describe('dropout', () => {
  it('raises a station silent while stations around it report, not a network cut silencing many together', () => {
    const silence = createSilenceWatch({ minSilenceMs: 600_000, intervals: 10, radiusKm: 10, togetherMs: 300_000, massShare: 0.05 });
    const ids = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const report = (id: string, ts: number) => silence.report(id, 'noise', ts, { lat: 16.4 + Number(id.slice(1)) * 0.001, lon: 107.6 });
    for (let ts = 0; ts <= 3_600_000; ts += 60_000) for (const id of ids) report(id, ts);
    for (let ts = 3_660_000; ts <= 5_400_000; ts += 60_000) for (const id of ids.slice(1)) report(id, ts);
    expect(silence.check(4_200_000)).toEqual([]);
    expect(silence.check(4_300_000)).toEqual([{ deviceId: 's0', kind: 'noise', state: 'raised', ts: 4_300_000, lastReportTs: 3_600_000 }]);
    expect(silence.check(4_400_000)).toEqual([]);
    expect(report('s0', 5_460_000)).toMatchObject({ deviceId: 's0', state: 'cleared' });
    for (let ts = 5_460_000; ts <= 6_000_000; ts += 60_000) for (const id of ids.slice(10)) report(id, ts);
    expect(silence.check(7_000_000)).toEqual([]);
  });
});

describe('station judgement across rounds', () => {
  const CONSENSUS = { neighbours: 4, radiusKm: 25, recentMs: 15 * 60_000, faultAt: 6, episodeAt: 3, warmupMs: 100 * 60_000, memoryMs: 24 * 3600_000 };
  const MINUTE = 60_000;
  const reading = (id: string, i: number): EnvReading => {
    const normal = 30 + 8 * Math.sin((2 * Math.PI * i) / 48) + 3 * wobble(i, id);
    const jumped = (['air-sp-a', 'air-sp-b', 'air-sp-c'].includes(id) && i >= 250 && i < 260) || (id === 'air-sp-e' && i >= 320 && i < 325);
    return { deviceId: id, kind: 'air', metric: 'pm25', ts: 30_000 + i * MINUTE, value: jumped ? normal + 300 : normal };
  };

  /** The raised alarms of 360 minutes of the seven stations, scored one round per minute of what `roundAt` holds. */
  async function raisedAlarms(roundAt: (i: number, ids: string[]) => [string, number][]): Promise<string[][]> {
    const model = await loadNoveltyModel();
    try {
      const detector = createEnvDetector(model, new Map(), { stepMs: MINUTE, consensus: CONSENSUS, hysteresis: { clearBelow: 0.9, clearAfter: 30 } });
      for (const [id, [lat, lon]] of Object.entries(STATIONS)) detector.place(id, 'air', { lat, lon });
      const alarms: EnvAlarm[] = [];
      const ids = Object.keys(STATIONS);
      for (let i = 0; i <= 360; i++) {
        alarms.push(...(await detector.score(roundAt(i, ids).map(([id, minute]) => reading(id, minute)))).alarms);
      }
      return alarms.filter((a) => a.state === 'raised').map((a) => [a.deviceId, a.label, String(a.ts)]);
    } finally {
      await model.close();
    }
  }

  it('judges a station whose neighbours arrive only with its next reading (a batch ending between them) as if they came together', async () => {
    const together = await raisedAlarms((i, ids) => ids.map((id) => [id, i]));
    expect(together.map(([id, label]) => [id, label]).sort()).toEqual([
      ['air-sp-a', 'episode'],
      ['air-sp-b', 'episode'],
      ['air-sp-c', 'episode'],
      ['air-sp-e', 'sensor_fault'],
    ]);
    // Every batch ends after air-sp-e: f and g of minute i arrive in one round with a–e of minute i + 1.
    const split = await raisedAlarms((i, ids) => [...(i > 0 ? ids.slice(5).map((id): [string, number] => [id, i - 1]) : []), ...ids.slice(0, 5).map((id): [string, number] => [id, i])]);
    expect(split).toEqual(together);
  });
});

describe('analytics service: episodes and sensor faults on a real gateway', () => {
  let stack: AnalyticsStack;
  let analytics: AnalyticsStack['analytics'];
  let events: AnalyticsStack['events'];

  beforeAll(async () => {
    stack = await startAnalyticsStack({ hysteresis: { clearBelow: 0.9, clearAfter: 30 }, env: { stepMs: 60_000, consensus: { neighbours: 4, radiusKm: 25, recentMs: 15 * 60_000, faultAt: 6, episodeAt: 3, warmupMs: 100 * 60_000, memoryMs: 24 * 3600_000 } } });
    ({ analytics, events } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('labels a jump shared by neighbouring stations an episode and one station jumping alone a sensor fault', async () => {
    const devices = new Map<string, MqttClient>();
    for (const [id, [lat, lon]] of Object.entries(STATIONS)) devices.set(id, await stack.device({ id, kind: 'air', lat, lon }));
    const start = Date.now() - 400 * 60_000;
    const episode = (id: string, i: number) => ['air-sp-a', 'air-sp-b', 'air-sp-c'].includes(id) && i >= 250 && i < 260;
    const fault = (id: string, i: number) => id === 'air-sp-e' && i >= 320 && i < 325;
    for (let i = 0; i < 360; i++) {
      for (const [id, client] of devices) {
        const normal = 30 + 8 * Math.sin((2 * Math.PI * i) / 48) + 3 * wobble(i, id);
        const value = episode(id, i) || fault(id, i) ? normal + 300 : normal;
        await client.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify({ ts: start + i * 60_000, metrics: { pm25: value } }), { qos: 1 });
      }
    }
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ scored: 7 * (359 - 39) }), { timeout: 90_000 });
    // A round's alarms are published after its scores are counted: the last one may still be on its way.
    const raised = () => events.filter((e) => e.state === 'raised');
    await vi.waitFor(() =>
      expect(raised().map((e) => [e.deviceId, e.label]).sort()).toEqual([
        ['air-sp-a', 'episode'],
        ['air-sp-b', 'episode'],
        ['air-sp-c', 'episode'],
        ['air-sp-e', 'sensor_fault'],
      ]),
    { timeout: 10_000 });
    for (const event of raised()) expect(event).toMatchObject({ kind: 'air', metric: 'pm25', model: 'ioc-env-v2' });
    for (const event of events.filter((e) => e.state === 'cleared')) {
      expect(event.label).toBe(raised().find((r) => r.deviceId === event.deviceId)!.label);
    }
  });
});
