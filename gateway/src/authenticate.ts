import { createHash, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { isDeviceId, SERVICE_USER_PREFIX, type Logger } from '@ioc/core';
import type { DeviceCredentials } from './credentials.ts';
import { remoteAddressOf, setIdentity, type Identity } from './identity.ts';
import type { GatewayStats } from './stats.ts';

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;

/** CONNACK return codes of MQTT 3.1.1. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Logs in services (`svc:<name>` + IOC_SERVICE_TOKEN; none at all without a configured token) and devices
 * (username = device id, password = its token). The identity is kept on the client; anything else is refused
 * with "bad user name or password" and a warning.
 */
export function createAuthenticate(deps: {
  serviceToken: string | undefined;
  credentials: DeviceCredentials;
  logger: Logger;
  stats: GatewayStats;
}): AuthenticateHandler {
  const { serviceToken, credentials, logger, stats } = deps;

  async function identify(username: string | undefined, password: string): Promise<Identity | string> {
    if (!username) return 'no username';
    if (username.startsWith(SERVICE_USER_PREFIX)) {
      const name = username.slice(SERVICE_USER_PREFIX.length);
      if (!serviceToken) return 'service logins are disabled: IOC_SERVICE_TOKEN is not set';
      if (!name) return 'empty service name';
      return sameSecret(password, serviceToken) ? { type: 'service', name } : 'wrong service token';
    }
    if (!isDeviceId(username)) return 'unknown device';
    const verdict = await credentials.check(username, password);
    return verdict.ok ? { type: 'device', deviceId: username, kind: verdict.kind } : verdict.reason;
  }

  function refuse(
    client: Client,
    username: string | undefined,
    reason: string,
    done: Parameters<AuthenticateHandler>[3],
    returnCode: AuthenticateError['returnCode'] = BAD_USERNAME_OR_PASSWORD,
  ) {
    stats.authFailures++;
    logger.warn({ clientId: client.id, username, remoteAddress: remoteAddressOf(client), reason }, 'MQTT login refused');
    const error = new Error(`login refused: ${reason}`) as AuthenticateError;
    error.returnCode = returnCode;
    done(error, false);
  }

  return (client, username, password, done) => {
    identify(username, password?.toString('utf8') ?? '').then(
      (result) => {
        if (typeof result === 'string') return refuse(client, username, result, done);
        setIdentity(client, result);
        done(null, true);
      },
      (error: unknown) => {
        logger.error({ err: error, clientId: client.id, username }, 'MQTT login could not be checked');
        refuse(client, username, 'credentials could not be checked', done, SERVER_UNAVAILABLE);
      },
    );
  };
}
