/** aedes-persistence-redis ships no types; this is the part of its async persistence the gateway uses. */
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  /** Takes a redis:// URL or ioredis options. */
  export default class AsyncRedisPersistence {
    constructor(options?: string | Record<string, unknown>);
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
}
