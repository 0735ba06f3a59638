import { CREDENTIALS_TOPIC, TOPIC_ROOT, deviceTopic, type DeviceChannel } from '@ioc/core';
import { describeIdentity, type Identity } from './identity.ts';

/** Channels a device may publish on, under its own ioc/v1/devices/{id}/ only (docs/architecture.md, "The bus"). */
const DEVICE_PUBLISH_CHANNELS: readonly DeviceChannel[] = ['telemetry', 'events', 'ack'];
const SERVICE_ROOT = 'ioc/';
const SYS_ROOT = '$SYS';

const isSys = (topic: string) => topic === SYS_ROOT || topic.startsWith(`${SYS_ROOT}/`);

/**
 * Whether a topic or filter lies inside `root`'s tree: `root` itself or anything under `root/`. The root has
 * no wildcards, so a filter whose literal prefix is `root/` (e.g. `frigate/#`, `frigate/+/events`) can only
 * match topics inside it, while `#`, `+/events` or `frigatex/#` are outside.
 */
function insideTree(topicOrFilter: string, root: string): boolean {
  return topicOrFilter === root || topicOrFilter.startsWith(`${root}/`);
}

function allowedToPublish(identity: Identity | undefined, topic: string): boolean {
  if (!identity || isSys(topic)) return false;
  switch (identity.type) {
    case 'service':
      return topic.startsWith(SERVICE_ROOT);
    case 'admin':
      // Read only: an admin account debugs with mosquitto_sub. Publishing, it could forge telemetry, retain
      // commands, or kick any login through the credentials control topic.
      return false;
    case 'integration':
      return insideTree(topic, identity.topicRoot);
    case 'device': {
      // On every message: a prefix and a channel name compared, not the topic split and parsed.
      const own = `${TOPIC_ROOT}/devices/${identity.deviceId}/`;
      return topic.startsWith(own) && DEVICE_PUBLISH_CHANNELS.includes(topic.slice(own.length) as DeviceChannel);
    }
  }
}

function allowedToSubscribe(identity: Identity | undefined, filter: string): boolean {
  if (!identity) return false;
  switch (identity.type) {
    case 'service':
    case 'admin':
      return true;
    case 'integration':
      return insideTree(filter, identity.topicRoot);
    case 'device':
      return filter === deviceTopic(identity.deviceId, 'cmd');
  }
}

/**
 * Why `identity` may not publish to `topic`, or undefined when it may:
 * a device only on its own telemetry, events and ack topics; a service anywhere under ioc/; an integration
 * inside its own topic tree; an admin nowhere. Nobody publishes to $SYS (the broker writes it), and only services to
 * the credentials control topic, whatever else they may.
 */
export function publishRefusal(identity: Identity | undefined, topic: string): string | undefined {
  if (allowedToPublish(identity, topic) && (topic !== CREDENTIALS_TOPIC || identity?.type === 'service')) return undefined;
  return `not authorised: ${describeIdentity(identity)} may not publish to "${topic}"`;
}

/**
 * Why `identity` may not subscribe to `filter`, or undefined when it may: a device gets exactly its own cmd
 * topic (no wildcards); an integration filters inside its own tree; services (which read integrations' trees
 * too) and admins anything, `#` and `$SYS/#` included. Only services and admins may read $SYS.
 */
export function subscribeRefusal(identity: Identity | undefined, filter: string): string | undefined {
  if (allowedToSubscribe(identity, filter)) return undefined;
  return `not authorised: ${describeIdentity(identity)} may not subscribe to "${filter}"`;
}
