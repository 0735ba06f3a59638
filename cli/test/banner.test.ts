import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCommonConfig } from '@ioc/core';
import { requireBinary, tempDir } from '@ioc/core/testing';
import { describeStores } from '../src/banner.ts';
import { spawnIoc } from './run-ioc.ts';

const BIN = fileURLToPath(new URL('../bin/ioc.js', import.meta.url));
/** util-linux's `script` runs a command on a pseudo-terminal: `ioc start` then sees a terminal, as in a shell. */
const script = requireBinary('bsdutils', 'script');
const withoutColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');

async function until(condition: () => boolean, what: string, output: () => string): Promise<void> {
  for (let i = 0; i < 1800 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!condition()) throw new Error(`timed out waiting for ${what}; output:\n${output().slice(-3000)}`);
}

describe('the stores the banner names', () => {
  it('says PGlite or PostgreSQL (without its password), and SQL or which InfluxDB', () => {
    const stores = (env: Record<string, string>) => describeStores(loadCommonConfig({ IOC_DATA_DIR: '/srv/ioc', ...env }));
    expect(stores({})).toEqual({ database: 'PGlite (embedded) in /srv/ioc/pglite', telemetry: 'SQL, in the PGlite database' });
    expect(stores({ DATABASE_URL: 'postgres://ioc:s3cret@db:5432/ioc', INFLUX_URL: 'http://influxdb:8086' })).toEqual({
      database: 'PostgreSQL postgres://ioc:***@db:5432/ioc',
      telemetry: 'InfluxDB http://influxdb:8086, database ioc',
    });
    expect(stores({ INFLUX_URL: 'https://eu.example.com', INFLUX_TOKEN: 't', INFLUX_ORG: 'hue', INFLUX_BUCKET: 'telemetry' }).telemetry).toBe(
      'InfluxDB 2.x/3.x https://eu.example.com, org hue, bucket telemetry',
    );
  });
});

describe.skipIf(!script)('ioc start on a terminal', () => {
  const dir = tempDir('ioc-banner-tty-');
  afterAll(() => dir.remove());

  it('logs for a person and shows the banner: dashboard, admin password, simulated devices, stores; Ctrl+C stops it', async () => {
    // `exec`: the shell `script` starts must not stay between the terminal and the IOC (a ^C would end the shell).
    const child = spawn(script!, ['-qfec', `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} start`, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0' },
    });
    let raw = '';
    child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const output = () => withoutColours(raw);
    try {
      await until(() => /Services {2}.*\n/.test(output()), 'the banner', output);
      const text = output();
      expect(text).toMatch(/^ {2}The IOC is running\. Stop it with Ctrl\+C\.$/m);
      expect(text).toMatch(/^ {2}Dashboard {10}http:\/\/localhost:[1-9]\d*$/m);
      expect(text).toContain(`  Admin password     in ${join(dir.path, 'admin-password')} (user "admin")`);
      const provisioned = /simulated fleet provisioned \{"devices":(\d+)/.exec(text)?.[1];
      expect(Number(provisioned)).toBeGreaterThan(0);
      expect(text).toContain(`  Simulated devices  ${provisioned} (IOC_DEMO=false runs without them)`);
      expect(text).toContain(`  Database           PGlite (embedded) in ${join(dir.path, 'pglite')}`);
      expect(text).toContain('  Telemetry          SQL, in the PGlite database');
      expect(text).toMatch(/^ {2}Video and audio {4}\/.*ffmpeg \(from /m);
      // Log lines for a person, one event a line; no JSON.
      expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: \[gateway\] MQTT gateway listening \{/m);
      expect(text.split('\n').filter((l) => l.startsWith('{"level"'))).toEqual([]);
    } finally {
      // Ctrl+C on the terminal: SIGINT to the IOC, which stops its services and exits.
      child.stdin.write('\x03');
    }
    expect(await exited).toBe(0);
    expect(output()).toMatch(/INFO: \[gateway\] MQTT gateway stopped/);
  }, 240_000); // a whole IOC starting and stopping: minutes on a loaded 2-core machine
});

describe('ioc start with its output to a pipe', () => {
  const dir = tempDir('ioc-banner-pipe-');
  afterAll(() => dir.remove());

  it('logs JSON lines only, the summary as one "IOC ready" line', async () => {
    const ioc = spawnIoc(['start'], { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_DEMO: 'false', IOC_ADMIN_PASSWORD: 'a-test-password' });
    try {
      await until(() => ioc.output().includes('"msg":"IOC ready"'), 'the IOC ready line', ioc.output);
      const lines = ioc.output().trimEnd().split('\n');
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.find((r) => r.msg === 'IOC ready')).toMatchObject({
        level: 30,
        dashboard: expect.stringMatching(/^http:\/\/localhost:[1-9]\d*$/),
        adminPassword: 'the value of IOC_ADMIN_PASSWORD (user "admin")',
        database: `PGlite (embedded) in ${join(dir.path, 'pglite')}`,
        telemetry: 'SQL, in the PGlite database',
        mqtt: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/),
        services: ['gateway', 'ingest', 'dashboard', 'analytics', 'camera-health', 'frigate', 'alerting'],
      });
      expect(records.find((r) => r.msg === 'IOC ready')).not.toHaveProperty('simulatedDevices');
    } finally {
      ioc.child.kill('SIGTERM');
    }
    expect(await ioc.exited).toBe(0);
  }, 240_000); // a whole IOC starting and stopping: minutes on a loaded 2-core machine
});
