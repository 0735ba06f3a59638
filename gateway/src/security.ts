import type { Aedes, Client } from 'aedes';
import type { BackoffPolicy, Clock, Logger, Queryable } from '@ioc/core';
import { createAuditLog } from './audit-log.ts';
import { createAuthenticate } from './authenticate.ts';
import { withCertificateLogin } from './certificate-login.ts';
import { withClientIds } from './client-ids.ts';
import { createConnections } from './connections.ts';
import { createCredentials } from './credentials.ts';
import { identityOf } from './identity.ts';
import { createPresenceWriter } from './presence.ts';
import { RECHECK_INTERVAL_MS, startRecheck } from './recheck.ts';
import { listenForCredentialChanges } from './revocation.ts';
import type { GatewayStats } from './stats.ts';

export interface SecurityOptions {
  /** How often buffered audit events are written (default 1 s). */
  auditIntervalMs?: number;
  /** How often last-seen times are written (default 5 s); going online/offline is written at once. */
  presenceIntervalMs?: number;
  /** Login backoff per username and per IP (defaults in core's login-backoff.ts). */
  backoff?: { username: BackoffPolicy; ip: BackoffPolicy };
  /** How often open connections' credentials are checked again (default 5 min, recheck.ts). */
  recheckIntervalMs?: number;
}

/**
 * The gateway's identity side in one place: token (and certificate) logins with cached credentials and backoff, client
 * ids tied to the login, the audit log, devices' batched presence, revocation announced on the bus, and open
 * connections' credentials checked again periodically. `attach` hooks
 * it to a started broker.
 */
export function createSecurity(deps: {
  db: Queryable;
  clock: Clock;
  logger: Logger;
  stats: GatewayStats;
  serviceToken: string | undefined;
  /** IOC_AUDIT_RETENTION: older audit events are deleted (undefined: kept forever). */
  auditRetentionMs?: number;
  /** With a client CA (IOC_TLS_CA): devices may log in by certificate (certificate-login.ts). */
  certificateLogins?: boolean;
  options?: SecurityOptions;
}) {
  const { db, clock, logger, stats, serviceToken, options = {} } = deps;
  const audit = createAuditLog({ db, clock, logger, intervalMs: options.auditIntervalMs, retentionMs: deps.auditRetentionMs });
  const presence = createPresenceWriter({ db, logger, intervalMs: options.presenceIntervalMs });
  const credentials = createCredentials(db, clock);
  const connections = createConnections(audit, credentials);
  const tokenLogin = createAuthenticate({ serviceToken, credentials, logger, stats, clock, audit, backoff: options.backoff });
  const login = deps.certificateLogins ? withCertificateLogin(tokenLogin, { credentials, audit, logger, stats }) : tokenLogin;
  const authenticate = withClientIds(login, { audit, logger, stats });
  let recheck: ReturnType<typeof startRecheck> | undefined;

  return {
    authenticate,
    audit,
    presence,
    async attach(broker: Aedes): Promise<void> {
      broker.on('clientReady', (client) => connections.add(client));
      // A device is seen when it publishes or, idle, when it pings to keep its connection alive.
      const seen = (client: Client | null) => {
        const identity = client && identityOf(client);
        if (identity?.type === 'device') presence.seen(identity.deviceId, clock.now());
      };
      broker.on('publish', (_packet, client) => seen(client));
      broker.on('ping', (_packet, client) => seen(client));
      await listenForCredentialChanges({ broker, credentials, connections, audit, logger });
      recheck = startRecheck({ connections, credentials, audit, logger, intervalMs: options.recheckIntervalMs ?? RECHECK_INTERVAL_MS });
      audit.startPruning();
    },
    /** After the broker has closed (which ends its subscriptions): writes what is still buffered. */
    async drain(): Promise<void> {
      await recheck?.stop();
      await Promise.all([audit.drain(), presence.drain()]);
    },
    health() {
      return {
        cachedCredentials: credentials.size,
        throttledLogins: stats.throttledLogins,
        pendingAuditEvents: audit.pending,
        pendingPresence: presence.pending,
      };
    },
  };
}

export type Security = ReturnType<typeof createSecurity>;
