/** The MQTT topic contract of DESIGN.md §4 (namespace ioc/v1). */
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

/** Splits ioc/v1/devices/{id}/{channel}; undefined for any other topic. */
export function parseDeviceTopic(topic: string): { deviceId: string; channel: DeviceChannel } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'ioc' || parts[1] !== 'v1' || parts[2] !== 'devices') return undefined;
  const deviceId = parts[3] as string;
  const channel = parts[4] as DeviceChannel;
  if (!isDeviceId(deviceId) || !DEVICE_CHANNELS.includes(channel)) return undefined;
  return { deviceId, channel };
}

/** MQTT usernames of IOC service accounts start with this prefix (device ids cannot contain ':'). */
export const SERVICE_USER_PREFIX = 'svc:';
