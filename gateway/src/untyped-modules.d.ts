/** Modules the gateway uses that ship no types for the parts it needs. */
declare module 'aedes-persistence-redis' {
  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
    addSubscriptions(client: unknown, subs: object): Promise<unknown>;
  }
  /** Takes a redis:// URL or ioredis options. */
  export default function redisPersistence(options?: string | Record<string, unknown>): RedisPersistence;
}

/** aedes' own in-memory persistence (CommonJS, untyped deep paths): the class and its callback adapter. */
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream';
  export default class MemoryPersistence {
    setup(broker: unknown): Promise<void>;
    outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
    outgoingEnqueueCombi(subs: { clientId: string }[], packet: unknown): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: unknown): Promise<void>;
    outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
    outgoingStream(client: { id: string }): Readable;
    subscriptionsByTopic(topic: string): Promise<unknown[]>;
    addSubscriptions(client: { id: string }, subs: unknown[]): Promise<void>;
    removeSubscriptions(client: { id: string }, subs: string[]): Promise<void>;
    cleanSubscriptions(client: { id: string }): Promise<unknown>;
  }
}
declare module 'aedes-persistence/callBackPersistence.js' {
  export class CallBackPersistence {
    constructor(factory: () => unknown, options?: Record<string, unknown>);
  }
}
