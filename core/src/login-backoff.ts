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
    /** Whether `key` has failures still remembered. */
    has(key: string): boolean {
      const entry = entries.get(key);
      return entry !== undefined && clock.now() - entry.lastFailure <= policy.maxMs;
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

/**
 * A new wait started by a failed login: `username` (from every address that failed for it), `address` (the
 * username at that address) or `ip` (the address, any username); `address` is the address as counted.
 */
export interface LoginBlock {
  scope: 'username' | 'address' | 'ip';
  address: string;
  waitMs: number;
}

/**
 * The login rule of MQTT and HTTP logins alike: failures are counted per username AND address (a /64 for IPv6,
 * `addressBucket`), per address, and per username. A login waits while its username at its address waits (after
 * `username.freeFailures`), while its address waits (after `ip.freeFailures`, any usernames: spraying), or while
 * its username waits AND its address has failed for that username (many addresses guessing one password). So a
 * guesser locks out only itself: the right credentials from an address without failures always go through.
 * A success forgets its username's failures at that address; the address's and the username's counts stay, so one
 * valid login does not reset a brute force.
 */
export function createLoginBackoff(policy: { username: BackoffPolicy; ip: BackoffPolicy }, clock: Clock) {
  const byPair = createBackoff(policy.username, clock);
  const byAddress = createBackoff(policy.ip, clock);
  const byUsername = createBackoff(policy.username, clock);
  const pairKey = (username: string, address: string) => `${username}\n${address}`;

  return {
    /** Milliseconds until `username` may try again from `ip` (0: now). */
    waitFor(username: string, ip: string): number {
      const address = addressBucket(ip);
      const pair = pairKey(username, address);
      const suspect = byPair.has(pair) ? byUsername.waitFor(username) : 0;
      return Math.max(byPair.waitFor(pair), byAddress.waitFor(address), suspect);
    },
    /** Counts a failure; returns the waits it starts. */
    failed(username: string, ip: string): LoginBlock[] {
      const address = addressBucket(ip);
      const blocks: LoginBlock[] = [];
      const counts = [
        ['address', byPair, pairKey(username, address)],
        ['ip', byAddress, address],
        ['username', byUsername, username],
      ] as const;
      for (const [scope, backoff, key] of counts) {
        const waitMs = backoff.failed(key);
        if (waitMs > 0) blocks.push({ scope, address, waitMs });
      }
      return blocks;
    },
    succeeded(username: string, ip: string): void {
      byPair.succeeded(pairKey(username, addressBucket(ip)));
    },
  };
}

export type LoginBackoff = ReturnType<typeof createLoginBackoff>;

/**
 * The address a per-address limit counts: an IPv4 address as it is, an IPv6 address as its /64 (one subscriber's
 * network: a host picks any of its 2^64 addresses). IPv4-mapped IPv6 (`::ffff:10.0.0.7`) counts as IPv4.
 */
export function addressBucket(ip: string): string {
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  const [head = '', tail = ''] = ip.split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => (Number.parseInt(group, 16) || 0).toString(16)).join(':')}::/64`;
}

/** The IP of a `host:port` remote address (IPv6 hosts keep their colons). */
export function ipOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(':');
  return colon > 0 ? remoteAddress.slice(0, colon) : remoteAddress;
}
