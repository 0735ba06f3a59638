import type { Clock } from './clock.ts';

export interface BackoffPolicy {
  /** Failures allowed before the first wait. */
  freeFailures: number;
  /** The first wait; each further failure doubles it. */
  baseMs: number;
  maxMs: number;
}

/** Per username: a device or a person is rarely wrong more than a few times in a row. */
export const USERNAME_BACKOFF: BackoffPolicy = { freeFailures: 5, baseMs: 1000, maxMs: 5 * 60_000 };
/** Per IP: many devices or people may share one address (NAT, mobile carriers, an office), so more slack. */
export const IP_BACKOFF: BackoffPolicy = { freeFailures: 20, baseMs: 1000, maxMs: 5 * 60_000 };

/** Keys tracked at most; past this the oldest are forgotten first, so a flood of made-up usernames cannot exhaust memory. */
export const MAX_BACKOFF_KEYS = 100_000;

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

/**
 * Exponential backoff of failed logins for one kind of key (a username, an IP). After `freeFailures`
 * failures, logins for the key are refused without being checked for `baseMs · 2^(n − free)` (at most
 * `maxMs`); `succeeded` forgets the key, and so does a quiet period of `maxMs` after the last failure.
 */
export function createBackoff(policy: BackoffPolicy, clock: Clock, maxKeys = MAX_BACKOFF_KEYS) {
  const entries = new Map<string, Entry>();
  let sinceSweep = 0;

  function sweep(now: number): void {
    for (const [key, entry] of entries) if (now - entry.lastFailure > policy.maxMs && now >= entry.blockedUntil) entries.delete(key);
  }

  return {
    /** Milliseconds until `key` may try again (0: now). */
    waitFor(key: string): number {
      const entry = entries.get(key);
      return entry ? Math.max(0, entry.blockedUntil - clock.now()) : 0;
    },
    /** Counts a failure; returns the wait it starts (0 while failures are still free). */
    failed(key: string): number {
      const now = clock.now();
      if (++sinceSweep >= 1000) {
        sinceSweep = 0;
        sweep(now);
      }
      const previous = entries.get(key);
      const entry = previous && now - previous.lastFailure <= policy.maxMs ? previous : { failures: 0, blockedUntil: 0, lastFailure: now };
      entry.failures++;
      entry.lastFailure = now;
      const over = entry.failures - policy.freeFailures;
      const wait = over > 0 ? Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(over - 1, 30)) : 0;
      entry.blockedUntil = now + wait;
      if (!entries.has(key) && entries.size >= maxKeys) {
        sweep(now);
        if (entries.size >= maxKeys) entries.delete(entries.keys().next().value as string);
      }
      entries.set(key, entry);
      return wait;
    },
    succeeded(key: string): void {
      entries.delete(key);
    },
    get size(): number {
      return entries.size;
    },
  };
}

export type Backoff = ReturnType<typeof createBackoff>;

/** The IP of a `host:port` remote address (IPv6 hosts keep their colons). */
export function ipOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(':');
  return colon > 0 ? remoteAddress.slice(0, colon) : remoteAddress;
}
