// `ioc bench alerting` in a tiny configuration (a few alerts, one kill and restart of the alerting service): its
// summary's counts, not its speed. Every expected notification reached the local providers once, on the whole path
// and on the notifier-alone peer.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { postgresAvailable } from '@ioc/core/testing';

const BENCH = fileURLToPath(new URL('../alerting.ts', import.meta.url));

function runBench(args: string[]): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), BENCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr, lines: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) })),
  );
}

describe.runIf(postgresAvailable())('ioc bench alerting', () => {
  it('counts every notification once across a SIGKILL of the alerting service, and prints the summary', async () => {
    const { code, lines, stderr } = await runBench(['--devices', '4', '--subscribers', '2', '--rate', '4', '--kills', '1', '--peer-alerts', '3', '--drain-stall', '60']);
    expect(code, stderr.slice(-4000)).toBe(0);
    const summary = lines.at(-1) as Record<string, unknown>;
    expect(summary).toMatchObject({
      summary: 'alerting',
      // 4 devices × 2 conditions × 2 subscribers × 2 channels; the peer: 3 alerts × 2 × 2.
      expected: 32,
      delivered: 32,
      duplicates: 0,
      lost: 0,
      unexpected: 0,
      restarts: 1,
      peer_duplicates: 0,
      peer_lost: 0,
      targets: { notifications_per_s: 500, duplicates: 0, lost: 0 },
    });
    expect(summary).toHaveProperty('notifications_per_s');
    expect(summary).toHaveProperty('p99_ms');
    expect(summary).toHaveProperty('peer_notifications_per_s');
  }, 600_000);
});
