import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnvironment, buildFleet, loadFleetFile, airReading } from '@ioc/device-sim';
import { createStationNormaliser, createStuckWatch, loadStationModel, type StationModel } from '@ioc/analytics';

describe('multivariate station model (ONNX autoencoder)', () => {
  let model: StationModel;
  beforeAll(async () => {
    model = await loadStationModel('air');
  });
  afterAll(() => model.close());

  it('finds normal air readings consistent and one metric departing alone inconsistent, naming it', async () => {
    // A fleet and days the model was not trained on (training: fleet seed 4242, June).
    const stations = buildFleet({ ...loadFleetFile(), seed: 99 }).filter((d) => d.kind === 'air').slice(0, 5);
    const env = baseEnvironment(3, Date.UTC(2026, 1, 1));
    const normaliser = createStationNormaliser();
    const normal: Float32Array[] = [];
    for (let ts = Date.UTC(2026, 1, 1); ts < Date.UTC(2026, 1, 4); ts += 10 * 60_000) {
      for (const station of stations) {
        const reading = airReading(station, ts, env) as unknown as Record<string, number>;
        const row = Float32Array.from(model.metrics.map((metric) => normaliser.push(`${station.id}/${metric}`, metric, ts, reading[metric]!)));
        if (ts >= Date.UTC(2026, 1, 2)) normal.push(row);
      }
    }
    const scores = (await model.score(normal)).map((o) => o.score).sort((a, b) => a - b);
    expect(scores[Math.floor(scores.length * 0.99)]!).toBeLessThan(1.5);

    const spiked = Float32Array.from(normal[0]!);
    spiked[model.metrics.indexOf('pm25')] = spiked[model.metrics.indexOf('pm25')]! + 4;
    const [result] = await model.score([spiked]);
    expect(result!.score).toBeGreaterThan(3);
    expect(model.metrics[result!.shares.indexOf(Math.max(...result!.shares))]).toBe('pm25');
  });
});

describe('station normaliser and stuck watch', () => {
  it('standardises each stream on its own scale (logs for concentrations) and finds an improbable run of repeats', () => {
    const normaliser = createStationNormaliser({ halfLifeMs: 3600_000, minStd: 0.05 });
    let last = 0;
    for (let i = 0; i < 500; i++) last = normaliser.push('a/pm25', 'pm25', i * 60_000, 20 * Math.exp(0.3 * Math.sin(i / 7)));
    expect(Math.abs(last)).toBeLessThan(3);
    expect(normaliser.push('a/pm25', 'pm25', 500 * 60_000, 200)).toBeGreaterThan(5);
    expect(normaliser.latest('a/pm25')).toBeGreaterThan(5);

    const stuck = createStuckWatch({ warmupMs: 100 * 60_000, minRunMs: 5 * 60_000, factor: 2 });
    const minute = (i: number) => i * 60_000;
    const level = (i: number) => Math.round((100 + 10 * Math.sin(i / 9) + (((i * 7919) % 13) / 13) * 2) * 10) / 10;
    const rain = (i: number) => (i % 40 < 30 ? 0 : i % 7);
    for (let i = 0; i < 200; i++) {
      expect(stuck.push('w/level_cm', minute(i), level(i))).toBe(false);
      expect(stuck.push('w/rain_mm', minute(i), rain(i))).toBe(false);
    }
    const runs = Array.from({ length: 8 }, (_, k) => stuck.push('w/level_cm', minute(200 + k), level(199)));
    // The level has held a value for 3 minutes at most (two repeats): stuck once it holds one for over 6 (7 minutes).
    expect(runs.indexOf(true)).toBe(6);
    for (let i = 200; i < 230; i++) expect(stuck.push('w/rain_mm', minute(i), 0)).toBe(false);
  });
});
