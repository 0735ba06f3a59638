/**
 * The environment detector's work beyond the per-stream novelty windows (measured at full length in
 * bench/analytics.ts): the multivariate station model, the normaliser, the spatial consensus, stuck and dropout
 * watches and the station judgement, run through createEnvDetector on a fleet of air stations reporting together.
 * The novelty windows here are short (64 values), so their cost is counted a second time, a little: an upper bound.
 * Readings come every 10 s and each stream is judged once per 2-minute step (its first reading of a step hands over
 * the previous one), so most readings only join their step's mean.
 */
import { createEnvDetector, DEFAULT_CONSENSUS, loadNoveltyModel, loadStationModels, type EnvReading } from '@ioc/analytics';

const METRICS = { pm25: 25, pm10: 40, no2: 20, o3: 40, co: 500, temp_c: 28, rh: 78 } as const;

export async function measureEnvPipeline(options: { stations: number; durationS: number }) {
  const novelty = await loadNoveltyModel();
  const stationModels = await loadStationModels();
  // The consensus scores departures after 30 minutes of learning here (6 hours by default), so that the 250 rounds below pass it.
  const detector = createEnvDetector(novelty, stationModels, {
    detector: { windowSize: 64, historySize: 50, minValues: 16, minScores: 10 },
    consensus: { ...DEFAULT_CONSENSUS, warmupMs: 30 * 60_000 },
  });
  const places = Array.from({ length: options.stations }, (_, s) => ({ id: `air-bench-${s}`, lat: 16.3 + ((s * 37) % 100) / 250, lon: 107.4 + ((s * 61) % 100) / 250 }));
  for (const { id, lat, lon } of places) detector.place(id, 'air', { lat, lon });
  const round = (i: number): EnvReading[] =>
    places.flatMap(({ id }, s) =>
      Object.entries(METRICS).map(([metric, level]) => ({
        deviceId: id,
        kind: 'air',
        metric,
        ts: i * 10_000,
        value: Math.round(level * (1 + 0.3 * Math.sin((2 * Math.PI * i) / 8640 + s) + 0.05 * Math.random()) * 10) / 10,
      })),
    );
  let i = 0;
  for (; i < 250; i++) await detector.score(round(i)); // 42 minutes: past the consensus's learning
  let readings = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  while (performance.now() - wallStart < options.durationS * 1000) {
    const batch = round(i++);
    await detector.score(batch);
    detector.checkSilence(i * 10_000);
    readings += batch.length;
  }
  const cpu = process.cpuUsage(cpuStart);
  await novelty.close();
  for (const model of stationModels.values()) await model.close();
  return { pipeline_readings_per_cpu_s: Math.round(readings / ((cpu.user + cpu.system) / 1e6)) };
}
