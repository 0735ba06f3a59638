// Attack test (hardening, defect 1): telemetry whose times no Date can hold once threw inside ingest's and the
// live feed's MQTT handlers; ingest's persistent session redelivered the message and the IOC crash-looped. Here a
// real `ioc start` process is attacked with Debian's mosquitto_pub and a device's own token.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, requireBinary, tempDir } from '@ioc/core/testing';

const mosquittoPub = requireBinary('mosquitto-clients', 'mosquitto_pub');
const IOC_BIN = fileURLToPath(new URL('../../cli/bin/ioc.js', import.meta.url));
const DEVICE = 'air-attacker-1';
const TOPIC = `ioc/v1/devices/${DEVICE}/telemetry`;

/** Each of these threw a RangeError out of a message handler before the fix. */
const CRASH_PAYLOADS = [
  '{"ts": 1e300, "metrics": {"pm25": 1}}',
  '{"ts": -1e300, "metrics": {"pm25": 1}}',
  '[{"bn": "air/", "bt": 1e300, "n": "pm25", "v": 1}]',
  '[{"n": "pm25", "v": 1, "t": 1e300}]',
  '[{"n": "pm25", "v": 1, "bt": 1e308, "t": 1e308}]',
];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function publish(port: number, token: string, message: string): Promise<string> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', '-q', '1', '-i', DEVICE, '-u', DEVICE, '-P', token, '-t', TOPIC, '-m', message];
  return new Promise((resolve, reject) =>
    execFile(mosquittoPub as string, args, { timeout: 10_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}: ${stderr}`)) : resolve(stdout))),
  );
}

describe.skipIf(!mosquittoPub)('a running IOC attacked with out-of-range telemetry times', () => {
  const dir = tempDir('ioc-attack-');
  const password = 'attack-test-admin-password';
  let ioc: ChildProcess;
  let exited: string | undefined;
  let base: string;
  let mqttPort: number;
  let cookie: string;
  let token: string;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${base}${path}`, { ...init, headers: { cookie, 'content-type': 'application/json', ...init.headers } });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    const httpPort = await freePort();
    mqttPort = await freePort();
    base = `http://127.0.0.1:${httpPort}`;
    ioc = spawn(process.execPath, [IOC_BIN, 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        IOC_DATA_DIR: dir.path,
        IOC_HTTP_PORT: String(httpPort),
        IOC_MQTT_PORT: String(mqttPort),
        IOC_ADMIN_PASSWORD: password,
        IOC_DEMO: 'off',
        IOC_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    ioc.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    ioc.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}: ${stderr}`));
    await until('the IOC to answer', async () => ((await fetch(`${base}/api/health`)).ok ? true : undefined), 90_000);
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const created = await api<{ token: string }>('/api/devices', { method: 'POST', body: JSON.stringify({ id: DEVICE, kind: 'air', lat: 16.46, lon: 107.59 }) });
    expect(created.status).toBe(201);
    token = created.body.token;
  }, 120_000);

  afterAll(async () => {
    if (ioc && ioc.exitCode === null) {
      const gone = new Promise((resolve) => ioc.once('exit', resolve));
      ioc.kill('SIGTERM');
      await gone;
    }
    dir.remove();
  });

  it('keeps running, keeps the same process, and dead-letters every crash payload published three times', async () => {
    const pid = ioc.pid;
    for (let round = 0; round < 3; round++) for (const payload of CRASH_PAYLOADS) await publish(mqttPort, token, payload);

    const letters = await until('the dead letters', async () => {
      const { body } = await api<{ items: Array<{ reason: string; payload: string }>; total: number }>(`/api/dead-letters?deviceId=${DEVICE}&limit=100`);
      return body.total >= 3 * CRASH_PAYLOADS.length ? body : undefined;
    });
    expect(letters.total).toBe(3 * CRASH_PAYLOADS.length);
    for (const letter of letters.items) expect(letter.reason).toMatch(/"ts" must be an integer epoch in milliseconds|time of "(air\/)?pm25" .* too far in the (future|past)/);
    expect(new Set(letters.items.map((l) => l.payload))).toEqual(new Set(CRASH_PAYLOADS));

    expect(exited).toBeUndefined();
    expect(ioc.pid).toBe(pid);
    expect(() => process.kill(pid as number, 0)).not.toThrow();
  });

  it('still stores the device’s valid telemetry afterwards, with every service healthy', async () => {
    await publish(mqttPort, token, '{"metrics": {"pm25": 21.5}}');
    const latest = await until('the valid reading', async () => {
      const { body } = await api<{ latest: { metrics: Record<string, number> } | null }>(`/api/devices/${DEVICE}`);
      return body.latest?.metrics.pm25 === 21.5 ? body.latest : undefined;
    });
    expect(latest.metrics.pm25).toBe(21.5);
    const health = await api<{ status: string; services: Record<string, { status: string }> }>('/api/health');
    for (const name of ['gateway', 'ingest', 'dashboard']) expect(health.body.services[name]?.status, name).toBe('ok');
    expect(exited).toBeUndefined();
  });

  it('refuses a SenML pack of thousands of records whole (hardening, defect 6: one message, one write per record)', async () => {
    const pack = JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ n: 'pm25', v: 99, t: -i })));
    await publish(mqttPort, token, pack);
    const letter = await until('the dead letter', async () => {
      const { body } = await api<{ items: Array<{ reason: string; payload: string }> }>(`/api/dead-letters?deviceId=${DEVICE}&reason=SenML%20pack%20of&limit=1`);
      return body.items[0];
    });
    expect(letter.reason).toBe('SenML pack of 3000 records: at most 256 per message');
    expect(letter.payload.length).toBe(2048);
    const { body } = await api<{ latest: { metrics: Record<string, number> } | null }>(`/api/devices/${DEVICE}`);
    expect(body.latest?.metrics.pm25).toBe(21.5);
    expect(exited).toBeUndefined();
  });
});
