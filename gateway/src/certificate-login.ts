import { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { isDeviceId, type Logger } from '@ioc/core';
import type { AuditLog } from './audit-log.ts';
import type { Credentials } from './credentials.ts';
import { remoteAddressOf, setCredentialStamp, setIdentity } from './identity.ts';
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
 * is needed). Every other client goes through `tokenLogin`. The device is read through the credential cache, and
 * the login carries the stamp that lets a revocation made while it was checked close it (connections.ts).
 * Refusals are logged and audited; there is no backoff, since a certificate cannot be guessed.
 */
export function withCertificateLogin(
  tokenLogin: AuthenticateHandler,
  deps: { credentials: Credentials; audit: AuditLog; logger: Logger; stats: GatewayStats },
): AuthenticateHandler {
  const { credentials, audit, logger, stats } = deps;

  function refuse(client: Client, cn: string, reason: string, done: Parameters<AuthenticateHandler>[3], code: number): void {
    const remoteAddress = remoteAddressOf(client);
    stats.authFailures++;
    logger.warn({ clientId: client.id, certificateCn: cn, remoteAddress, reason }, 'MQTT login refused');
    audit.record({ actor: cn, action: 'mqtt.auth_failure', target: null, remoteAddress, detail: { clientId: client.id, reason, certificate: true } });
    const error = new Error(`login refused: ${reason}`) as AuthenticateError;
    error.returnCode = code;
    done(error, false);
  }

  return (client, username, password, done) => {
    const cn = verifiedCommonName(client);
    if (cn === undefined) return tokenLogin(client, username, password, done);
    if (username && username !== cn) return refuse(client, cn, `username "${username}" is not the certificate's CN`, done, NOT_AUTHORIZED);
    if (!isDeviceId(cn)) return refuse(client, cn, 'the certificate CN is not a device id', done, NOT_AUTHORIZED);
    credentials.device(cn).then(
      ({ stored, stamp }) => {
        if (stored?.identity.type !== 'device') return refuse(client, cn, 'unknown device', done, NOT_AUTHORIZED);
        if (!stored.enabled) return refuse(client, cn, 'device disabled', done, NOT_AUTHORIZED);
        setIdentity(client, stored.identity);
        setCredentialStamp(client, stamp);
        done(null, true);
      },
      (error: unknown) => {
        logger.error({ err: error, clientId: client.id, certificateCn: cn }, 'MQTT certificate login could not be checked');
        refuse(client, cn, 'credentials could not be checked', done, SERVER_UNAVAILABLE);
      },
    );
  };
}
