import { loadCommonConfig, readMqttConnectRate, type CommonConfig, type ConfigEnv } from '@ioc/core';

/** The simulator's configuration (`ioc start sim`, `ioc sim`): the common settings and the gateway's pace it keeps under. */
export interface SimConfig extends CommonConfig {
  /** The gateway's new connections per second from one address (IOC_MQTT_CONNECT_RATE): the fleet, one address, starts under it. */
  gatewayConnectRate: number;
}

/** Reads and validates the simulator's configuration; throws ConfigError on the first bad variable. */
export function loadSimConfig(env: ConfigEnv = process.env): SimConfig {
  return { ...loadCommonConfig(env), gatewayConnectRate: readMqttConnectRate(env) };
}
