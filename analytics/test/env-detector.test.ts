import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeriesDetector, loadNoveltyModel, type NoveltyModel } from '@ioc/analytics';

const EMBEDDING = 8;
const BLOCK = 2;

/**
 * The model's novelty written out plainly: robust z-scores, their means over blocks of BLOCK values (aligned on the
 * newest), then the newest context vector of block means' nearest earlier one.
 */
function robustZ(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(values.length / 2)]!;
  const deviations = values.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  const mad = deviations[Math.floor(values.length / 2)]!;
  const scale = Math.max(mad * 1.4826, 0.01 * (sorted.at(-1)! - sorted[0]!), 1e-9);
  return values.map((v) => (v - median) / scale);
}

function referenceNovelty(values: number[]): number {
  const robust = robustZ(values);
  const kept = Math.floor(values.length / BLOCK) * BLOCK;
  const z = Array.from({ length: kept / BLOCK }, (_, b) => {
    const block = robust.slice(values.length - kept + b * BLOCK, values.length - kept + (b + 1) * BLOCK);
    return block.reduce((sum, v) => sum + v, 0) / BLOCK;
  });
  const now = z.slice(-EMBEDDING);
  let best = Infinity;
  for (let start = 0; start + 2 * EMBEDDING <= z.length; start++) {
    let sum = 0;
    for (let j = 0; j < EMBEDDING; j++) sum += (z[start + j]! - now[j]!) ** 2;
    best = Math.min(best, sum / EMBEDDING);
  }
  return Math.sqrt(best);
}

const SMOOTHING = 20;
const TRIM = 0.05;
const REPEATS = 2;
const LEVEL = 1;
const RECENT = 20;
const CONFIRM_Z = 2;
const THRESHOLD_Z = Math.log(1000) / Math.SQRT2;

const mean = (list: number[]) => list.reduce((sum, s) => sum + s, 0) / list.length;

/** Separate runs of the earlier SMOOTHING-score means (none overlapping the newest SMOOTHING scores) at or above level. */
function excursionsTo(pastScores: number[], level: number): number {
  let runs = 0;
  let inside = false;
  for (let end = SMOOTHING; end <= pastScores.length - SMOOTHING + 1; end++) {
    const reached = mean(pastScores.slice(end - SMOOTHING, end)) >= level;
    if (reached && !inside) runs++;
    inside = reached;
  }
  return runs;
}

/** Whether one of the latest RECENT values sits on a level (robust z-score in steps of LEVEL) no earlier value sat on. */
function reachedNewLevel(values: number[]): boolean {
  const levels = robustZ(values).map((z) => Math.floor(z / LEVEL));
  return levels.some((level, i) => i >= levels.length - RECENT && !levels.slice(0, i).includes(level));
}

/**
 * The model's likelihood written out plainly: the mean of the last SMOOTHING scores (the new one included) against the
 * mean and standard deviation of the past scores without their largest ⌊TRIM·m⌋, read as a Laplace tail; a mean the
 * earlier scores reached in REPEATS or more separate excursions counts as z ≤ 0; when the window confirms it (its latest
 * values reached a new level) a positive z counts THRESHOLD_Z / CONFIRM_Z times as much.
 */
function referenceLikelihood(values: ArrayLike<number>, pastScores: number[], novelty: number): number {
  const cutoff = [...pastScores].sort((a, b) => b - a)[Math.floor(TRIM * pastScores.length)]!;
  const kept = pastScores.filter((s) => s <= cutoff);
  const mu = mean(kept);
  const sd = Math.sqrt(Math.max(mean(kept.map((s) => s * s)) - mu * mu, 0)) + 1e-9;
  const short = mean([...pastScores, novelty].slice(-SMOOTHING));
  let z = (short - mu) / sd;
  if (excursionsTo(pastScores, short) >= REPEATS) z = Math.min(z, 0);
  if (reachedNewLevel(Array.from(values)) && z > 0) z *= THRESHOLD_Z / CONFIRM_Z;
  return 0.5 + Math.sign(z) * (0.5 - 0.5 * Math.exp(-Math.SQRT2 * Math.abs(z)));
}

