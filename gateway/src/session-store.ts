import { Readable } from 'node:stream';
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js';
import { CallBackPersistence } from 'aedes-persistence/callBackPersistence.js';
import type { AedesOptions } from 'aedes';
import { copyQueuedPacket } from './aedes-internals.ts';

/** A queued PUBLISH (or the PUBREL that replaced it): aedes' packet with its broker id and counter. */
interface QueuedPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}

/**
 * One client's QoS 1/2 messages not yet acknowledged, in delivery order, found by delivery or by packet id. The
 * indexes allocate nothing per message in the usual case (one broker, one slot per packet id): this runs for every
 * message to a persistent session (ingest), three times.
 */
class OutgoingQueue {
  private next = 0;
  /** Slot → packet; a Map iterates in insertion order, and overwriting a slot keeps its place. */
  readonly entries = new Map<number, QueuedPacket>();
  /** Broker id → broker counter → slot. */
  private readonly byDelivery = new Map<string, Map<number | undefined, number>>();
  /** Packet id → its slot, or its slots in queue order once ids have wrapped (after 65535) onto a queued one. */
  private readonly byMessageId = new Map<number, number | number[]>();

  add(packet: QueuedPacket): void {
    const slot = this.next++;
    this.entries.set(slot, packet);
    this.index(slot, packet);
  }

  /** The first queued packet holding `messageId`, in queue order, skipping those of broker `skipBrokerId`. */
  withMessageId(messageId: number | undefined, skipBrokerId?: string): number | undefined {
    if (messageId === undefined) return undefined;
    const slots = this.byMessageId.get(messageId);
    if (slots === undefined) return undefined;
    if (typeof slots === 'number') return this.eligible(slots, skipBrokerId) ? slots : undefined;
    for (const slot of slots) if (this.eligible(slot, skipBrokerId)) return slot;
    return undefined;
  }

  // A method, not a closure made per call: this runs for every acknowledgement.
  private eligible(slot: number, skipBrokerId: string | undefined): boolean {
    return skipBrokerId === undefined || this.entries.get(slot)?.brokerId !== skipBrokerId;
  }

  delivery(packet: QueuedPacket): number | undefined {
    return packet.brokerId === undefined ? undefined : this.byDelivery.get(packet.brokerId)?.get(packet.brokerCounter);
  }

  setMessageId(slot: number, messageId: number | undefined): void {
    const packet = this.entries.get(slot) as QueuedPacket;
    this.unindex(slot, packet);
    packet.messageId = messageId;
    this.index(slot, packet);
  }

  replace(slot: number, packet: QueuedPacket): void {
    this.unindex(slot, this.entries.get(slot) as QueuedPacket);
    this.entries.set(slot, packet);
    this.index(slot, packet);
  }

  remove(slot: number): QueuedPacket | undefined {
    const packet = this.entries.get(slot);
    if (!packet) return undefined;
    this.unindex(slot, packet);
    this.entries.delete(slot);
    return packet;
  }

  private index(slot: number, packet: QueuedPacket): void {
    if (packet.brokerId !== undefined) {
      let counters = this.byDelivery.get(packet.brokerId);
      if (!counters) this.byDelivery.set(packet.brokerId, (counters = new Map()));
      counters.set(packet.brokerCounter, slot);
    }
    if (packet.messageId === undefined) return;
    const slots = this.byMessageId.get(packet.messageId);
    if (slots === undefined) this.byMessageId.set(packet.messageId, slot);
    else if (typeof slots === 'number') this.byMessageId.set(packet.messageId, slots < slot ? [slots, slot] : [slot, slots]);
    else {
      slots.push(slot);
      slots.sort((a, b) => a - b);
    }
  }

  private unindex(slot: number, packet: QueuedPacket): void {
    // A broker's map stays when empty: there are few brokers, and the next message would create it again.
    const counters = packet.brokerId === undefined ? undefined : this.byDelivery.get(packet.brokerId);
    if (counters?.get(packet.brokerCounter) === slot) counters.delete(packet.brokerCounter);
    if (packet.messageId === undefined) return;
    const slots = this.byMessageId.get(packet.messageId);
    if (slots === slot) this.byMessageId.delete(packet.messageId);
    else if (Array.isArray(slots)) {
      const rest = slots.filter((other) => other !== slot);
      if (rest.length === 0) this.byMessageId.delete(packet.messageId);
      else this.byMessageId.set(packet.messageId, rest.length === 1 ? (rest[0] as number) : rest);
    }
  }
}

/** Topics whose matching subscriptions are remembered at most (past it, the cache starts again). */
const MAX_CACHED_TOPICS = 100_000;

