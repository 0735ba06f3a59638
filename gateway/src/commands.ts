import { parseDeviceTopic, type Clock, type Logger } from '@ioc/core';
import { decodeJson, DeviceCommand } from '@ioc/core/contracts';
import type { AedesPublishPacket } from 'aedes';

/**
 * Whether a message may still be delivered: a device command (core's contract, `{"id", "type", "args", "expires"}`)
 * whose `expires` has passed is not, whether it is live or was kept for an offline device's persistent session
 * (aedes then drops it from the session). A payload that is not such a command is delivered as it is: the gateway
 * judges only expiry, and the device refuses what it cannot read in its ack.
 */
export function createCommandExpiry(deps: { clock: Clock; logger: Logger; onExpired: () => void }) {
  const { clock, logger, onExpired } = deps;
  return (packet: AedesPublishPacket): boolean => {
    if (!packet.topic.endsWith('/cmd')) return true;
    const parsed = parseDeviceTopic(packet.topic);
    if (parsed?.channel !== 'cmd') return true;
    const command = decodeJson(DeviceCommand, packet.payload.toString());
    if (!command.ok || command.value.expires > clock.now()) return true;
    onExpired();
    logger.info({ deviceId: parsed.deviceId, topic: packet.topic, id: command.value.id, expires: command.value.expires }, 'expired command not delivered');
    return false;
  };
}
