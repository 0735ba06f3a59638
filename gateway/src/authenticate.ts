import { createHash, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { createLoginBackoff, ipOf, IP_BACKOFF, SERVICE_USER_PREFIX, USERNAME_BACKOFF, type BackoffPolicy, type Clock, type Logger } from '@ioc/core';
import type { AuditLog } from './audit-log.ts';
import { clipped } from './client-ids.ts';
import type { Credentials } from './credentials.ts';
import { remoteAddressOf, setCredentialStamp, setIdentity, setTokenHash, type Identity } from './identity.ts';
import type { GatewayStats } from './stats.ts';

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;

/** CONNACK return codes of MQTT 3.1.1. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** How much of an unknown username a log line or audit event keeps: it may be a secret typed in the wrong field. */
const UNKNOWN_USERNAME_CHARS = 12;

/** A refused login's username as logs hold it: whole when it names a user, else its first characters and its length. */
function shownUsername(username: string, reason: string): string {
  if (reason !== 'unknown user' || username.length <= UNKNOWN_USERNAME_CHARS) return username;
  return `${username.slice(0, UNKNOWN_USERNAME_CHARS)}… (${username.length} characters)`;
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export interface AuthenticateDeps {
  serviceToken: string | undefined;
  credentials: Credentials;
  logger: Logger;
  stats: GatewayStats;
  clock: Clock;
  audit: AuditLog;
  backoff?: { username: BackoffPolicy; ip: BackoffPolicy };
}

/**
 * Logs in services (`svc:<name>` + IOC_SERVICE_TOKEN; none at all without a configured token), devices
 * (username = device id, password = its token) and accounts (`int:<name>`, `admin:<name>` + their token).
 * Failed logins back off per username and address (core's createLoginBackoff): while a login's username at its
 * address, its address, or its username under attack from its address waits, it is refused with "not authorized"
 * without being checked; the right credentials from an address without failures go through. Every refusal is
 * logged and audited, the username clipped (a token typed as a username must not land in the logs whole); so is
 * each block.
 */
export function createAuthenticate(deps: AuthenticateDeps): AuthenticateHandler {
  const { serviceToken, credentials, logger, stats, clock, audit } = deps;
  const backoff = createLoginBackoff(deps.backoff ?? { username: USERNAME_BACKOFF, ip: IP_BACKOFF }, clock);

  async function identify(username: string | undefined, password: string): Promise<{ identity: Identity; stamp?: number; tokenHash?: string } | string> {
    if (!username) return 'no username';
    if (username.startsWith(SERVICE_USER_PREFIX)) {
      const name = username.slice(SERVICE_USER_PREFIX.length);
      if (!serviceToken) return 'service logins are disabled: IOC_SERVICE_TOKEN is not set';
      if (!name) return 'empty service name';
      return sameSecret(password, serviceToken) ? { identity: { type: 'service', name } } : 'wrong service token';
    }
    const verdict = await credentials.check(username, password);
    return verdict.ok ? { identity: verdict.identity, stamp: verdict.stamp, tokenHash: verdict.tokenHash } : verdict.reason;
  }

  function refuse(client: Client, username: string, reason: string, done: Parameters<AuthenticateHandler>[3], returnCode: number) {
    const remoteAddress = remoteAddressOf(client);
    stats.authFailures++;
    logger.warn({ clientId: client.id, username, remoteAddress, reason }, 'MQTT login refused');
    audit.record({ actor: username, action: 'mqtt.auth_failure', target: null, remoteAddress, detail: { clientId: client.id, reason } });
    const error = new Error(`login refused: ${reason}`) as AuthenticateError;
    error.returnCode = returnCode as AuthenticateError['returnCode'];
    done(error, false);
  }

  /** Counts the failure; `shown`: the username as logs hold it. */
  function failed(client: Client, username: string, shown: string, ip: string): void {
    for (const { scope, address, waitMs } of backoff.failed(username, ip)) {
      const target = scope === 'ip' ? address : scope === 'username' ? shown : `${shown} from ${address}`;
      logger.warn({ scope, target, waitMs }, 'MQTT logins blocked after repeated failures');
      audit.record({ actor: shown, action: 'mqtt.login_blocked', target, remoteAddress: remoteAddressOf(client), detail: { scope, waitMs } });
    }
  }

  return (client, sentUsername, password, done) => {
    const ip = ipOf(remoteAddressOf(client));
    // Kept, counted and logged clipped: a username longer than any real one (a token typed there) is no username.
    const username = clipped(sentUsername ?? '');
    const waitMs = backoff.waitFor(username, ip);
    if (waitMs > 0) {
      stats.throttledLogins++;
      const error = new Error(`login refused: too many failed logins, retry in ${Math.ceil(waitMs / 1000)} s`) as AuthenticateError;
      error.returnCode = NOT_AUTHORIZED;
      logger.debug({ clientId: client.id, username: shownUsername(username, 'unknown user'), ip, waitMs }, 'MQTT login refused: backing off');
      return done(error, false);
    }
    identify(sentUsername, password?.toString('utf8') ?? '').then(
      (result) => {
        if (typeof result === 'string') {
          const shown = shownUsername(username, result);
          failed(client, username, shown, ip);
          return refuse(client, shown, result, done, BAD_USERNAME_OR_PASSWORD);
        }
        backoff.succeeded(username, ip);
        setIdentity(client, result.identity);
        if (result.stamp !== undefined) setCredentialStamp(client, result.stamp);
        if (result.tokenHash !== undefined) setTokenHash(client, result.tokenHash);
        done(null, true);
      },
      (error: unknown) => {
        logger.error({ err: error, clientId: client.id, username: shownUsername(username, 'unknown user') }, 'MQTT login could not be checked');
        refuse(client, shownUsername(username, 'unknown user'), 'credentials could not be checked', done, SERVER_UNAVAILABLE);
      },
    );
  };
}
