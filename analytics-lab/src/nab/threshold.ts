import type { CostMatrix, SweptFile } from './sweep.ts';

/**
 * The threshold that maximises the summed raw score over all files, as NAB's optimiser chooses one per detector
 * and profile; found exactly by sweeping every distinct anomaly score from the highest down.
 */
export function optimiseThreshold(files: SweptFile[], costs: CostMatrix): { threshold: number; score: number } {
  const points: Array<{ anomalyScore: number; sweepScore: number; key: string | null }> = [];
  let total = 0;
  files.forEach((file, f) => {
    total -= costs.fnWeight * file.windows;
    for (const p of file.points) points.push({ anomalyScore: p.anomalyScore, sweepScore: p.sweepScore, key: p.window >= 0 ? `${f}:${p.window}` : null });
  });
  points.sort((a, b) => b.anomalyScore - a.anomalyScore);
  const windowBest = new Map<string, number>();
  let best = { threshold: Number.POSITIVE_INFINITY, score: total };
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.key === null) total += p.sweepScore;
    else {
      const previous = windowBest.get(p.key) ?? -costs.fnWeight;
      if (p.sweepScore > previous) {
        total += p.sweepScore - previous;
        windowBest.set(p.key, p.sweepScore);
      }
    }
    const boundary = i + 1 === points.length || points[i + 1]!.anomalyScore !== p.anomalyScore;
    if (boundary && total > best.score) best = { threshold: p.anomalyScore, score: total };
  }
  return best;
}
