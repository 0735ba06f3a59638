// Hardening (issue 19, deployment): the embedded database's files must not be readable by other users of the machine.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the PGlite data directory', () => {
  const dir = tempDir('ioc-pglite-mode-');
  afterAll(() => dir.remove());

  it('is created mode 0700, with IOC_DATA_DIR when it is new', async () => {
    const dataDir = join(dir.path, 'new-data');
    const db = await openDb({ dataDir });
    await db.close();
    expect(mode(dataDir).toString(8)).toBe('700');
    expect(mode(join(dataDir, 'pglite')).toString(8)).toBe('700');
  });

  it('is narrowed to 0700 when it exists readable by others', async () => {
    const dataDir = join(dir.path, 'old-data');
    mkdirSync(join(dataDir, 'pglite'), { recursive: true });
    chmodSync(join(dataDir, 'pglite'), 0o755);
    const db = await openDb({ dataDir });
    await db.close();
    expect(mode(join(dataDir, 'pglite')).toString(8)).toBe('700');
  });
});
