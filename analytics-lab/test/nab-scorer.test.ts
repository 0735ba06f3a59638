import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateNabResults, nabReport, NAB_DIR as NAB, parseNabTime } from '@ioc/analytics-lab';

const REFERENCE = `${NAB}reference/windowedGaussian`;

describe('NAB scorer', () => {
  it('reproduces the published per-file standard-profile scores of windowedGaussian at threshold 1.0', () => {
    const result = evaluateNabResults({ dataDir: `${NAB}data`, labelsFile: `${NAB}labels/combined_windows.json`, resultsDir: REFERENCE, threshold: 1 });
    const rows = readFileSync(`${REFERENCE}/windowedGaussian_standard_scores.csv`, 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) {
      const [, profile, file, , score, tp, tn, fp, fn, total] = row.split(',');
      const ours = result.per_file[file!]![profile!]!;
      expect(Math.abs(ours.score - Number(score)), file).toBeLessThan(1e-9);
      expect({ file, ...ours, score: 0 }).toEqual({
        file,
        score: 0,
        tp: Number(tp),
        tn: Number(tn),
        fp: Number(fp),
        fn: Number(fn),
        total: Number(total),
      });
    }
    expect(result.files).toBe(35);
    expect(result.windows).toBe(55);
    expect(result.threshold).toEqual({ standard: 1, reward_low_FP_rate: 1, reward_low_FN_rate: 1 });
    const raw = rows.reduce((sum, row) => sum + Number(row.split(',')[4]), 0);
    expect(result.standard).toBeCloseTo((100 * (raw + 55)) / 110, 6);
  });

  it('normalises to 0 for a detector that never fires and 100 for one detection at the start of every window', () => {
    const timestamps = Array.from({ length: 1000 }, (_, i) => i * 60_000);
    const windows: Array<[number, number]> = [
      [timestamps[300]!, timestamps[349]!],
      [timestamps[700]!, timestamps[749]!],
    ];
    const silent = nabReport([{ name: 'f', timestamps, windows, anomalyScores: timestamps.map(() => 0) }], 0.5);
    expect(silent.standard!.score).toBe(0);
    expect(silent.reward_low_FN_rate!.score).toBe(0);
    const perfect = nabReport([{ name: 'f', timestamps, windows, anomalyScores: timestamps.map((_, i) => (i === 300 || i === 700 ? 1 : 0)) }], 0.5);
    for (const profile of Object.values(perfect)) expect(profile.score).toBeCloseTo(100, 9);
    expect(perfect.standard!.files.f).toEqual({ score: 2, tp: 2, tn: 750, fp: 0, fn: 98, total: 1000 });
  });

  it('rewards earlier detections, charges false positives by profile and ignores the probationary period', () => {
    const timestamps = Array.from({ length: 1000 }, (_, i) => i * 60_000);
    const windows: Array<[number, number]> = [[timestamps[500]!, timestamps[599]!]];
    const at = (...rows: number[]) => timestamps.map((_, i) => (rows.includes(i) ? 1 : 0));
    const score = (rows: number[]) => nabReport([{ name: 'f', timestamps, windows, anomalyScores: at(...rows) }], 0.5);
    expect(score([510]).standard!.raw).toBeGreaterThan(score([580]).standard!.raw);
    expect(score([100]).standard!.raw).toBe(-1); // probationary: neither FP nor TP
    expect(score([200]).standard!.raw).toBeCloseTo(-1.11, 12);
    expect(score([200]).reward_low_FP_rate!.raw).toBeCloseTo(-1.22, 12);
    expect(score([200]).reward_low_FN_rate!.raw).toBeCloseTo(-2.11, 12);
    // A false positive just after a window costs less than one far from it.
    expect(score([510, 601]).standard!.raw).toBeGreaterThan(score([510, 900]).standard!.raw);
  });

  it('chooses the threshold that maximises the total score when none is given', () => {
    const timestamps = Array.from({ length: 1000 }, (_, i) => i * 60_000);
    const windows: Array<[number, number]> = [[timestamps[500]!, timestamps[599]!]];
    const anomalyScores = timestamps.map((_, i) => (i === 510 ? 0.8 : i === 200 ? 0.6 : 0.1));
    const report = nabReport([{ name: 'f', timestamps, windows, anomalyScores }]);
    expect(report.standard!.threshold).toBe(0.8);
    expect(report.standard!.files.f!.fp).toBe(0);
    expect(report.standard!.files.f!.tp).toBe(1);
  });

  it('reads NAB timestamps with and without fractions as UTC, and refuses others clearly', () => {
    expect(parseNabTime('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseNabTime('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(() => parseNabTime('10/04/2014')).toThrow('not a NAB timestamp: "10/04/2014"');
  });
});
