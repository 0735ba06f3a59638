import { describe, expect, it } from 'vitest';
import { ConfigError, loadCommonConfig } from '@ioc/core';
import { configRefusal } from '@ioc/core/testing';
import { loadGatewayConfig } from '@ioc/gateway/config';

describe('loadGatewayConfig', () => {
  it('has defaults for its own settings, on top of the common ones', () => {
    expect(loadGatewayConfig({})).toEqual({
      ...loadCommonConfig({}),
      mqttPort: 1883,
      mqttsPort: undefined,
      tlsCert: undefined,
      tlsKey: undefined,
      tlsCa: undefined,
      tlsCrl: undefined,
      mqttWsPort: undefined,
      mqttLimits: { maxConnections: 100_000, maxPacketBytes: 262_144, publishRate: 100, connectRate: 50, maxQueueBytes: 8_388_608, maxBacklog: 100_000 },
      auditRetentionMs: 90 * 86_400_000,
      redisUrl: undefined,
      clusterNodeTtlMs: 30_000,
    });
  });

  it('keeps audit events 90 days unless IOC_AUDIT_RETENTION says otherwise (inf: forever)', () => {
    expect(loadGatewayConfig({ IOC_AUDIT_RETENTION: '12h' }).auditRetentionMs).toBe(12 * 3_600_000);
    expect(loadGatewayConfig({ IOC_AUDIT_RETENTION: 'inf' }).auditRetentionMs).toBeUndefined();
    expect(configRefusal(loadGatewayConfig, { IOC_AUDIT_RETENTION: '5m' })?.message).toMatch(/^IOC_AUDIT_RETENTION: must be a duration of at least 1h/);
  });

  it('takes the cluster node heartbeat TTL in seconds, at least 1', () => {
    expect(loadGatewayConfig({ IOC_CLUSTER_NODE_TTL_S: '5' }).clusterNodeTtlMs).toBe(5000);
    expect(configRefusal(loadGatewayConfig, { IOC_CLUSTER_NODE_TTL_S: '0' })?.message).toMatch(/^IOC_CLUSTER_NODE_TTL_S: must be at least 1 second/);
  });

  it('reads every variable', () => {
    expect(
      loadGatewayConfig({
        IOC_MQTT_PORT: '1884',
        IOC_MQTTS_PORT: '8883',
        IOC_TLS_CERT: '/tls/cert.pem',
        IOC_TLS_KEY: '/tls/key.pem',
        IOC_TLS_CA: '/tls/ca.pem',
        IOC_TLS_CRL: '/tls/crl.pem',
        IOC_MQTT_WS_PORT: '8083',
        IOC_MQTT_MAX_CONNECTIONS: '20000',
        IOC_MQTT_MAX_PACKET_BYTES: '1024',
        IOC_MQTT_PUBLISH_RATE: '0',
        IOC_MQTT_CONNECT_RATE: '5',
        IOC_MQTT_MAX_QUEUE_BYTES: '65536',
        IOC_MQTT_MAX_BACKLOG: '5000',
        REDIS_URL: 'redis://redis:6379',
      }),
    ).toMatchObject({
      mqttPort: 1884,
      mqttsPort: 8883,
      tlsCert: '/tls/cert.pem',
      tlsKey: '/tls/key.pem',
      tlsCa: '/tls/ca.pem',
      tlsCrl: '/tls/crl.pem',
      mqttWsPort: 8083,
      mqttLimits: { maxConnections: 20_000, maxPacketBytes: 1024, publishRate: 0, connectRate: 5, maxQueueBytes: 65_536, maxBacklog: 5000 },
      mqttUrl: 'mqtt://127.0.0.1:1884',
      redisUrl: 'redis://redis:6379',
    });
  });

  it.each([
    ['IOC_MQTT_PORT', { IOC_MQTT_PORT: '-1' }],
    ['IOC_MQTT_PORT', { IOC_MQTT_PORT: 'mqtt', MQTT_URL: 'mqtt://gateway:1883' }],
    ['IOC_TLS_CERT', { IOC_MQTTS_PORT: '8883' }],
    ['IOC_TLS_KEY', { IOC_MQTTS_PORT: '8883', IOC_TLS_CERT: '/c.pem' }],
    ['IOC_TLS_CA', { IOC_TLS_CA: '/ca.pem' }],
    ['IOC_TLS_CRL', { IOC_MQTTS_PORT: '8883', IOC_TLS_CERT: '/c.pem', IOC_TLS_KEY: '/k.pem', IOC_TLS_CRL: '/crl.pem' }],
    ['IOC_MQTT_WS_PORT', { IOC_MQTT_WS_PORT: 'ws' }],
    ['IOC_MQTT_MAX_CONNECTIONS', { IOC_MQTT_MAX_CONNECTIONS: '-5' }],
    ['IOC_MQTT_PUBLISH_RATE', { IOC_MQTT_PUBLISH_RATE: '1.5' }],
    ['IOC_MQTT_CONNECT_RATE', { IOC_MQTT_CONNECT_RATE: 'fast' }],
    ['REDIS_URL', { REDIS_URL: 'http://redis' }],
    ['IOC_SERVICE_TOKEN', { IOC_SERVICE_TOKEN: 'too-short' }],
  ])('refuses a bad %s with one line naming it', (variable, env) => {
    const error = configRefusal(loadGatewayConfig, env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.variable).toBe(variable);
    expect(error?.message.startsWith(`${variable}: `)).toBe(true);
    expect(error?.message).not.toContain('\n');
  });

  it("does not read the other services' variables", () => {
    expect(() => loadGatewayConfig({ IOC_HTTP_PORT: 'eighty', IOC_TRUST_PROXY: '*', IOC_INGEST_PARTITION: '3/2', IOC_DEAD_LETTERS_MAX: '-1' })).not.toThrow();
  });
});
