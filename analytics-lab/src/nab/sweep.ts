/**
 * NAB's scoring rules (Lavin & Ahmad 2015, NAB README), written from their description:
 * - the first 15 % of a file (at most 750 rows) is a probationary period and is not scored;
 * - a detection inside an anomaly window earns tpWeight × scaledSigmoid(position), where position runs from -1 at
 *   the window's left edge to 0 just past its right edge, so earlier detections earn more; only the best (first)
 *   detection of a window counts;
 * - a window without a detection costs fnWeight;
 * - a detection outside every window costs fpWeight × scaledSigmoid(distance past the previous window's right edge,
 *   in window widths), or the full fpWeight when no window precedes it.
 */

export interface CostMatrix {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
  tnWeight: number;
}

/** One scored row: its anomaly score, the sweep score a detection there earns, and the window it lies in (or -1). */
export interface SweepPoint {
  anomalyScore: number;
  sweepScore: number;
  window: number;
}

export interface SweptFile {
  points: SweepPoint[];
  /** Number of windows that have at least one scored row. */
  windows: number;
  /** All rows of the file, probationary ones included. */
  rows: number;
}

export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

export function probationaryLength(rows: number, probationPercent = 0.15): number {
  return Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
}

/** Index ranges [first, last] of the rows inside each window; timestamps in ms, ascending. */
export function windowIndices(timestamps: number[], windows: Array<[number, number]>): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (const [start, end] of windows) {
    let first = -1;
    let last = -1;
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i]!;
      if (t < start || t > end) continue;
      if (first < 0) first = i;
      last = i;
    }
    if (first >= 0) ranges.push([first, last]);
  }
  return ranges;
}

export function sweep(anomalyScores: number[], windowRanges: Array<[number, number]>, costs: CostMatrix): SweptFile {
  const maxTP = scaledSigmoid(-1);
  const probation = probationaryLength(anomalyScores.length);
  const points: SweepPoint[] = [];
  const scoredWindows = new Set<number>();
  let next = 0;
  let current = -1;
  let previousRight = -1;
  let previousWidth = 0;
  for (let i = 0; i < anomalyScores.length; i++) {
    if (current < 0 && next < windowRanges.length && windowRanges[next]![0] === i) current = next++;
    let sweepScore: number;
    if (current >= 0) {
      const [left, right] = windowRanges[current]!;
      const width = right - left + 1;
      sweepScore = (scaledSigmoid(-(right - i + 1) / width) * costs.tpWeight) / maxTP;
    } else if (previousRight < 0) {
      sweepScore = -costs.fpWeight;
    } else {
      sweepScore = scaledSigmoid(Math.abs(previousRight - i) / (previousWidth - 1)) * costs.fpWeight;
    }
    if (i >= probation) {
      points.push({ anomalyScore: anomalyScores[i]!, sweepScore, window: current });
      if (current >= 0) scoredWindows.add(current);
    }
    if (current >= 0 && i === windowRanges[current]![1]) {
      previousRight = i;
      previousWidth = windowRanges[current]![1] - windowRanges[current]![0] + 1;
      current = -1;
    }
  }
  return { points, windows: scoredWindows.size, rows: anomalyScores.length };
}

export interface Counts {
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  total: number;
}

/** The raw NAB score and row counts of one swept file when every row scoring ≥ threshold is a detection. */
export function scoreAtThreshold(file: SweptFile, threshold: number, costs: CostMatrix): Counts {
  const best = new Map<number, number>();
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let score = 0;
  for (const point of file.points) {
    const detected = point.anomalyScore >= threshold;
    if (point.window >= 0) {
      if (detected) {
        tp++;
        best.set(point.window, Math.max(best.get(point.window) ?? -Infinity, point.sweepScore));
      } else fn++;
    } else if (detected) {
      fp++;
      score += point.sweepScore;
    } else tn++;
  }
  score += (file.windows - best.size) * -costs.fnWeight;
  for (const value of best.values()) score += value;
  return { score, tp, tn, fp, fn, total: file.rows };
}
