import { createHash, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { createBackoff, ipOf, IP_BACKOFF, SERVICE_USER_PREFIX, USERNAME_BACKOFF, type BackoffPolicy, type Clock, type Logger } from '@ioc/core';
import type { AuditLog } from './audit-log.ts';
import type { Credentials } from './credentials.ts';
import { remoteAddressOf, setCredentialStamp, setIdentity, type Identity } from './identity.ts';
import type { GatewayStats } from './stats.ts';

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;

/** CONNACK return codes of MQTT 3.1.1. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

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
 * Failed logins back off per username and per IP (core's login-backoff.ts): while a key waits, its logins are refused
 * with "not authorized" without being checked. Every refusal is logged and audited; so is each block.
 */
export function createAuthenticate(deps: AuthenticateDeps): AuthenticateHandler {
  const { serviceToken, credentials, logger, stats, clock, audit } = deps;
  const byUsername = createBackoff(deps.backoff?.username ?? USERNAME_BACKOFF, clock);
  const byIp = createBackoff(deps.backoff?.ip ?? IP_BACKOFF, clock);

  async function identify(username: string | undefined, password: string): Promise<{ identity: Identity; stamp?: number } | string> {
    if (!username) return 'no username';
    if (username.startsWith(SERVICE_USER_PREFIX)) {
      const name = username.slice(SERVICE_USER_PREFIX.length);
      if (!serviceToken) return 'service logins are disabled: IOC_SERVICE_TOKEN is not set';
      if (!name) return 'empty service name';
      return sameSecret(password, serviceToken) ? { identity: { type: 'service', name } } : 'wrong service token';
    }
    const verdict = await credentials.check(username, password);
    return verdict.ok ? { identity: verdict.identity, stamp: verdict.stamp } : verdict.reason;
  }

  function refuse(client: Client, username: string | undefined, reason: string, done: Parameters<AuthenticateHandler>[3], returnCode: number) {
    const remoteAddress = remoteAddressOf(client);
    stats.authFailures++;
    logger.warn({ clientId: client.id, username, remoteAddress, reason }, 'MQTT login refused');
    audit.record({ actor: username ?? '', action: 'mqtt.auth_failure', target: null, remoteAddress, detail: { clientId: client.id, reason } });
    const error = new Error(`login refused: ${reason}`) as AuthenticateError;
    error.returnCode = returnCode as AuthenticateError['returnCode'];
    done(error, false);
  }

  function failed(client: Client, username: string | undefined, ip: string): void {
    const keys = [
      { backoff: byIp, key: ip, scope: 'ip' },
      ...(username ? [{ backoff: byUsername, key: username, scope: 'username' }] : []),
    ];
    for (const { backoff, key, scope } of keys) {
      const waitMs = backoff.failed(key);
      if (waitMs === 0) continue;
      logger.warn({ [scope]: key, waitMs }, 'MQTT logins blocked after repeated failures');
      audit.record({ actor: username ?? '', action: 'mqtt.login_blocked', target: key, remoteAddress: remoteAddressOf(client), detail: { scope, waitMs } });
    }
  }

  return (client, username, password, done) => {
    const ip = ipOf(remoteAddressOf(client));
    const waitMs = Math.max(byIp.waitFor(ip), username ? byUsername.waitFor(username) : 0);
    if (waitMs > 0) {
      stats.throttledLogins++;
      const error = new Error(`login refused: too many failed logins, retry in ${Math.ceil(waitMs / 1000)} s`) as AuthenticateError;
      error.returnCode = NOT_AUTHORIZED;
      logger.debug({ clientId: client.id, username, ip, waitMs }, 'MQTT login refused: backing off');
      return done(error, false);
    }
    identify(username, password?.toString('utf8') ?? '').then(
      (result) => {
        if (typeof result === 'string') {
          failed(client, username, ip);
          return refuse(client, username, result, done, BAD_USERNAME_OR_PASSWORD);
        }
        // The IP's count is kept: one valid login must not reset the budget of a brute force from the same address.
        if (username) byUsername.succeeded(username);
        setIdentity(client, result.identity);
        if (result.stamp !== undefined) setCredentialStamp(client, result.stamp);
        done(null, true);
      },
      (error: unknown) => {
        logger.error({ err: error, clientId: client.id, username }, 'MQTT login could not be checked');
        refuse(client, username, 'credentials could not be checked', done, SERVER_UNAVAILABLE);
      },
    );
  };
}
