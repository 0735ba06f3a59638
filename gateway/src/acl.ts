import { deviceTopic, parseDeviceTopic, type DeviceChannel } from '@ioc/core';
import { describeIdentity, type Identity } from './identity.ts';

/** Channels a device may publish on, under its own ioc/v1/devices/{id}/ only (DESIGN.md §4). */
const DEVICE_PUBLISH_CHANNELS: readonly DeviceChannel[] = ['telemetry', 'events', 'ack'];
const SERVICE_ROOT = 'ioc/';

/** Why `identity` may not publish to `topic`, or undefined when it may. */
export function publishRefusal(identity: Identity | undefined, topic: string): string | undefined {
  if (identity?.type === 'service' && topic.startsWith(SERVICE_ROOT)) return undefined;
  if (identity?.type === 'device') {
    const parsed = parseDeviceTopic(topic);
    if (parsed?.deviceId === identity.deviceId && DEVICE_PUBLISH_CHANNELS.includes(parsed.channel)) return undefined;
  }
  return `not authorised: ${describeIdentity(identity)} may not publish to "${topic}"`;
}

/**
 * Why `identity` may not subscribe to `filter`, or undefined when it may. A device gets exactly its own cmd
 * topic (no wildcards); a service anything under ioc/ (including ioc/#).
 */
export function subscribeRefusal(identity: Identity | undefined, filter: string): string | undefined {
  if (identity?.type === 'service' && filter.startsWith(SERVICE_ROOT)) return undefined;
  if (identity?.type === 'device' && filter === deviceTopic(identity.deviceId, 'cmd')) return undefined;
  return `not authorised: ${describeIdentity(identity)} may not subscribe to "${filter}"`;
}
