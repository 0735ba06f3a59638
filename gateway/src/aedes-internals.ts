/**
 * Every private part of aedes and its packages that the gateway touches, in one file. Each is used at an exact
 * version (gateway/package.json pins aedes, aedes-packet, aedes-persistence and mqtt-packet), and each has a canary
 * in gateway/test/aedes-internals.test.ts that fails loudly when an upgrade moves it. (session-store.ts extends
 * aedes-persistence's in-memory class through its deep module paths, a documented extension point; the package's
 * own conformance suite, run in session-store.test.ts, is its canary.)
 */
import type { Aedes, AedesOptions, Client } from 'aedes';
import Packet from 'aedes-packet';

/** mqtt-packet's parser, which aedes keeps per client (`client._parser`): the parts the limits hook into. */
export interface PacketParser {
  packet: { cmd?: string; length: number };
  _pos: number;
  _list: { length: number; slice(start: number, end: number): Buffer };
  _parseLength(): boolean;
  _parseString(): string | null;
  _emitError(error: Error): void;
}

/** The client's packet parser (limits.ts caps packet sizes and refuses strings that are not UTF-8 in it). */
export function packetParserOf(client: Client): PacketParser {
  return (client as unknown as { _parser: PacketParser })._parser;
}

/** Messages waiting in aedes' emitter (mqemitter, or mqemitter-redis in a cluster) for delivery: `broker.mq.length`. */
export function emitterBacklog(broker: Aedes): number {
  return (broker as unknown as { mq: { length: number } }).mq.length;
}

/** aedes-packet's constructor, which copies a packet for a session queue (its types declare it a plain function). */
export function copyQueuedPacket<P extends object>(packet: P): P {
  return new (Packet as unknown as new (original: P) => P)(packet);
}

/** The subscriptions a persistence finds for a topic (its `subscriptionsByTopic`, which aedes calls to queue a message). */
type SubscriptionsByTopic = (topic: string) => Promise<Array<{ clientId: string }>>;

/**
 * Wraps a persistence's `subscriptionsByTopic` in place (partitions.ts keeps a device's queued messages for the
 * worker that owns it): aedes calls the method on the instance it was given, the in-memory or the Redis one.
 */
export function wrapSubscriptionsByTopic(persistence: NonNullable<AedesOptions['persistence']>, wrap: (original: SubscriptionsByTopic) => SubscriptionsByTopic): void {
  const target = persistence as unknown as { subscriptionsByTopic: SubscriptionsByTopic };
  target.subscriptionsByTopic = wrap(target.subscriptionsByTopic.bind(target));
}
