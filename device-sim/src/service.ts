import { join } from 'node:path';
import { deviceTopic, systemClock, type Clock, type Db, type Health, type IocConfig, type Logger, type MqttClient, type Service } from '@ioc/core';
import { airReading } from './air-model.ts';
import { connectDevice } from './device-connection.ts';
import { hueAirFleet, type SimDevice } from './fleet.ts';
import { provisionFleet } from './provision.ts';

export interface DeviceSimDeps {
  config: Pick<IocConfig, 'dataDir' | 'mqttUrl'>;
  logger: Logger;
  db: Db;
  clock?: Clock;
  /** Where the devices connect (default config.mqttUrl). */
  mqttUrl?: string;
  /** Mean time between two readings of one device (default 5 s, jittered ±20 %). */
  intervalMs?: number;
  /** The simulated devices (default one air-quality station per commune/ward of Huế). */
  fleet?: readonly SimDevice[];
}

export const DEFAULT_SIM_INTERVAL_MS = 5000;
const JITTER = 0.2;

export function credentialsFile(dataDir: string): string {
  return join(dataDir, 'sim-credentials.json');
}

/** The native telemetry payload of one reading. */
export function telemetryPayload(device: SimDevice, ts: number): string {
  return JSON.stringify({ ts, metrics: airReading(device, ts) });
}

/**
 * The simulated fleet as a service: provisions its devices, opens one MQTT connection per device with the device's
 * own credentials and publishes a reading from each every `intervalMs` (jittered) at QoS 1.
 */
export function createDeviceSimService(deps: DeviceSimDeps): Service & { readonly published: number } {
  const { config, db } = deps;
  const logger = deps.logger.child({ service: 'sim' });
  const clock = deps.clock ?? systemClock;
  const url = deps.mqttUrl ?? config.mqttUrl;
  const intervalMs = deps.intervalMs ?? DEFAULT_SIM_INTERVAL_MS;
  const fleet = deps.fleet ?? hueAirFleet();
  const clients = new Map<string, MqttClient>();
  const timers = new Set<NodeJS.Timeout>();
  let running = false;
  let published = 0;
  let failed = 0;

  function schedule(device: SimDevice, client: MqttClient, delay: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!running) return;
      publish(device, client);
      schedule(device, client, intervalMs * (1 - JITTER + 2 * JITTER * Math.random()));
    }, delay);
    timers.add(timer);
  }

  function publish(device: SimDevice, client: MqttClient): void {
    if (!client.connected) return;
    client.publish(deviceTopic(device.id, 'telemetry'), telemetryPayload(device, clock.now()), { qos: 1 }, (error) => {
      if (!error) published++;
      else {
        failed++;
        logger.warn({ device: device.id, err: error.message }, 'simulated reading not delivered');
      }
    });
  }

  return {
    name: 'sim',
    get published() {
      return published;
    },
    async start() {
      const { tokens, created, reissued } = await provisionFleet(db, fleet, credentialsFile(config.dataDir));
      logger.info({ devices: fleet.length, created: created.length, reissued: reissued.length }, 'simulated fleet provisioned');
      running = true;
      const connections = await Promise.allSettled(
        fleet.map(async (device) => {
          const client = await connectDevice(url, device.id, tokens.get(device.id) as string);
          client.on('error', (error) => logger.warn({ device: device.id, err: error.message }, 'simulated device connection error'));
          clients.set(device.id, client);
          schedule(device, client, Math.random() * intervalMs);
        }),
      );
      const refused = connections.filter((c): c is PromiseRejectedResult => c.status === 'rejected');
      for (const { reason } of refused) logger.error({ err: (reason as Error).message }, 'simulated device not connected');
      logger.info({ connected: clients.size, url, intervalMs }, 'simulated fleet publishing');
    },
    async stop() {
      running = false;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...clients.values()].map((client) => client.endAsync()));
      clients.clear();
    },
    health(): Health {
      const connected = [...clients.values()].filter((c) => c.connected).length;
      const status = !running || connected === 0 ? 'down' : connected === fleet.length ? 'ok' : 'degraded';
      return { status, devices: fleet.length, connected, published, failed };
    },
  };
}
