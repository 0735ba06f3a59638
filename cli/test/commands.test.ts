import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, deviceTopic } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { main, startIoc, type Io } from '@ioc/cli';
import { runIoc } from './run-ioc.ts';

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
}

describe('ioc command line', () => {
  const dir = tempDir('ioc-cli-');
  afterAll(() => dir.remove());

  it('devices add prints {"id","token"} once, and the token logs the device in to the gateway', async () => {
    const { code, stdout, stderr } = await runIoc(['devices', 'add', '--id', 'air-test-1', '--kind', 'air', '--area', '19753', '--lat', '16.47', '--lon', '107.58'], {
      IOC_DATA_DIR: dir.path,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { id: string; token: string };
    expect(Object.keys(printed)).toEqual(['id', 'token']);
    expect(printed.id).toBe('air-test-1');

    const listed = await runIoc(['devices', 'list'], { IOC_DATA_DIR: dir.path });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('"id":"air-test-1"');
    expect(listed.stdout).not.toContain(printed.token);

    const ioc = await startIoc({
      env: { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_DEMO: 'off', IOC_ADMIN_PASSWORD: 'test-password-1' },
      logger: createLogger({ level: 'error' }),
    });
    try {
      const device = await mqtt.connectAsync(ioc.mqttUrl, { clientId: printed.id, username: printed.id, password: printed.token, reconnectPeriod: 0 });
      await device.publishAsync(deviceTopic(printed.id, 'telemetry'), JSON.stringify({ metrics: { pm25: 12.5 } }), { qos: 1 });
      await device.endAsync();
      await expect(
        mqtt.connectAsync(ioc.mqttUrl, { clientId: printed.id, username: printed.id, password: 'wrong-token', reconnectPeriod: 0 }),
      ).rejects.toThrow();
    } finally {
      await ioc.stop();
    }
  }, 180_000); // two CLI processes and a whole IOC: minutes on a loaded 2-core machine

  it('refuses a bad IOC_HTTP_PORT with one line naming it, exit code 1', async () => {
    const { code, stdout, stderr } = await runIoc(['start'], { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^IOC_HTTP_PORT: /);
  });

  it('answers unknown commands and flags with usage on stderr and exit code 2', async () => {
    const unknown = captureIo();
    expect(await main(['frobnicate'], unknown, {})).toBe(2);
    expect(unknown.stderr.join('\n')).toMatch(/unknown command "frobnicate"[\s\S]*Usage: ioc/);
    expect(unknown.stdout).toEqual([]);

    const badFlag = captureIo();
    expect(await main(['devices', 'add', '--colour', 'red'], badFlag, { IOC_DATA_DIR: dir.path })).toBe(2);
    expect(badFlag.stderr.join('\n')).toMatch(/--colour[\s\S]*Usage: ioc/);

    const missing = captureIo();
    expect(await main(['devices', 'add', '--kind', 'air'], missing, { IOC_DATA_DIR: dir.path })).toBe(2);
    expect(missing.stderr.join('\n')).toContain('missing --id');

    const bench = captureIo();
    expect(await main(['bench', 'no-such-bench'], bench, {})).toBe(2);
    expect(bench.stderr.join('\n')).toMatch(/unknown benchmark "no-such-bench"; available: .*e2e/);

    const help = captureIo();
    expect(await main(['help'], help, {})).toBe(0);
    expect(help.stdout.join('\n')).toContain('Usage: ioc');
  });

  it('refuses separate services without IOC_SERVICE_TOKEN', async () => {
    const io = captureIo();
    expect(await main(['start', 'ingest'], io, { IOC_DATA_DIR: dir.path })).toBe(1);
    expect(io.stderr).toEqual([expect.stringMatching(/^IOC_SERVICE_TOKEN: /)]);
  });

  it('users add creates a user with a generated password printed once', async () => {
    const io = captureIo();
    expect(await main(['users', 'add', '--username', 'trực-ban', '--role', 'operator'], io, { IOC_DATA_DIR: dir.path })).toBe(0);
    const printed = JSON.parse(io.stdout[0]!) as { username: string; role: string; password: string };
    expect(printed).toMatchObject({ username: 'trực-ban', role: 'operator' });
    expect(printed.password.length).toBeGreaterThanOrEqual(12);

    const badRole = captureIo();
    expect(await main(['users', 'add', '--username', 'x', '--role', 'king'], badRole, { IOC_DATA_DIR: dir.path })).toBe(2);
  });
});
