import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ConfigError, DEFAULT_AREAS_DIR, loadConfig } from '@ioc/core';

/** The error loadConfig throws for `env`, or undefined when it accepts it. */
function refusal(env: Record<string, string>): ConfigError | undefined {
  try {
    loadConfig(env);
    return undefined;
  } catch (error) {
    return error as ConfigError;
  }
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      dataDir: resolve('./data'),
      httpPort: 8080,
      mqttPort: 1883,
      mqttsPort: undefined,
      tlsCert: undefined,
      tlsKey: undefined,
      tlsCa: undefined,
      mqttWsPort: undefined,
      mqttLimits: { maxConnections: 100_000, maxPacketBytes: 262_144, publishRate: 100, connectRate: 50, maxQueueBytes: 8_388_608, maxBacklog: 100_000 },
      mqttUrl: 'mqtt://127.0.0.1:1883',
      databaseUrl: undefined,
      influx: undefined,
      retention: { raw: 30 * 86_400_000, minute: 365 * 86_400_000 },
      auditRetentionMs: 90 * 86_400_000,
      deadLetters: { retentionMs: 30 * 86_400_000, max: 1_000_000 },
      redisUrl: undefined,
      clusterNodeTtlMs: 30_000,
      adminPassword: undefined,
      serviceToken: undefined,
      demo: false,
      logLevel: 'info',
      cameraChecks: { intervalMs: 60_000, concurrency: 1, frames: 3 },
      areasDir: DEFAULT_AREAS_DIR.replace(/\/$/, ''),
    });
  });

  it('keeps audit events 90 days unless IOC_AUDIT_RETENTION says otherwise (inf: forever)', () => {
    expect(loadConfig({ IOC_AUDIT_RETENTION: '12h' }).auditRetentionMs).toBe(12 * 3_600_000);
    expect(loadConfig({ IOC_AUDIT_RETENTION: 'inf' }).auditRetentionMs).toBeUndefined();
    expect(loadConfig({ IOC_DEAD_LETTER_RETENTION: 'inf', IOC_DEAD_LETTERS_MAX: '0' }).deadLetters).toEqual({ max: 0 });
    expect(refusal({ IOC_AUDIT_RETENTION: '5m' })?.message).toMatch(/^IOC_AUDIT_RETENTION: must be a duration of at least 1h/);
  });

  it('takes the cluster node heartbeat TTL in seconds, at least 1', () => {
    expect(loadConfig({ IOC_CLUSTER_NODE_TTL_S: '5' }).clusterNodeTtlMs).toBe(5000);
    expect(refusal({ IOC_CLUSTER_NODE_TTL_S: '0' })?.message).toMatch(/^IOC_CLUSTER_NODE_TTL_S: must be at least 1 second/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      IOC_DATA_DIR: '/srv/ioc',
      IOC_HTTP_PORT: '0',
      IOC_MQTT_PORT: '1884',
      IOC_MQTTS_PORT: '8883',
      IOC_TLS_CERT: '/tls/cert.pem',
      IOC_TLS_KEY: '/tls/key.pem',
      IOC_TLS_CA: '/tls/ca.pem',
      IOC_MQTT_WS_PORT: '8083',
      IOC_MQTT_MAX_CONNECTIONS: '20000',
      IOC_MQTT_MAX_PACKET_BYTES: '1024',
      IOC_MQTT_PUBLISH_RATE: '0',
      IOC_MQTT_CONNECT_RATE: '5',
      IOC_MQTT_MAX_QUEUE_BYTES: '65536',
      IOC_MQTT_MAX_BACKLOG: '5000',
      DATABASE_URL: 'postgres://ioc@db/ioc',
      INFLUX_URL: 'http://influx:8086',
      INFLUX_DB: 'hue',
      INFLUX_USER: 'ioc',
      INFLUX_PASSWORD: 'secret',
      REDIS_URL: 'redis://redis:6379',
      IOC_ADMIN_PASSWORD: 'long enough',
      IOC_SERVICE_TOKEN: '0123456789abcdef',
      IOC_DEMO: 'on',
      IOC_LOG_LEVEL: 'debug',
      IOC_CAMERA_CHECK_INTERVAL_S: '300',
      IOC_CAMERA_CHECKS_AT_ONCE: '2',
      IOC_CAMERA_CHECK_FRAMES: '4',
    });
    expect(config).toMatchObject({
      dataDir: '/srv/ioc',
      httpPort: 0,
      mqttPort: 1884,
      mqttsPort: 8883,
      tlsCa: '/tls/ca.pem',
      mqttWsPort: 8083,
      mqttLimits: { maxConnections: 20_000, maxPacketBytes: 1024, publishRate: 0, connectRate: 5, maxQueueBytes: 65_536, maxBacklog: 5000 },
      mqttUrl: 'mqtt://127.0.0.1:1884',
      databaseUrl: 'postgres://ioc@db/ioc',
      influx: { url: 'http://influx:8086', db: 'hue', user: 'ioc', password: 'secret', token: undefined },
      redisUrl: 'redis://redis:6379',
      demo: true,
      logLevel: 'debug',
      cameraChecks: { intervalMs: 300_000, concurrency: 2, frames: 4 },
    });
    expect(loadConfig({ INFLUX_URL: 'https://influx', INFLUX_TOKEN: 't' }).influx).toEqual({
      url: 'https://influx',
      db: 'ioc',
      token: 't',
      user: undefined,
      password: undefined,
    });
    expect(loadConfig({ MQTT_URL: 'mqtts://broker:8883' }).mqttUrl).toBe('mqtts://broker:8883');
    expect(loadConfig({ IOC_DEMO: ' off ' }).demo).toBe(false);
  });

  it.each([
    ['IOC_HTTP_PORT', { IOC_HTTP_PORT: 'eighty' }],
    ['IOC_HTTP_PORT', { IOC_HTTP_PORT: '70000' }],
    ['IOC_MQTT_PORT', { IOC_MQTT_PORT: '-1' }],
    ['IOC_TLS_CERT', { IOC_MQTTS_PORT: '8883' }],
    ['IOC_TLS_KEY', { IOC_MQTTS_PORT: '8883', IOC_TLS_CERT: '/c.pem' }],
    ['IOC_TLS_CA', { IOC_TLS_CA: '/ca.pem' }],
    ['IOC_TLS_CRL', { IOC_MQTTS_PORT: '8883', IOC_TLS_CERT: '/c.pem', IOC_TLS_KEY: '/k.pem', IOC_TLS_CRL: '/crl.pem' }],
    ['IOC_MQTT_WS_PORT', { IOC_MQTT_WS_PORT: 'ws' }],
    ['IOC_MQTT_MAX_CONNECTIONS', { IOC_MQTT_MAX_CONNECTIONS: '-5' }],
    ['IOC_MQTT_PUBLISH_RATE', { IOC_MQTT_PUBLISH_RATE: '1.5' }],
    ['MQTT_URL', { MQTT_URL: 'not a url' }],
    ['MQTT_URL', { MQTT_URL: 'http://broker' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/ioc' }],
    ['INFLUX_URL', { INFLUX_URL: 'influx:8086' }],
    ['INFLUX_DB', { INFLUX_URL: 'http://influx:8086', INFLUX_DB: 'my db' }],
    ['INFLUX_PASSWORD', { INFLUX_USER: 'ioc' }],
    ['INFLUX_USER', { INFLUX_PASSWORD: 'secret' }],
    ['REDIS_URL', { REDIS_URL: 'http://redis' }],
    ['IOC_ADMIN_PASSWORD', { IOC_ADMIN_PASSWORD: 'short' }],
    ['IOC_SERVICE_TOKEN', { IOC_SERVICE_TOKEN: 'too-short' }],
    ['IOC_DEMO', { IOC_DEMO: 'maybe' }],
    ['IOC_LOG_LEVEL', { IOC_LOG_LEVEL: 'loud' }],
    ['IOC_CAMERA_CHECK_INTERVAL_S', { IOC_CAMERA_CHECK_INTERVAL_S: '0' }],
    ['IOC_CAMERA_CHECKS_AT_ONCE', { IOC_CAMERA_CHECKS_AT_ONCE: 'two' }],
    ['IOC_CAMERA_CHECK_FRAMES', { IOC_CAMERA_CHECK_FRAMES: '1' }],
  ])('refuses a bad %s with one line naming it', (variable, env) => {
    const error = refusal(env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.variable).toBe(variable);
    expect(error?.message.startsWith(`${variable}: `)).toBe(true);
    expect(error?.message).not.toContain('\n');
  });
});
