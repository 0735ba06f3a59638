import type { AedesOptions, Client } from 'aedes';
import { parseDeviceTopic, recordDeadLetters, type Clock, type Logger, type Queryable } from '@ioc/core';
import { publishRefusal, subscribeRefusal } from './acl.ts';
import type { BackgroundWriter } from './background.ts';
import { identityOf, remoteAddressOf } from './identity.ts';
import type { RetainPolicy } from './retain-policy.ts';
import type { GatewayStats } from './stats.ts';

type AuthorizePublish = NonNullable<AedesOptions['authorizePublish']>;
type AuthorizeSubscribe = NonNullable<AedesOptions['authorizeSubscribe']>;

interface AuthorizeDeps {
  db: Queryable;
  logger: Logger;
  clock: Clock;
  stats: GatewayStats;
  writer: BackgroundWriter;
}

/**
 * Publish ACL (acl.ts). A refused publish is not forwarded, is logged and kept as a dead letter. aedes then
 * closes the connection: MQTT 3.1.1 has no negative PUBACK, and [MQTT-3.3.5-2] leaves a server the choice
 * between acknowledging and dropping, or disconnecting. We disconnect on purpose, so a device that writes
 * where it must not notices, instead of believing its data was accepted. A publish let through may lose its retain
 * flag (retain-policy.ts).
 */
export function createAuthorizePublish({ db, logger, clock, stats, writer, retain }: AuthorizeDeps & { retain: RetainPolicy }): AuthorizePublish {
  return (client, packet, callback) => {
    const identity = identityOf(client);
    const reason = publishRefusal(identity, packet.topic);
    if (!reason) {
      retain(identity, packet);
      return callback(null);
    }
    stats.refusedPublishes++;
    logger.warn({ clientId: client?.id, remoteAddress: client && remoteAddressOf(client), topic: packet.topic }, reason);
    const deviceId = identity?.type === 'device' ? identity.deviceId : (parseDeviceTopic(packet.topic)?.deviceId ?? null);
    const letter = {
      deviceId,
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload.toString('utf8') : String(packet.payload),
      reason,
      ts: clock.now(),
    };
    writer.run('dead letter of a refused publish', () => recordDeadLetters(db, [letter]));
    callback(new Error(reason));
  };
}

/** Subscribe ACL (acl.ts). A refused filter gets the SUBACK failure code 0x80; the connection stays up. */
export function createAuthorizeSubscribe({ logger, stats }: Pick<AuthorizeDeps, 'logger' | 'stats'>): AuthorizeSubscribe {
  return (client, subscription, callback) => {
    const reason = subscribeRefusal(identityOf(client), subscription.topic);
    if (!reason) return callback(null, subscription);
    stats.refusedSubscriptions++;
    logger.warn({ clientId: client.id, remoteAddress: remoteAddressOf(client), topic: subscription.topic }, reason);
    callback(null, null);
  };
}

/**
 * The subscribe ACL again, on each message of a persistent session's queue as aedes empties it at CONNACK (aedes
 * asks authorizeForward, and drops from the session what it refuses): a session never hands over what its owner may
 * not read, e.g. messages queued under an integration's former topic root. With client ids tied to logins
 * (client-ids.ts) no other login can resume a session; this is defence in depth. A live delivery has passed the
 * ACL with its subscription, so only deliveries to a client not yet `connected` (aedes sets it once the queue is
 * empty) are checked: one boolean on the hot path. A dropped message is counted and its session logged once.
 */
export function createAuthorizeQueued({ logger, stats }: Pick<AuthorizeDeps, 'logger' | 'stats'>) {
  const logged = new WeakSet<Client>();
  return (client: Client, topic: string): boolean => {
    if (client.connected) return true;
    const reason = subscribeRefusal(identityOf(client), topic);
    if (!reason) return true;
    stats.refusedQueuedMessages++;
    if (!logged.has(client)) {
      logged.add(client);
      logger.warn({ clientId: client.id, remoteAddress: remoteAddressOf(client), topic }, `${reason}: queued messages dropped from the session`);
    }
    return false;
  };
}
