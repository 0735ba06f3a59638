import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError, type Command } from '../io.ts';

const BENCH_DIR = fileURLToPath(new URL('../../../bench/', import.meta.url));

export function availableBenchmarks(): string[] {
  if (!existsSync(BENCH_DIR)) return [];
  return readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
}

/** ioc bench <name> [args…]: runs bench/<name>.ts in its own Node process; its exit code is ours. */
export const bench: Command = async ({ args: [name, ...args], env }) => {
  const available = availableBenchmarks();
  if (!name || !available.includes(name)) {
    throw new UsageError(`${name ? `unknown benchmark "${name}"` : 'bench needs a name'}; available: ${available.join(', ') || 'none'}`);
  }
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), `${BENCH_DIR}${name}.ts`, ...args], {
    stdio: 'inherit',
    env: { ...env },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
};
