import {
  allDevicesTopic,
  createRegistryCache,
  decodeDeviceStatus,
  decodeTelemetry,
  parseDeviceTopic,
  type Clock,
  type Db,
  type DeviceKind,
  type Logger,
  type MqttClient,
  type MqttConnect,
} from '@ioc/core';
import type { LiveEvents } from './socket-server.ts';

/** How long a device id that is not registered stays known as unknown before it is looked up again. */
const UNKNOWN_DEVICE_TTL_MS = 10_000;

export type LiveSink = { [K in 'telemetry' | 'status' | 'device']: (...args: Parameters<LiveEvents[K]>) => void };

export interface DeviceFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

/**
 * The dashboard's MQTT client (service `dashboard`): forwards valid telemetry of known devices, their online status
 * and every registry change (a device added, moved, re-kinded or deleted, from core's registry cache) to the sink.
 * Messages of a device being looked up wait, in order.
 */
export function createDeviceFeed(deps: { mqttConnect: MqttConnect; db: Db; clock: Clock; logger: Logger; sink: LiveSink }): DeviceFeed {
  const { db, clock, logger, sink } = deps;
  const registry = createRegistryCache({ db, logger });
  const unknownUntil = new Map<string, number>();
  registry.onChange((id, record) => {
    unknownUntil.delete(id);
    sink.device({ id, record });
  });
  const waiting = new Map<string, Buffer[]>();
  let client: MqttClient | undefined;

  function forwardTelemetry(deviceId: string, kind: DeviceKind, payload: Buffer): void {
    const result = decodeTelemetry(deviceId, kind, payload, clock.now());
    if (!result.ok) {
      logger.debug({ deviceId, reason: result.reason }, 'telemetry not forwarded');
      return;
    }
    const metrics: Record<string, number> = {};
    for (const point of result.points) metrics[point.metric] = point.value;
    sink.telemetry({ deviceId, ts: result.ts, metrics });
  }

  function lookUp(deviceId: string, first: Buffer): void {
    const queue = [first];
    waiting.set(deviceId, queue);
    registry
      .lookup(deviceId)
      .then((device) => {
        if (!device) unknownUntil.set(deviceId, clock.now() + UNKNOWN_DEVICE_TTL_MS);
        waiting.delete(deviceId);
        if (device) for (const payload of queue) forwardTelemetry(deviceId, device.kind, payload);
      })
      .catch((error: Error) => {
        waiting.delete(deviceId);
        logger.error({ deviceId, err: error }, 'device lookup failed; its telemetry was not forwarded');
      });
  }

  function onTelemetry(deviceId: string, payload: Buffer): void {
    const kind = registry.get(deviceId)?.kind;
    if (kind) return forwardTelemetry(deviceId, kind, payload);
    const queue = waiting.get(deviceId);
    if (queue) return void queue.push(payload);
    if ((unknownUntil.get(deviceId) ?? 0) > clock.now()) return;
    lookUp(deviceId, payload);
  }

  function onStatus(deviceId: string, payload: Buffer): void {
    if (payload.length === 0) return; // a cleared retained message
    const decoded = decodeDeviceStatus(payload.toString('utf8'));
    if (!decoded.ok) {
      logger.warn({ deviceId, reason: decoded.reason }, 'status payload refused; ignored');
      return;
    }
    sink.status({ deviceId, ...decoded.value });
  }

  /** A message that cannot be forwarded is logged and skipped: nothing in a payload may throw out of mqtt.js' event. */
  function onMessage(topic: string, payload: Buffer): void {
    try {
      const parsed = parseDeviceTopic(topic);
      if (parsed?.channel === 'telemetry') onTelemetry(parsed.deviceId, payload);
      else if (parsed?.channel === 'status') onStatus(parsed.deviceId, payload);
    } catch (error) {
      logger.error({ err: error, topic }, 'live message not forwarded');
    }
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },

    async start() {
      client = await deps.mqttConnect('dashboard');
      client.on('message', onMessage);
      client.on('error', (error) => logger.warn({ err: error }, 'MQTT error'));
      await registry.attach(client);
      await client.subscribeAsync([allDevicesTopic('telemetry'), allDevicesTopic('status')], { qos: 0 });
    },

    async stop() {
      registry.detach();
      await client?.endAsync();
      client = undefined;
    },
  };
}
