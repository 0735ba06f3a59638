// README.md stays true to the code: every configuration variable is documented, the data attribution is quoted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README.md', () => {
  it('documents every variable the configuration reads', () => {
    const source = readFileSync(join(root, 'core/src/config.ts'), 'utf8');
    const variables = new Set([...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g)].map((match) => match[1]));
    expect(variables.size).toBeGreaterThan(10);
    for (const variable of variables) expect(readme, variable).toContain(`\`${variable}\``);
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
