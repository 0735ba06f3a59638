import { describe, expect, it } from 'vitest';
import { requireBinary } from '@ioc/core/testing';
import { NAB_DIR as NAB } from '@ioc/analytics-lab';
import { main, type Io } from '@ioc/cli';

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
}

describe('ioc eval nab', () => {
  it('prints one JSON object of NAB scores for a published detector at a given threshold', async () => {
    const io = captureIo();
    const args = ['eval', 'nab', '--data', `${NAB}data`, '--labels', `${NAB}labels/combined_windows.json`, '--results', `${NAB}reference/windowedGaussian`, '--threshold', '1'];
    expect(await main(args, io, {})).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(io.stdout).toHaveLength(1);
    const result = JSON.parse(io.stdout[0]!) as Record<string, unknown>;
    expect(result.detector).toBe('windowedGaussian');
    expect(result.files).toBe(35);
    for (const profile of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']) expect(typeof result[profile]).toBe('number');
    expect((result.per_file as Record<string, Record<string, { score: number }>>)['realKnownCause/nyc_taxi.csv']!.standard!.score).toBe(-5);
  });

  it('is a usage error without --data or with an unknown evaluation, and a clear failure on a missing directory', async () => {
    const io = captureIo();
    expect(await main(['eval', 'nab', '--labels', 'x.json'], io, {})).toBe(2);
    expect(io.stderr.join('\n')).toContain('missing --data');
    expect(await main(['eval', 'nope'], io, {})).toBe(2);
    expect(io.stderr.join('\n')).toContain('unknown evaluation "nope"; available: nab, scenario');
    expect(await main(['eval', 'scenario', '--seed', 'x'], io, {})).toBe(2);
    expect(io.stderr.join('\n')).toContain('--seed must be a number, got "x"');
    const missing = captureIo();
    expect(await main(['eval', 'nab', '--data', `${NAB}data`, '--labels', `${NAB}nope.json`], missing, {})).toBe(1);
    expect(missing.stderr.join('\n')).toContain('nope.json');
  });
});

describe.skipIf(!requireBinary('ffmpeg', 'ffmpeg'))('ioc eval camera', () => {
  it('plays every tamper on a simulated camera and prints recall per tamper, false alarms per camera-day, AUC and cost', async () => {
    const io = captureIo();
    const args = ['eval', 'camera', '--cameras', '1', '--darkness', '0', '--normal-checks', '3', '--tamper-checks', '3', '--recovery-checks', '2', '--dusk-checks', '0'];
    expect(await main(args, io, {})).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(io.stdout).toHaveLength(1);
    const result = JSON.parse(io.stdout[0]!) as Record<string, unknown>;
    const tampers = ['covered_lens', 'defocus', 'frozen_image', 'moved_camera', 'overexposed', 'underexposed', 'lost_signal'];
    expect(Object.keys(result.recall as object).sort()).toEqual([...tampers].sort());
    expect(result.min_recall).toBe(Math.min(...Object.values(result.recall as Record<string, number>)));
    // 3 normal checks, then 2 after each of the 7 tampers, each standing for one minute of the camera's day.
    expect(result).toMatchObject({ cameras: 1, cases_per_tamper: 1, normal_checks: 3 + 7 * 2, normal_camera_days: Math.round(((17 * 60) / 86_400) * 1e4) / 1e4 });
    expect(result.false_alarms_per_camera_day).toBe(Math.round(((result.false_alarms as number) / ((17 * 60) / 86_400)) * 100) / 100);
    expect(result.auc).toBeGreaterThan(0.9);
    expect(result.ms_per_frame).toBeGreaterThan(0);
  }, 120_000); // 38 checks of real streams, each pulled in real time
});
