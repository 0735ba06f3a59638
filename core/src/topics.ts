/** The MQTT topics of the bus (namespace ioc/v1; docs/architecture.md, "The bus"). */
export const TOPIC_ROOT = 'ioc/v1';

export type DeviceChannel = 'telemetry' | 'status' | 'events' | 'cmd' | 'ack';
export const DEVICE_CHANNELS: readonly DeviceChannel[] = ['telemetry', 'status', 'events', 'cmd', 'ack'];

/** Device ids: letters, digits, '.', '_' and '-', 1–64 characters, starting with a letter or digit. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isDeviceId(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id);
}

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/devices/${deviceId}/${channel}`;
}

/** Subscription filter for one channel of every device, e.g. ioc/v1/devices/+/telemetry. */
export function allDevicesTopic(channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/devices/+/${channel}`;
}

export const ANOMALIES_TOPIC = `${TOPIC_ROOT}/anomalies`;

export function alertTopic(alertId: string): string {
  return `${TOPIC_ROOT}/alerts/${alertId}`;
}

const DEVICES_PREFIX = `${TOPIC_ROOT}/devices/`;

/** Splits ioc/v1/devices/{id}/{channel}; undefined for any other topic. Runs for every message ingest takes. */
export function parseDeviceTopic(topic: string): { deviceId: string; channel: DeviceChannel } | undefined {
  if (!topic.startsWith(DEVICES_PREFIX)) return undefined;
  const slash = topic.indexOf('/', DEVICES_PREFIX.length);
  if (slash < 0) return undefined;
  const channel = topic.slice(slash + 1) as DeviceChannel;
  const deviceId = topic.slice(DEVICES_PREFIX.length, slash);
  if (!DEVICE_CHANNELS.includes(channel) || !isDeviceId(deviceId)) return undefined;
  return { deviceId, channel };
}

/** MQTT usernames of IOC service accounts start with this prefix (device ids cannot contain ':'). */
export const SERVICE_USER_PREFIX = 'svc:';
