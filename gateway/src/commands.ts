import { parseDeviceTopic, type Clock, type Logger } from '@ioc/core';
import type { AedesPublishPacket } from 'aedes';

/** When a command payload `{"id", "type", "args", "expires"}` expires (epoch ms), if it says so. */
function expiryOf(payload: Buffer | string): number | undefined {
  try {
    const expires = (JSON.parse(payload.toString()) as { expires?: unknown }).expires;
    if (typeof expires === 'number') return expires;
    if (typeof expires === 'string' && !Number.isNaN(Date.parse(expires))) return Date.parse(expires);
  } catch {
    // Not JSON: the device will say so in its ack; the gateway only judges expiry.
  }
  return undefined;
}

/**
 * Whether a message may still be delivered: a device command whose `expires` has passed is not, whether it
 * is live or was kept for an offline device's persistent session (aedes then drops it from the session).
 */
export function createCommandExpiry(deps: { clock: Clock; logger: Logger; onExpired: () => void }) {
  const { clock, logger, onExpired } = deps;
  return (packet: AedesPublishPacket): boolean => {
    if (!packet.topic.endsWith('/cmd')) return true;
    const parsed = parseDeviceTopic(packet.topic);
    if (parsed?.channel !== 'cmd') return true;
    const expires = expiryOf(packet.payload);
    if (expires === undefined || expires > clock.now()) return true;
    onExpired();
    logger.info({ deviceId: parsed.deviceId, topic: packet.topic, expires }, 'expired command not delivered');
    return false;
  };
}