/** A deterministic daily-looking series with noise (no Math.random, so failures reproduce). */
function seasonal(length: number, seed = 1): number[] {
  let state = seed;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 2;
  return Array.from({ length }, (_, i) => 20 + 5 * Math.sin((2 * Math.PI * i) / 144) + noise());
}

describe('environment novelty model (ONNX)', () => {
  let model: NoveltyModel;
  beforeAll(async () => {
    model = await loadNoveltyModel();
  });
  afterAll(() => model.close());

  it('computes the documented novelty and likelihood, batching series of equal length', async () => {
    const a = seasonal(300, 1);
    const b = seasonal(300, 2).map((v, i) => (i === 299 ? v + 40 : v));
    const c = seasonal(121, 3);
    const past = Float32Array.from({ length: 100 }, (_, i) => 0.5 + (i % 10) / 100);
    const [ra, rb, rc] = await model.score([
      { values: Float32Array.from(a), pastScores: past },
      { values: Float32Array.from(b), pastScores: past },
      { values: Float32Array.from(c), pastScores: Float32Array.of(0) },
    ]);
    for (const [result, values] of [[ra, a], [rb, b], [rc, c]] as const) {
      expect(result!.novelty).toBeCloseTo(referenceNovelty(Array.from(Float32Array.from(values))), 3);
    }
    expect(rb!.novelty).toBeGreaterThan(5 * ra!.novelty);
    expect(ra!.likelihood).toBeCloseTo(referenceLikelihood(Float32Array.from(a), Array.from(past), ra!.novelty), 4);
    expect(rb!.likelihood).toBeCloseTo(referenceLikelihood(Float32Array.from(b), Array.from(past), rb!.novelty), 4);
    expect(rc!.likelihood).toBeCloseTo(referenceLikelihood(Float32Array.from(c), [0], rc!.novelty), 4);
    expect(rb!.likelihood).toBeGreaterThan(ra!.likelihood);
    expect(rb!.likelihood).toBeLessThanOrEqual(1);
  });

  it('does not let one earlier episode hide the next: the largest past scores are left out', async () => {
    // A stream whose novelty is usually ~0.5, with one earlier episode scoring 30 and a new, smaller one (3) now.
    const usual = Array.from({ length: 1000 }, (_, i) => 0.5 + ((i * 7) % 10) / 50);
    const withEpisode = usual.map((s, i) => (i >= 500 && i < 515 ? 30 : s));
    const now = [...withEpisode.slice(0, -SMOOTHING + 1), ...Array.from({ length: SMOOTHING - 1 }, () => 3)];
    const values = Float32Array.from(seasonal(300, 4));
    const [result] = await model.score([{ values, pastScores: Float32Array.from(now) }]);
    expect(result!.likelihood).toBeCloseTo(referenceLikelihood(values, now, result!.novelty), 4);
    expect(result!.likelihood).toBeGreaterThanOrEqual(0.9995);
  });

  it('does not fire again on excursions the stream has made twice before', async () => {
    // The same stream, but the earlier scores rose to 3 or more in two separate episodes: the current 3 is not new.
    const usual = Array.from({ length: 1000 }, (_, i) => 0.5 + ((i * 7) % 10) / 50);
    const values = Float32Array.from(seasonal(300, 4));
    const withEpisodes = (starts: number[]) =>
      usual.map((s, i) => (i >= SMOOTHING - 1 && i < 1000 - SMOOTHING + 1 && starts.some((start) => i >= start && i < start + 25) ? 4 : s));
    const now = (past: number[]) => [...past.slice(0, -SMOOTHING + 1), ...Array.from({ length: SMOOTHING - 1 }, () => 3)];
    const once = now(withEpisodes([400]));
    const twice = now(withEpisodes([300, 600]));
    expect(excursionsTo(once, 3)).toBe(1);
    expect(excursionsTo(twice, 3)).toBe(2);
    const [a, b] = await model.score([
      { values, pastScores: Float32Array.from(once) },
      { values, pastScores: Float32Array.from(twice) },
    ]);
    expect(a!.likelihood).toBeCloseTo(referenceLikelihood(values, once, a!.novelty), 4);
    expect(a!.likelihood).toBeGreaterThanOrEqual(0.9995);
    expect(b!.likelihood).toBeCloseTo(referenceLikelihood(values, twice, b!.novelty), 4);
    expect(b!.likelihood).toBeLessThanOrEqual(0.5);
  });
});

