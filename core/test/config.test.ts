import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { ConfigError, DEFAULT_AREAS_DIR, loadCommonConfig, readCount, readFlag, readMqttConnectRate, readPort, readRetentionMs, readUrl } from '@ioc/core';
import { configRefusal } from '@ioc/core/testing';

describe('loadCommonConfig: what every IOC process reads', () => {
  it('has defaults for everything', () => {
    expect(loadCommonConfig({})).toEqual({
      dataDir: resolve('./data'),
      mqttUrl: 'mqtt://127.0.0.1:1883',
      serviceToken: undefined,
      databaseUrl: undefined,
      influx: undefined,
      retention: { raw: 30 * 86_400_000, minute: 365 * 86_400_000 },
      demo: false,
      logLevel: 'info',
      areasDir: DEFAULT_AREAS_DIR.replace(/\/$/, ''),
    });
  });

  it('reads every variable', () => {
    const config = loadCommonConfig({
      IOC_DATA_DIR: '/srv/ioc',
      IOC_MQTT_PORT: '1884',
      DATABASE_URL: 'postgres://ioc@db/ioc',
      INFLUX_URL: 'http://influx:8086',
      INFLUX_DB: 'hue',
      INFLUX_USER: 'ioc',
      INFLUX_PASSWORD: 'secret',
      IOC_SERVICE_TOKEN: '0123456789abcdef',
      IOC_DEMO: 'on',
      IOC_LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      dataDir: '/srv/ioc',
      mqttUrl: 'mqtt://127.0.0.1:1884',
      databaseUrl: 'postgres://ioc@db/ioc',
      influx: { url: 'http://influx:8086', db: 'hue', user: 'ioc', password: 'secret', token: undefined },
      serviceToken: '0123456789abcdef',
      demo: true,
      logLevel: 'debug',
    });
    expect(loadCommonConfig({ INFLUX_URL: 'https://influx', INFLUX_TOKEN: 't' }).influx).toEqual({
      url: 'https://influx',
      db: 'ioc',
      token: 't',
      user: undefined,
      password: undefined,
    });
    expect(loadCommonConfig({ MQTT_URL: 'mqtts://broker:8883' }).mqttUrl).toBe('mqtts://broker:8883');
    expect(loadCommonConfig({ IOC_DEMO: ' off ' }).demo).toBe(false);
  });

  it("reads the gateway's IOC_MQTT_PORT only to find the bus when MQTT_URL does not say where it is", () => {
    expect(loadCommonConfig({ MQTT_URL: 'mqtt://gateway:1883', IOC_MQTT_PORT: 'not a port' }).mqttUrl).toBe('mqtt://gateway:1883');
    expect(configRefusal(loadCommonConfig, { IOC_MQTT_PORT: 'not a port' })?.message).toMatch(/^IOC_MQTT_PORT: must be a TCP port number/);
  });

  it.each([
    ['IOC_MQTT_PORT', { IOC_MQTT_PORT: '-1' }],
    ['MQTT_URL', { MQTT_URL: 'not a url' }],
    ['MQTT_URL', { MQTT_URL: 'http://broker' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/ioc' }],
    ['INFLUX_URL', { INFLUX_URL: 'influx:8086' }],
    ['INFLUX_DB', { INFLUX_URL: 'http://influx:8086', INFLUX_DB: 'my db' }],
    ['INFLUX_PASSWORD', { INFLUX_USER: 'ioc' }],
    ['INFLUX_USER', { INFLUX_PASSWORD: 'secret' }],
    ['IOC_SERVICE_TOKEN', { IOC_SERVICE_TOKEN: 'too-short' }],
    ['IOC_DEMO', { IOC_DEMO: 'maybe' }],
    ['IOC_LOG_LEVEL', { IOC_LOG_LEVEL: 'loud' }],
  ])('refuses a bad %s with one line naming it', (variable, env) => {
    const error = configRefusal(loadCommonConfig, env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.variable).toBe(variable);
    expect(error?.message.startsWith(`${variable}: `)).toBe(true);
    expect(error?.message).not.toContain('\n');
  });
});

describe("the shared parsers services' loaders read their variables with", () => {
  it('read a value, fall back when unset or blank, and name the variable when it is wrong', () => {
    expect(readPort({ P: ' 8080 ' }, 'P')).toBe(8080);
    expect(readPort({ P: '' }, 'P', 1)).toBe(1);
    expect(() => readPort({ P: '70000' }, 'P')).toThrow(/^P: must be a TCP port number 0-65535, got "70000"$/);
    expect(readCount({}, 'C', 7)).toBe(7);
    expect(() => readCount({ C: '1.5' }, 'C', 7)).toThrow(/^C: must be a whole number \(0 = unlimited\), got "1.5"$/);
    expect(readUrl({ U: 'redis://r:6379' }, 'U', ['redis:'])).toBe('redis://r:6379');
    expect(() => readUrl({ U: 'http://r' }, 'U', ['redis:', 'rediss:'])).toThrow(/^U: must use redis: or rediss:, got "http:"$/);
    expect(readFlag({ F: 'YES' }, 'F', false)).toBe(true);
    expect(() => readFlag({ F: 'maybe' }, 'F', false)).toThrow(/^F: must be on or off, got "maybe"$/);
    expect(readRetentionMs({ R: '12h' }, 'R', 1)).toBe(12 * 3_600_000);
    expect(readRetentionMs({ R: 'inf' }, 'R', 1)).toBeUndefined();
    expect(() => readRetentionMs({ R: '5m' }, 'R', 1)).toThrow(/^R: must be a duration of at least 1h/);
    expect(readMqttConnectRate({})).toBe(50);
    expect(readMqttConnectRate({ IOC_MQTT_CONNECT_RATE: '5' })).toBe(5);
  });
});
