import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@ioc/core';
import { configRefusal, tempDir } from '@ioc/core/testing';
import { SERVICES } from '@ioc/cli';
import { runIoc } from './run-ioc.ts';

/** A wrong value of a variable only that service reads. */
const OWN_BAD: Record<string, Record<string, string>> = {
  gateway: { IOC_MQTT_MAX_BACKLOG: 'lots' },
  ingest: { IOC_INGEST_PARTITION: '3/2' },
  dashboard: { IOC_TRUST_PROXY: '*' },
  'camera-health': { IOC_CAMERA_CHECK_FRAMES: '1' },
  alerting: { IOC_ALERT_EVAL_INTERVAL_S: '0' },
};

describe("each service's configuration loader in the composition root's table", () => {
  it.each(SERVICES.map((entry) => [entry.name, entry] as const))('%s ignores the other services\' wrong variables', (name, entry) => {
    const others = Object.entries(OWN_BAD).filter(([service]) => service !== name);
    expect(others.length).toBeGreaterThan(2);
    expect(() => entry.config(Object.assign({}, ...others.map(([, env]) => env)))).not.toThrow();
  });

  it.each(Object.entries(OWN_BAD))('%s refuses its own wrong variable in one line naming it', (name, env) => {
    const entry = SERVICES.find((service) => service.name === name);
    const error = configRefusal((e) => entry?.config(e), env);
    const [variable] = Object.keys(env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(new RegExp(`^${variable}: [^\\n]+$`));
  });
});

describe('ioc start <service> reads only its own configuration', () => {
  const dir = tempDir('ioc-service-config-');
  const env = { IOC_DATA_DIR: dir.path, IOC_SERVICE_TOKEN: 'service-config-test-token-0123456789', MQTT_URL: 'mqtt://127.0.0.1:1' };
  afterAll(() => dir.remove());

  it("ioc start ingest is not stopped by the dashboard's wrong variables, and names its own in one line", async () => {
    const dashboards = { IOC_HTTP_PORT: 'eighty', IOC_ADMIN_PASSWORD: 'short', IOC_TRUST_PROXY: '*' };
    const { code, stdout, stderr } = await runIoc(['start', 'ingest'], { ...env, ...dashboards, IOC_INGEST_PARTITION: '0/2' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^IOC_INGEST_PARTITION: must be i\/n/)]);
  });

  it("ioc start dashboard is not stopped by ingest's or the gateway's wrong variables, and names its own in one line", async () => {
    const others = { IOC_INGEST_PARTITION: '0/2', IOC_MQTTS_PORT: '8883', IOC_CAMERA_CHECK_FRAMES: '1' };
    const { code, stdout, stderr } = await runIoc(['start', 'dashboard'], { ...env, ...others, IOC_HTTP_PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^IOC_HTTP_PORT: must be a TCP port number/)]);
  });
});
