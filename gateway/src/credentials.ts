import { getDeviceCredentials, verifyToken, type Clock, type DeviceKind, type Queryable } from '@ioc/core';

type Stored = { tokenHash: string; enabled: boolean; kind: DeviceKind };

export type DeviceCheck = { ok: true; kind: DeviceKind } | { ok: false; reason: 'unknown device' | 'device disabled' | 'wrong token' };

/** How long a cached credential is trusted before it is read again (so disabling a device takes effect). */
const CACHE_TTL_MS = 60_000;

/**
 * Checks device tokens against the stored SHA-256 hashes, keeping each known device's hash in memory so
 * reconnects do not always hit the database. A miss, an expired entry or a mismatch reads the database again.
 */
export function createDeviceCredentials(db: Queryable, clock: Clock) {
  const cache = new Map<string, Stored & { readAt: number }>();

  async function read(deviceId: string): Promise<Stored | undefined> {
    const stored = await getDeviceCredentials(db, deviceId);
    if (stored) cache.set(deviceId, { ...stored, readAt: clock.now() });
    else cache.delete(deviceId);
    return stored;
  }

  function judge(stored: Stored | undefined, token: string): DeviceCheck {
    if (!stored) return { ok: false, reason: 'unknown device' };
    if (!verifyToken(token, stored.tokenHash)) return { ok: false, reason: 'wrong token' };
    if (!stored.enabled) return { ok: false, reason: 'device disabled' };
    return { ok: true, kind: stored.kind };
  }

  return {
    async check(deviceId: string, token: string): Promise<DeviceCheck> {
      const cached = cache.get(deviceId);
      if (cached && clock.now() - cached.readAt < CACHE_TTL_MS) {
        const verdict = judge(cached, token);
        if (verdict.ok) return verdict;
      }
      return judge(await read(deviceId), token);
    },
  };
}

export type DeviceCredentials = ReturnType<typeof createDeviceCredentials>;
