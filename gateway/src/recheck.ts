import type { Client } from 'aedes';
import { SERVICE_USER_PREFIX, type Logger } from '@ioc/core';
import type { AuditLog } from './audit-log.ts';
import type { Connections } from './connections.ts';
import type { Credentials, Stored } from './credentials.ts';
import { tokenHashOf } from './identity.ts';

/** How often open connections' credentials are checked again, by default. */
export const RECHECK_INTERVAL_MS = 5 * 60_000;

/** Why an open connection's login no longer holds, or undefined when it does. */
function staleness(client: Client, stored: Stored | undefined): string | undefined {
  if (!stored) return 'deleted';
  if (!stored.enabled) return 'disabled';
  if (stored.revoked) return 'revoked';
  const loggedInWith = tokenHashOf(client);
  return loggedInWith !== undefined && loggedInWith !== stored.tokenHash ? 'rotated' : undefined;
}

/**
 * Checks the credentials of every open device and account connection again every `intervalMs`, one username at a
 * time: a connection whose device or account was deleted, disabled or revoked, or whose token was rotated since it
 * logged in, is closed (audited as `mqtt.kicked`, `detail.change`: `re-check: …`). Announcements on the bus
 * (revocation.ts) act at once; this catches what was never announced, or announced while this gateway did not hear
 * it. Services are not re-checked: their token is this process's configuration.
 */
export function startRecheck(deps: { connections: Connections; credentials: Credentials; audit: AuditLog; logger: Logger; intervalMs: number }) {
  const { connections, credentials, audit, logger, intervalMs } = deps;
  let running: Promise<void> | undefined;

  async function recheck(): Promise<void> {
    for (const [username, clients] of connections.snapshot()) {
      if (username.startsWith(SERVICE_USER_PREFIX)) continue;
      const stored = await credentials.reload(username);
      const stale = clients.map((client) => [client, staleness(client, stored)] as const).filter(([, reason]) => reason !== undefined);
      for (const [client] of stale) client.close();
      if (stale.length === 0) continue;
      const change = `re-check: ${stale[0]?.[1]}`;
      logger.info({ username, change, closed: stale.length }, 'closed connections whose credentials no longer hold');
      audit.record({ actor: 'gateway', action: 'mqtt.kicked', target: username, detail: { change, connections: stale.length } });
    }
  }

  const timer = setInterval(() => {
    running ??= recheck()
      .catch((error: unknown) => logger.error({ err: error }, 'could not re-check open connections; trying again later'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