describe('environment novelty model: new levels confirm a smaller novelty', () => {
  let model: NoveltyModel;
  beforeAll(async () => {
    model = await loadNoveltyModel();
  });
  afterAll(() => model.close());

  it('fires on a moderate novelty only when one of the latest values reached a level new to the window', async () => {
    // Usual novelty ~0.59 (sd ~0.057); the latest scores at 0.75 make z ~3: above CONFIRM_Z, below THRESHOLD_Z.
    const usual = Array.from({ length: 1000 }, (_, i) => 0.5 + ((i * 7) % 10) / 50);
    const past = [...usual.slice(0, -SMOOTHING + 1), ...Array.from({ length: SMOOTHING - 1 }, () => 0.75)];
    const familiar = seasonal(600, 7);
    const newLevel = familiar.map((v, i) => (i === 590 ? 45 : v)); // far above anything earlier, 10 values ago
    expect(reachedNewLevel(familiar)).toBe(false);
    expect(reachedNewLevel(newLevel)).toBe(true);
    const [a, b] = await model.score([
      { values: Float32Array.from(familiar), pastScores: Float32Array.from(past) },
      { values: Float32Array.from(newLevel), pastScores: Float32Array.from(past) },
    ]);
    expect(a!.likelihood).toBeCloseTo(referenceLikelihood(Float32Array.from(familiar), past, a!.novelty), 4);
    expect(b!.likelihood).toBeCloseTo(referenceLikelihood(Float32Array.from(newLevel), past, b!.novelty), 4);
    expect(a!.likelihood).toBeLessThan(0.9995);
    expect(b!.likelihood).toBeGreaterThanOrEqual(0.9995);
  });

  it('does not fail on a window shorter than RECENT values', async () => {
    // Below 32 values there is no earlier context vector (novelty Infinity, as before the new-level check), but short
    // windows (bench/analytics/env-pipeline.ts uses 16) must still run.
    const past = Float32Array.from({ length: 10 }, (_, i) => 0.5 + i / 100);
    await expect(model.score([{ values: Float32Array.from(seasonal(16, 8)), pastScores: past }])).resolves.toHaveLength(1);
  });
});

describe('streaming series detector', () => {
  let model: NoveltyModel;
  beforeAll(async () => {
    model = await loadNoveltyModel();
  });
  afterAll(() => model.close());

  it('detects a level shift once, stays quiet on a normal series, and keeps series apart', async () => {
    const detector = createSeriesDetector(model);
    const normal = seasonal(1200, 5);
    const shifted = seasonal(1200, 6).map((v, i) => (i >= 900 ? v + 25 : v));
    const detections: Record<string, number[]> = { normal: [], shifted: [] };
    for (let i = 0; i < 1200; i++) {
      const results = await detector.push([
        { key: 'normal', value: normal[i]! },
        { key: 'shifted', value: shifted[i]! },
      ]);
      for (const result of results) if (result.detection) detections[result.key]!.push(i);
      if (i < detector.options.minValues - 1) expect(results.every((r) => r.score === 0)).toBe(true);
    }
    expect(detections.normal).toEqual([]);
    expect(detections.shifted!.length).toBeGreaterThan(0);
    expect(detections.shifted![0]).toBeGreaterThanOrEqual(900);
    expect(detections.shifted![0]).toBeLessThan(920);
    // One detection per episode: the refractory period keeps the shifted series from re-firing right away.
    expect(detections.shifted!.filter((i) => i < 900 + detector.options.refractory)).toHaveLength(1);
  });
});
