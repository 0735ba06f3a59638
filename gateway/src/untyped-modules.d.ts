/** aedes-persistence-redis ships no types; this is the part of it the gateway uses. */
declare module 'aedes-persistence-redis' {
  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    destroy(): Promise<void>;
  }
  /** Takes a redis:// URL or ioredis options. */
  export default function redisPersistence(options?: string | Record<string, unknown>): RedisPersistence;
}
