import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'ioc-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of a program: an absolute candidate that exists, or the first match on PATH. */
export function findBinary(...candidates: string[]): string | undefined {
  for (const candidate of candidates) {
    if (candidate.startsWith('/')) {
      if (executable(candidate)) return candidate;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && executable(join(dir, candidate))) return join(dir, candidate);
    }
  }
  return undefined;
}

/**
 * A system program a test suite needs (from the named Debian package). Missing: under CI=true that is an error;
 * elsewhere the suite is skipped with a message saying what to install.
 */
export function requireBinary(debianPackage: string, ...candidates: string[]): string | undefined {
  const found = findBinary(...candidates);
  if (found) return found;
  const message = `${candidates[0]} not found: install the Debian package "${debianPackage}" (apt-get install -y ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true forbids skipping this suite`);
  console.warn(`SKIPPING suite: ${message}`);
  return undefined;
}
