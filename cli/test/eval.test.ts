import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '@ioc/cli';

const NAB = fileURLToPath(new URL('../../analytics/nab/', import.meta.url));

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
