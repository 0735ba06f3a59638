import { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { getDeviceCredentials, isDeviceId, type Logger, type Queryable } from '@ioc/core';
import { remoteAddressOf, setIdentity } from './identity.ts';
import type { GatewayStats } from './stats.ts';

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;

const SERVER_UNAVAILABLE = 3;
const NOT_AUTHORIZED = 5;

/** The CN of a client certificate the TLS listener's CA (IOC_TLS_CA) has verified, if any. */
function verifiedCommonName(client: Client): string | undefined {
  const socket = client.conn;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}

/**
 * Mutual TLS: a client whose certificate the configured CA signed logs in as the device named by the
 * certificate's CN (an enabled device of the registry; the username, if given, must be that id, and no token
 * is needed). Every other client goes through `tokenLogin`.
 */
export function withCertificateLogin(
  tokenLogin: AuthenticateHandler,
  deps: { db: Queryable; logger: Logger; stats: GatewayStats },
): AuthenticateHandler {
  const { db, logger, stats } = deps;

  function refuse(client: Client, cn: string, reason: string, done: Parameters<AuthenticateHandler>[3], code: number): void {
    stats.authFailures++;
    logger.warn({ clientId: client.id, certificateCn: cn, remoteAddress: remoteAddressOf(client), reason }, 'MQTT login refused');
    const error = new Error(`login refused: ${reason}`) as AuthenticateError;
    error.returnCode = code;
    done(error, false);
  }

  return (client, username, password, done) => {
    const cn = verifiedCommonName(client);
    if (cn === undefined) return tokenLogin(client, username, password, done);
    if (username && username !== cn) return refuse(client, cn, `username "${username}" is not the certificate's CN`, done, NOT_AUTHORIZED);
    if (!isDeviceId(cn)) return refuse(client, cn, 'the certificate CN is not a device id', done, NOT_AUTHORIZED);
    getDeviceCredentials(db, cn).then(
      (stored) => {
        if (!stored) return refuse(client, cn, 'unknown device', done, NOT_AUTHORIZED);
        if (!stored.enabled) return refuse(client, cn, 'device disabled', done, NOT_AUTHORIZED);
        setIdentity(client, { type: 'device', deviceId: cn, kind: stored.kind });
        done(null, true);
      },
      (error: unknown) => {
        logger.error({ err: error, clientId: client.id, certificateCn: cn }, 'MQTT certificate login could not be checked');
        refuse(client, cn, 'credentials could not be checked', done, SERVER_UNAVAILABLE);
      },
    );
  };
}
