import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepts } from '@ioc/core/testing';

const IOC = fileURLToPath(new URL('../../cli/bin/ioc.js', import.meta.url));

export interface BrokerProcess {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * `ioc start gateway` in its own process (so it has a core to itself, as Mosquitto does) on `port`.
 * With `profileDir`, Node writes a CPU profile there when it stops.
 */
export async function startGatewayProcess(port: number, env: Record<string, string>, profileDir?: string): Promise<BrokerProcess> {
  const args = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), IOC, 'start', 'gateway'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, IOC_LOG_LEVEL: 'warn', IOC_DEMO: 'off', ...env, IOC_MQTT_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return await whenListening(child, port, 'ioc start gateway');
}

async function whenListening(child: ChildProcess, port: number, name: string): Promise<BrokerProcess> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let attempt = 0; !(await accepts(port)); attempt++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (attempt > 600) throw new Error(`${name} did not listen on ${port} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Stock aedes (stock-aedes.ts) in its own process on `port`. */
export async function startStockAedes(port: number): Promise<BrokerProcess> {
  const script = fileURLToPath(new URL('./stock-aedes.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, String(port)], { stdio: ['ignore', 'inherit', 'inherit'] });
  return await whenListening(child, port, 'stock aedes');
}

/** Resident memory of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.match(/\d+/)?.[0] ?? NaN) / 1024);
}

/** The functions with the most self time in the CPU profile(s) written to `dir`, as % of the busy (non-idle) samples. */
export function topFunctions(dir: string, count = 15): Array<{ fn: string; self_percent: number }> {
  const selfHits = new Map<string, number>();
  let total = 0;
  // The main thread's profile is the largest; tsx's loader thread writes a small one of its own.
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: Array<{ hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    };
    for (const { hitCount = 0, callFrame } of profile.nodes) {
      const where = callFrame.url ? `${callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/main\//, '')}:${callFrame.lineNumber + 1}` : '';
      const key = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
      if (key === '(idle)') continue;
      selfHits.set(key, (selfHits.get(key) ?? 0) + hitCount);
      total += hitCount;
    }
  }
  return [...selfHits]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, hits]) => ({ fn, self_percent: Math.round((hits / total) * 1000) / 10 }));
}
