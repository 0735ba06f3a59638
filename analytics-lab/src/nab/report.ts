import { sweep, scoreAtThreshold, windowIndices, type CostMatrix, type Counts, type SweptFile } from './sweep.ts';
import { optimiseThreshold } from './threshold.ts';

/** NAB's three application profiles. */
export const NAB_PROFILES: Record<string, CostMatrix> = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22, tnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11, tnWeight: 1 },
};

export interface ScoredFile {
  name: string;
  timestamps: number[];
  anomalyScores: number[];
  windows: Array<[number, number]>;
}

export interface ProfileResult {
  /** Normalised: 0 = a detector that never fires, 100 = one detection at the start of every window. */
  score: number;
  raw: number;
  threshold: number;
  files: Record<string, Counts>;
}

/**
 * Scores detector output under every profile: at the given threshold, or (when none is given) at the threshold NAB's
 * optimiser would choose for that profile over these files.
 */
export function nabReport(files: ScoredFile[], threshold?: number): Record<string, ProfileResult> {
  const ranges = files.map((file) => windowIndices(file.timestamps, file.windows));
  const report: Record<string, ProfileResult> = {};
  for (const [profile, costs] of Object.entries(NAB_PROFILES)) {
    const swept: SweptFile[] = files.map((file, i) => sweep(file.anomalyScores, ranges[i]!, costs));
    const chosen = threshold ?? optimiseThreshold(swept, costs).threshold;
    const perFile: Record<string, Counts> = {};
    let raw = 0;
    let windows = 0;
    swept.forEach((file, i) => {
      const counts = scoreAtThreshold(file, chosen, costs);
      perFile[files[i]!.name] = counts;
      raw += counts.score;
      windows += file.windows;
    });
    const nullScore = -costs.fnWeight * windows;
    const perfectScore = costs.tpWeight * windows;
    report[profile] = { score: (100 * (raw - nullScore)) / (perfectScore - nullScore), raw, threshold: chosen, files: perFile };
  }
  return report;
}
