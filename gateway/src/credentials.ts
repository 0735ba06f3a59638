import {
  getDeviceCredentials,
  getMqttAccountCredentials,
  isDeviceId,
  parseAccountUsername,
  verifyToken,
  type Clock,
  type Queryable,
} from '@ioc/core';
import type { Identity } from './identity.ts';

/** `revoked`: a device whose credentials were revoked (no token works, and no certificate). */
export type Stored = { tokenHash: string; enabled: boolean; revoked: boolean; identity: Identity };

/** `stamp`: how many disconnecting changes of the username were known when the check began (see `changedSince`). */
export type CredentialCheck =
  | { ok: true; identity: Identity; stamp: number; tokenHash: string }
  | { ok: false; reason: 'unknown user' | 'account disabled' | 'revoked' | 'wrong token' };

/**
 * How long a cached credential is trusted. Changes made through the dashboard or CLI are announced on the bus
 * and evict the entry at once (revocation.ts); the TTL only bounds how long a change made behind the IOC's
 * back (plain SQL) or announced while this gateway was unreachable takes to be noticed.
 */
export const CREDENTIAL_CACHE_TTL_MS = 10 * 60_000;

async function load(db: Queryable, username: string): Promise<Stored | undefined> {
  const account = parseAccountUsername(username);
  if (account) {
    const stored = await getMqttAccountCredentials(db, account.role, account.name);
    if (!stored) return undefined;
    const identity: Identity =
      account.role === 'admin'
        ? { type: 'admin', name: account.name }
        : { type: 'integration', name: account.name, topicRoot: stored.topicRoot as string };
    return { tokenHash: stored.tokenHash, enabled: stored.enabled, revoked: false, identity };
  }
  if (!isDeviceId(username)) return undefined;
  const stored = await getDeviceCredentials(db, username);
  return (
    stored && {
      tokenHash: stored.tokenHash,
      enabled: stored.enabled,
      revoked: stored.revoked,
      identity: { type: 'device', deviceId: username, kind: stored.kind },
    }
  );
}

/**
 * Token logins of devices and accounts (integration, admin), checked against the stored SHA-256 hashes in
 * constant time. Each known username's hash is kept in memory, so a reconnect costs one hash and no database
 * round-trip; a miss, an expired entry or a mismatch (the token may just have been rotated) reads it again.
 */
export function createCredentials(db: Queryable, clock: Clock) {
  const cache = new Map<string, Stored & { readAt: number }>();
  /** Disconnecting changes announced per username, so a login that was checked before one can be recognised. */
  const revocations = new Map<string, number>();

  async function read(username: string): Promise<Stored | undefined> {
    const stored = await load(db, username);
    if (stored) cache.set(username, { ...stored, readAt: clock.now() });
    else cache.delete(username);
    return stored;
  }

  function judge(stored: Stored | undefined, token: string, stamp: number): CredentialCheck {
    if (!stored) return { ok: false, reason: 'unknown user' };
    if (!verifyToken(token, stored.tokenHash)) return { ok: false, reason: 'wrong token' };
    if (!stored.enabled) return { ok: false, reason: 'account disabled' };
    if (stored.revoked) return { ok: false, reason: 'revoked' };
    return { ok: true, identity: stored.identity, stamp, tokenHash: stored.tokenHash };
  }

  async function current(username: string): Promise<Stored | undefined> {
    const cached = cache.get(username);
    return cached && clock.now() - cached.readAt < CREDENTIAL_CACHE_TTL_MS ? cached : await read(username);
  }

  return {
    /**
     * A device's registry entry for a login that proved itself another way (a client certificate): from the
     * cache like a token login, with the stamp that recognises a revocation overtaking it.
     */
    async device(deviceId: string): Promise<{ stored: Stored | undefined; stamp: number }> {
      const stamp = revocations.get(deviceId) ?? 0;
      return { stored: await current(deviceId), stamp };
    },
    async check(username: string, token: string): Promise<CredentialCheck> {
      const stamp = revocations.get(username) ?? 0;
      const cached = cache.get(username);
      if (cached && clock.now() - cached.readAt < CREDENTIAL_CACHE_TTL_MS) {
        const verdict = judge(cached, token, stamp);
        if (verdict.ok) return verdict;
      }
      return judge(await read(username), token, stamp);
    },
    /** The username's credential as the database has it now (the cache is refreshed): for re-checks of open connections. */
    reload(username: string): Promise<Stored | undefined> {
      return read(username);
    },
    /**
     * Drops a cached credential, so the next login reads the database. `revoked`: the change takes rights
     * away (rotation, revocation, disabling), so logins checked before it are stale.
     */
    forget(username: string, revoked: boolean): void {
      cache.delete(username);
      if (revoked) revocations.set(username, (revocations.get(username) ?? 0) + 1);
    },
    /** Whether a login checked with `stamp` was overtaken by a rotation, revocation or disabling. */
    changedSince(username: string, stamp: number): boolean {
      return (revocations.get(username) ?? 0) !== stamp;
    },
    get size(): number {
      return cache.size;
    },
  };
}

export type Credentials = ReturnType<typeof createCredentials>;
