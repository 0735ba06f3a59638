import type { NoveltyModel } from './novelty-model.ts';

export interface DetectorOptions {
  /** Values kept per series and given to the model (its context). */
  windowSize: number;
  /** Earlier novelty scores the likelihood is measured against. */
  historySize: number;
  /** Values a series needs before it is scored. */
  minValues: number;
  /** Novelty scores a series needs before its likelihood counts. */
  minScores: number;
  /** A score at or above this is a detection. */
  threshold: number;
  /** Samples after a detection during which the series reports 0 (one detection per episode). */
  refractory: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  windowSize: 2000,
  historySize: 1000,
  minValues: 64,
  minScores: 50,
  threshold: 0.9995,
  refractory: 100,
};

export interface SeriesScore {
  key: string;
  novelty: number;
  likelihood: number;
  /** The likelihood, or 0 while the series is warming up or in its refractory period. */
  score: number;
  detection: boolean;
  /** True until the series has enough values to be scored at all. */
  warmingUp: boolean;
}

interface SeriesState {
  values: number[];
  scores: number[];
  quietFor: number;
}

/** Streaming detector over many series: each push adds one value per series and scores them in one model call. */
export interface SeriesDetector {
  push(samples: Array<{ key: string; value: number }>): Promise<SeriesScore[]>;
  forget(key: string): void;
  readonly options: DetectorOptions;
}

function keepLast(list: number[], size: number): void {
  if (list.length > size) list.splice(0, list.length - size);
}

export function createSeriesDetector(model: NoveltyModel, overrides: Partial<DetectorOptions> = {}): SeriesDetector {
  const options = { ...DEFAULT_DETECTOR_OPTIONS, ...overrides };
  const series = new Map<string, SeriesState>();

  return {
    options,
    forget: (key) => void series.delete(key),
    async push(samples) {
      const ready: Array<{ key: string; state: SeriesState }> = [];
      const results: SeriesScore[] = [];
      for (const { key, value } of samples) {
        let state = series.get(key);
        if (!state) series.set(key, (state = { values: [], scores: [], quietFor: 0 }));
        state.values.push(value);
        keepLast(state.values, options.windowSize);
        if (state.values.length >= options.minValues) ready.push({ key, state });
        else results.push({ key, novelty: 0, likelihood: 0, score: 0, detection: false, warmingUp: true });
      }
      const outputs = await model.score(
        ready.map(({ state }) => ({
          values: Float32Array.from(state.values),
          pastScores: state.scores.length > 0 ? Float32Array.from(state.scores) : Float32Array.of(0),
        })),
      );
      ready.forEach(({ key, state }, i) => {
        const { novelty, likelihood: modelLikelihood } = outputs[i]!;
        const likelihood = state.scores.length >= options.minScores ? modelLikelihood : 0;
        state.scores.push(novelty);
        keepLast(state.scores, options.historySize);
        let score = likelihood;
        if (state.quietFor > 0) {
          state.quietFor--;
          score = 0;
        }
        const detection = score >= options.threshold;
        if (detection) state.quietFor = options.refractory;
        results.push({ key, novelty, likelihood, score, detection, warmingUp: false });
      });
      return results;
    },
  };
}
