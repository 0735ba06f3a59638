import type { Socket } from 'node:net';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { CommonConfig } from './config.ts';
import { clientIdOf } from './client-id.ts';
import { SERVICE_USER_PREFIX } from './topics.ts';

export type { MqttClient };

/**
 * mqtt.js' options, and `handleMessage`: set on the client before it connects. A persistent session's queued messages
 * follow CONNACK at once, before the caller's `await` resumes; a handler set afterwards would miss them (mqtt.js'
 * default one acknowledges them).
 */
export type MqttConnectOptions = Partial<IClientOptions> & { handleMessage?: MqttClient['handleMessage'] };

/** Opens an MQTT connection to the bus as the named IOC service. */
export type MqttConnect = (serviceName: string, options?: MqttConnectOptions) => Promise<MqttClient>;

/**
 * mqtt.js calls its `debug` logger a dozen times per message even when nothing is enabled; services skip those
 * calls unless DEBUG is set (then mqtt.js logs as usual, e.g. `DEBUG=mqttjs*`).
 */
const quietUnlessDebugging = (env: NodeJS.ProcessEnv): Partial<IClientOptions> => (env.DEBUG ? {} : { log: () => {} });

/**
 * Connection factory for services: they log in as `svc:<name>` with IOC_SERVICE_TOKEN, by default with a client id
 * of their own per connection (`svc:<name>/<pid>-<random>`; a `clientId` option must also start with `svc:<name>/`,
 * client-id.ts). Resolves once connected; mqtt.js reconnects by itself afterwards.
 */
export function createMqttConnect(config: Pick<CommonConfig, 'mqttUrl' | 'serviceToken'>): MqttConnect {
  return (serviceName, { handleMessage, ...options } = {}) =>
    new Promise((resolve, reject) => {
      if (!config.serviceToken) {
        reject(new Error('IOC_SERVICE_TOKEN is not set: services cannot log in to the gateway'));
        return;
      }
      const username = `${SERVICE_USER_PREFIX}${serviceName}`;
      const client = mqtt.connect(config.mqttUrl, {
        clientId: clientIdOf(username, `${process.pid}-${Math.random().toString(36).slice(2, 8)}`),
        username,
        password: config.serviceToken,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        ...quietUnlessDebugging(process.env),
        ...options,
      });
      if (handleMessage) client.handleMessage = handleMessage;
      const onError = (error: Error) => {
        client.end(true);
        reject(new Error(`MQTT connection of ${serviceName} to ${config.mqttUrl} failed: ${error.message}`));
      };
      client.once('error', onError);
      // Nagle's algorithm would hold a service's small packets (PUBACKs, commands) up to a delayed ACK (~40 ms);
      // the gateway turns it off on its side of every connection too. Each reconnect has a new socket.
      client.on('connect', () => (client.stream as Partial<Pick<Socket, 'setNoDelay'>>).setNoDelay?.(true));
      client.once('connect', () => {
        client.off('error', onError);
        resolve(client);
      });
    });
}
