/**
 * Puts every metric of every station on one scale: concentrations (and rain) on a log scale, then standardised by
 * the stream's own running mean and standard deviation (exponentially weighted with a half-life in time, so the
 * result does not depend on how often a station reports). Stations of different baselines become comparable with
 * each other and with the multivariate model's training data.
 */
export const LOG_SCALED_METRICS: ReadonlySet<string> = new Set(['pm25', 'pm10', 'no2', 'o3', 'co', 'rain_mm']);

export interface NormaliserOptions {
  /** Half-life of the running mean and variance, ms. */
  halfLifeMs: number;
  /** Smallest standard deviation, in the transformed unit (a constant stream does not divide by zero). */
  minStd: number;
}

export const DEFAULT_NORMALISER: NormaliserOptions = { halfLifeMs: 24 * 3600_000, minStd: 0.05 };

interface Running {
  n: number;
  latest: number;
  ts: number;
  mean: number;
  variance: number;
}

export function transformValue(metric: string, value: number): number {
  return LOG_SCALED_METRICS.has(metric) ? Math.log1p(Math.max(0, value)) : value;
}

export function createStationNormaliser(options: NormaliserOptions = DEFAULT_NORMALISER) {
  const streams = new Map<string, Running>();
  return {
    /** Adds one reading of a stream (`device/metric`) and returns its standardised value. */
    push(key: string, metric: string, ts: number, value: number): number {
      const y = transformValue(metric, value);
      let state = streams.get(key);
      if (!state) streams.set(key, (state = { n: 0, latest: 0, ts, mean: y, variance: 0 }));
      const decay = 1 - 0.5 ** (Math.max(0, ts - state.ts) / options.halfLifeMs);
      const alpha = Math.max(decay, 1 / (state.n + 1));
      const delta = y - state.mean;
      state.mean += alpha * delta;
      state.variance = (1 - alpha) * (state.variance + alpha * delta * delta);
      state.n++;
      state.ts = ts;
      state.latest = (y - state.mean) / Math.max(Math.sqrt(state.variance), options.minStd);
      return state.latest;
    },
    /** The stream's latest standardised value (0 before its first reading). */
    latest: (key: string) => streams.get(key)?.latest ?? 0,
  };
}
