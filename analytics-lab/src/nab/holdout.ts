import { join } from 'node:path';
import { createSeriesDetector, DEFAULT_DETECTOR_OPTIONS, loadNoveltyModel } from '@ioc/analytics';
import { readNabCsv } from './dataset.ts';
import { labelledFiles } from './evaluate.ts';
import { nabReport, type ScoredFile } from './report.ts';

/** Thresholds tried on each tuning half (the detector's own is 0.9995). */
export const HOLDOUT_THRESHOLDS = [0.99, 0.995, 0.999, 0.9995, 0.9999];

/** What the detector outputs at `threshold`: its likelihood, and 0 for `refractory` samples after each detection. */
function withRefractory(likelihoods: number[], threshold: number, refractory: number): number[] {
  let quiet = 0;
  return likelihoods.map((likelihood) => {
    if (quiet > 0) {
      quiet--;
      return 0;
    }
    if (likelihood >= threshold) quiet = refractory;
    return likelihood;
  });
}

/**
 * An honest NAB result: the files are split in two halves (alternately within each category); the threshold is
 * chosen by the standard score on one half and the other half is scored at it, and the other way round. The
 * detector runs once per file (without its quiet period, which is then applied per threshold exactly as the
 * detector would).
 */
export async function evaluateNabHoldout(options: { dataDir: string; labelsFile: string; thresholds?: number[] }) {
  const thresholds = options.thresholds ?? HOLDOUT_THRESHOLDS;
  const { refractory } = DEFAULT_DETECTOR_OPTIONS;
  const model = await loadNoveltyModel();
  const runs: Array<{ file: Omit<ScoredFile, 'anomalyScores'>; likelihoods: number[]; half: 0 | 1 }> = [];
  try {
    const seen = new Map<string, number>();
    for (const { name, windows } of labelledFiles(options.dataDir, options.labelsFile)) {
      const csv = readNabCsv(join(options.dataDir, name), ['value']);
      const detector = createSeriesDetector(model, { refractory: 0 });
      const likelihoods: number[] = [];
      for (const value of csv.columns.value!) {
        const [result] = await detector.push([{ key: name, value }]);
        likelihoods.push(result!.score);
      }
      const category = name.split('/')[0]!;
      const index = seen.get(category) ?? 0;
      seen.set(category, index + 1);
      runs.push({ file: { name, windows, timestamps: csv.timestamps }, likelihoods, half: (index % 2) as 0 | 1 });
    }
  } finally {
    await model.close();
  }
  const standard = (half: 0 | 1, threshold: number) =>
    nabReport(
      runs.filter((r) => r.half === half).map((r) => ({ ...r.file, anomalyScores: withRefractory(r.likelihoods, threshold, refractory) })),
      threshold,
    ).standard!.score;
  const folds = ([0, 1] as const).map((tune) => {
    const test = tune === 0 ? 1 : 0;
    const tuned = thresholds.map((threshold) => ({ threshold, standard: standard(tune, threshold) }));
    const best = tuned.reduce((a, b) => (b.standard > a.standard ? b : a));
    return { tuned_on: `half ${tune}`, threshold: best.threshold, tuning_standard: best.standard, held_out_standard: standard(test, best.threshold) };
  });
  return {
    detector: 'ioc-env-novelty',
    files: runs.length,
    halves: [0, 1].map((half) => runs.filter((r) => r.half === half).map((r) => r.file.name)),
    folds,
    held_out_standard_mean: (folds[0]!.held_out_standard + folds[1]!.held_out_standard) / 2,
  };
}
