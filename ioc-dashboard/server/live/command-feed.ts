import {
  allDevicesTopic,
  parseDeviceTopic,
  publishDeviceCommand,
  type DeviceCommands,
  type Logger,
  type MqttClient,
  type MqttConnect,
} from '@ioc/core';
import type { DeviceCommand } from '@ioc/core/contracts';

/** How often commands past their `expires` without an ack are marked expired. */
export const COMMAND_SWEEP_INTERVAL_MS = 5000;

export interface CommandFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
  /** Puts a command on the bus (QoS 1); fails at once when the bus is unreachable, rather than queueing it. */
  publish(deviceId: string, command: DeviceCommand): Promise<void>;
}

/**
 * The dashboard's side of the command path on the bus (service `dashboard-commands`): publishes commands, and hears
 * `ioc/v1/devices/+/ack` at QoS 1 in a persistent session (client id `clientId`, default
 * `svc:dashboard-commands/ioc-dashboard-commands`: an account's client ids start with its username), so acks sent
 * while the dashboard is down are queued by the gateway and recorded when it returns. Acks are handled one at a
 * time, in arrival order. Every `sweepIntervalMs` the commands past their expiry without an ack are marked expired.
 */
export function createCommandFeed(deps: {
  mqttConnect: MqttConnect;
  logger: Logger;
  commands: Pick<DeviceCommands, 'acknowledge' | 'expireDue'>;
  clientId?: string;
  sweepIntervalMs?: number;
}): CommandFeed {
  const { logger, commands, clientId = 'svc:dashboard-commands/ioc-dashboard-commands', sweepIntervalMs = COMMAND_SWEEP_INTERVAL_MS } = deps;
  let client: MqttClient | undefined;
  let sweep: NodeJS.Timeout | undefined;
  let handling: Promise<void> = Promise.resolve();

  function onMessage(topic: string, payload: Buffer): void {
    const parsed = parseDeviceTopic(topic);
    if (parsed?.channel !== 'ack') return;
    handling = handling
      .then(() => commands.acknowledge(parsed.deviceId, topic, payload))
      .catch((error: Error) => logger.error({ err: error, topic }, 'command ack not recorded'));
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },

    async publish(deviceId, command) {
      if (!client?.connected) throw new Error('the dashboard is not connected to the bus');
      await publishDeviceCommand(client, deviceId, command);
    },

    async start() {
      client = await deps.mqttConnect('dashboard-commands', { clientId, clean: false });
      client.on('message', onMessage);
      client.on('error', (error) => logger.warn({ err: error }, 'MQTT error (commands)'));
      await client.subscribeAsync(allDevicesTopic('ack'), { qos: 1 });
      sweep = setInterval(() => {
        commands.expireDue().catch((error: Error) => logger.error({ err: error }, 'command expiry sweep failed'));
      }, sweepIntervalMs);
      sweep.unref();
    },

    async stop() {
      clearInterval(sweep);
      await client?.endAsync();
      client = undefined;
      await handling;
    },
  };
}
