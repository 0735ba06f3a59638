import { ConfigError, DAY_MS, loadCommonConfig, readCount, readMqttConnectRate, readPort, readRetentionMs, readText, readUrl, type CommonConfig, type ConfigEnv } from '@ioc/core';

/** The gateway's configuration: its listeners, TLS, limits, audit retention and cluster mode, with the common settings. */
export interface GatewayConfig extends CommonConfig {
  mqttPort: number;
  mqttsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  /** CA bundle for mutual TLS: a client certificate it signed logs in as the device named by its CN. */
  tlsCa?: string;
  /** PEM certificate revocation list of the client CA: a device certificate it lists cannot log in. */
  tlsCrl?: string;
  /** MQTT over WebSocket (path /mqtt). */
  mqttWsPort?: number;
  mqttLimits: MqttLimits;
  /** How long audit events are kept (ms; undefined = forever). */
  auditRetentionMs?: number;
  redisUrl?: string;
  /** In cluster mode: how long a gateway node may stay silent before its devices count as offline (ms). */
  clusterNodeTtlMs: number;
}

/** Gateway limits; 0 means unlimited for each. */
export interface MqttLimits {
  maxConnections: number;
  maxPacketBytes: number;
  /** Messages per second one connection may publish (excess is delayed, not dropped). */
  publishRate: number;
  /** New connections per second one IP address may open (excess is closed at once). */
  connectRate: number;
  /** Bytes waiting to be sent to one subscriber before it is disconnected as too slow. */
  maxQueueBytes: number;
  /** Messages the broker may hold (queued for delivery or unacknowledged in persistent sessions) before publishes wait. */
  maxBacklog: number;
}

function mqttLimits(env: ConfigEnv): MqttLimits {
  return {
    maxConnections: readCount(env, 'IOC_MQTT_MAX_CONNECTIONS', 100_000),
    maxPacketBytes: readCount(env, 'IOC_MQTT_MAX_PACKET_BYTES', 256 * 1024),
    publishRate: readCount(env, 'IOC_MQTT_PUBLISH_RATE', 100),
    connectRate: readMqttConnectRate(env),
    maxQueueBytes: readCount(env, 'IOC_MQTT_MAX_QUEUE_BYTES', 8 * 1024 * 1024),
    maxBacklog: readCount(env, 'IOC_MQTT_MAX_BACKLOG', 100_000),
  };
}

function clusterNodeTtlMs(env: ConfigEnv): number {
  const seconds = readCount(env, 'IOC_CLUSTER_NODE_TTL_S', 30);
  if (seconds < 1) throw new ConfigError('IOC_CLUSTER_NODE_TTL_S', 'must be at least 1 second');
  return seconds * 1000;
}

/** Reads and validates the gateway's configuration (`ioc start gateway`); throws ConfigError on the first bad variable. */
export function loadGatewayConfig(env: ConfigEnv = process.env): GatewayConfig {
  const common = loadCommonConfig(env);
  const mqttPort = readPort(env, 'IOC_MQTT_PORT', 1883);
  const mqttsPort = readPort(env, 'IOC_MQTTS_PORT');
  const tlsCert = readText(env, 'IOC_TLS_CERT');
  const tlsKey = readText(env, 'IOC_TLS_KEY');
  if (mqttsPort !== undefined && (!tlsCert || !tlsKey)) {
    throw new ConfigError(tlsCert ? 'IOC_TLS_KEY' : 'IOC_TLS_CERT', 'IOC_MQTTS_PORT needs IOC_TLS_CERT and IOC_TLS_KEY');
  }
  const tlsCa = readText(env, 'IOC_TLS_CA');
  if (tlsCa !== undefined && mqttsPort === undefined) {
    throw new ConfigError('IOC_TLS_CA', 'mutual TLS needs the TLS listener: set IOC_MQTTS_PORT too');
  }
  const tlsCrl = readText(env, 'IOC_TLS_CRL');
  if (tlsCrl !== undefined && tlsCa === undefined) {
    throw new ConfigError('IOC_TLS_CRL', 'a revocation list is for client certificates: set IOC_TLS_CA too');
  }
  return {
    ...common,
    mqttPort,
    mqttsPort,
    tlsCert,
    tlsKey,
    tlsCa,
    tlsCrl,
    mqttWsPort: readPort(env, 'IOC_MQTT_WS_PORT'),
    mqttLimits: mqttLimits(env),
    auditRetentionMs: readRetentionMs(env, 'IOC_AUDIT_RETENTION', 90 * DAY_MS),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    clusterNodeTtlMs: clusterNodeTtlMs(env),
  };
}