/**
 * aedes' in-memory persistence with indexed outgoing queues. The stock one keeps each client's unacknowledged
 * QoS 1/2 messages in an array that it searches from the front on every delivery and splices on every PUBACK,
 * so a persistent subscriber with a backlog (ingest under load) costs O(backlog) per message. Here both lookups
 * are by key, with the same answers: a delivery is found by broker id and counter, an acknowledgement by packet
 * id (the first in queue order), and a PUBREL replaces the PUBLISH it follows in place.
 */
class IndexedMemoryPersistence extends MemoryPersistence {
  private readonly queues = new Map<string, OutgoingQueue>();
  /** Messages queued for persistent sessions and not yet acknowledged, across all clients. */
  queued = 0;
  /**
   * Topic → the persistent subscriptions matching it, asked for every QoS 1/2 message: a device publishes on the
   * same few topics again and again, while subscriptions change seldom (each change empties it).
   */
  private readonly matches = new Map<string, unknown[]>();

  override async subscriptionsByTopic(topic: string): Promise<unknown[]> {
    let subs = this.matches.get(topic);
    if (!subs) {
      subs = await super.subscriptionsByTopic(topic);
      if (this.matches.size >= MAX_CACHED_TOPICS) this.matches.clear();
      this.matches.set(topic, subs);
    }
    return subs;
  }

  // The stock methods change the subscription trie before their first await: the cache is emptied then, and once
  // they are done.
  override addSubscriptions(...args: Parameters<MemoryPersistence['addSubscriptions']>): Promise<void> {
    return this.changingSubscriptions(super.addSubscriptions(...args));
  }

  override removeSubscriptions(...args: Parameters<MemoryPersistence['removeSubscriptions']>): Promise<void> {
    return this.changingSubscriptions(super.removeSubscriptions(...args));
  }

  override cleanSubscriptions(...args: Parameters<MemoryPersistence['cleanSubscriptions']>): Promise<unknown> {
    return this.changingSubscriptions(super.cleanSubscriptions(...args));
  }

  private async changingSubscriptions<T>(change: Promise<T>): Promise<T> {
    this.matches.clear();
    const result = await change;
    this.matches.clear();
    return result;
  }

  private queue(clientId: string): OutgoingQueue {
    let queue = this.queues.get(clientId);
    if (!queue) this.queues.set(clientId, (queue = new OutgoingQueue()));
    return queue;
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
    this.queue(sub.clientId).add(copyQueuedPacket(packet));
    this.queued++;
  }

  override async outgoingEnqueueCombi(subs: { clientId: string }[], packet: QueuedPacket): Promise<void> {
    for (const sub of subs) this.queue(sub.clientId).add(copyQueuedPacket(packet));
    this.queued += subs.length;
  }

  override async outgoingUpdate(client: { id: string }, packet: QueuedPacket): Promise<void> {
    const queue = this.queues.get(client.id);
    if (!queue) throw new Error('no such packet');
    const delivered = queue.delivery(packet);
    if (delivered !== undefined) return queue.setMessageId(delivered, packet.messageId);
    const slot = queue.withMessageId(packet.messageId, packet.brokerId);
    if (slot === undefined) throw new Error('no such packet');
    queue.replace(slot, packet);
  }

  /**
   * A PUBACK (or PUBCOMP) for nothing queued creates nothing, and a queue emptied is forgotten: the stock store
   * created a queue for any client id that sent one and never deleted it, so made-up ids grew memory for good.
   */
  override async outgoingClearMessageId(client: { id: string }, packet: QueuedPacket): Promise<QueuedPacket | undefined> {
    const queue = this.queues.get(client.id);
    const slot = queue?.withMessageId(packet.messageId);
    if (queue === undefined || slot === undefined) return undefined;
    this.queued--;
    const removed = queue.remove(slot);
    if (queue.entries.size === 0) this.queues.delete(client.id);
    return removed;
  }

  /** Client ids with messages queued. */
  get clients(): number {
    return this.queues.size;
  }

  override outgoingStream(client: { id: string }): Readable {
    return Readable.from([...(this.queues.get(client.id)?.entries.values() ?? [])]);
  }
}

export interface SessionStore {
  persistence: NonNullable<AedesOptions['persistence']>;
  /** Messages held for persistent sessions and not yet acknowledged (the broker's backlog). */
  readonly queued: number;
  /** Client ids with messages queued. */
  readonly clients: number;
}

/** The broker's single-process persistence: aedes' own in-memory store with indexed outgoing queues. */
export function createSessionStore(): SessionStore {
  const store = new IndexedMemoryPersistence();
  return {
    persistence: new CallBackPersistence(() => store) as unknown as NonNullable<AedesOptions['persistence']>,
    get queued() {
      return store.queued;
    },
    get clients() {
      return store.clients;
    },
  };
}
