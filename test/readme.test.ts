// README.md stays true to the code: every configuration variable is documented, with the services that read it; the
// data attribution is quoted.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCommonConfig, type ConfigEnv } from '@ioc/core';
import { SERVICES } from '@ioc/cli';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README.md', () => {
  it('documents every variable the configuration reads: the common one and each package\'s own', () => {
    const packages = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    // Every config.ts of a package's source, e.g. gateway/src/config.ts, alerting/src/notify/config.ts.
    const files = packages
      .flatMap(({ name }) => ['src', 'server'].map((dir) => join(root, name, dir)))
      .filter((dir) => existsSync(dir))
      .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => basename(file) === 'config.ts').map((file) => join(dir, file)));
    expect(files.length).toBeGreaterThan(5);
    const source = files.map((file) => readFileSync(file, 'utf8')).join('\n');
    const variables = new Set([...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)].map((match) => match[1]));
    expect(variables.size).toBeGreaterThan(10);
    for (const variable of variables) expect(readme, variable).toContain(`\`${variable}\``);
  });

  it('names in its "read by" column the services whose loaders read each variable (all: every process)', () => {
    const readBy = new Map<string, string>();
    for (const row of readme.split('\n').filter((line) => line.startsWith('| `'))) {
      const [variables = '', services = ''] = row.slice(2).split(' | ');
      for (const [, variable] of variables.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) readBy.set(variable as string, services);
    }
    /** The variables `load` reads from an empty environment (its defaults). */
    const readsOf = (load: (env: ConfigEnv) => unknown) => {
      const read = new Set<string>();
      load(new Proxy({}, { get: (_target, key: string) => void read.add(key) }));
      return read;
    };
    const common = readsOf(loadCommonConfig);
    for (const variable of common) expect(readBy.get(variable), variable).toMatch(/\ball\b/);
    for (const entry of SERVICES) {
      for (const variable of readsOf(entry.config)) {
        if (!common.has(variable)) expect(readBy.get(variable), `${variable} (${entry.name})`).toMatch(new RegExp(`\\b${entry.name}\\b`));
      }
    }
  });

  it('quotes the required attribution of the Huế map data and its licence', () => {
    const source = readFileSync(join(root, 'core/data/hue/SOURCE.md'), 'utf8');
    const attribution = /Required attribution line[^\n]*\n\n> (.+)\n/.exec(source)?.[1];
    expect(attribution).toBeDefined();
    expect(readme).toContain(attribution);
    expect(readme).toContain('CC BY-SA 4.0');
  });

  it('names the test runner and the CI entry point that exist', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.test).toBe('node scripts/test.mjs');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('.ci/run');
  });
});
