import { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { isDeviceId, type Logger } from '@ioc/core';
import type { AuditLog } from './audit-log.ts';
import { clipped } from './client-ids.ts';
import type { Credentials } from './credentials.ts';
import { remoteAddressOf, setCredentialStamp, setIdentity } from './identity.ts';
import type { GatewayStats } from './stats.ts';

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;

const SERVER_UNAVAILABLE = 3;
const NOT_AUTHORIZED = 5;

/** The extended key usage a device's certificate must carry: TLS client authentication. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * What the client's certificate says: nothing (no TLS, no certificate, or one the CA did not sign: a token login),
 * the CN of a certificate the CA (IOC_TLS_CA) verified and meant for client authentication, or why a certificate
 * of our CA is refused: listed in the CRL (IOC_TLS_CRL), or without the clientAuth extended key usage.
 */
function certificateOf(client: Client): { cn: string; refusal?: string } | undefined {
  const socket = client.conn;
  if (!(socket instanceof TLSSocket)) return undefined;
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return undefined;
  const cn = /^CN=(.*)$/m.exec(certificate.subject)?.[1] ?? '';
  if (!socket.authorized) {
    return socket.authorizationError?.toString() === 'CERT_REVOKED' ? { cn, refusal: 'certificate revoked (IOC_TLS_CRL)' } : undefined;
  }
  if (!certificate.keyUsage?.includes(CLIENT_AUTH)) return { cn, refusal: 'the certificate is not for client authentication (extended key usage clientAuth)' };
  return { cn };
}

/**
 * Mutual TLS: a client whose certificate the configured CA signed, for client authentication (extended key usage
 * clientAuth) and not listed in the CRL, logs in as the device named by the certificate's CN (an enabled device of the
 * registry, not revoked; the username, if given, must be that id, and no token is needed). A certificate of the CA
 * that is revoked or not for clients is refused. Every other client goes through `tokenLogin`. The device is read through the credential cache, and
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
    const certificate = certificateOf(client);
    if (certificate === undefined) return tokenLogin(client, username, password, done);
    const cn = clipped(certificate.cn);
    if (certificate.refusal) return refuse(client, cn, certificate.refusal, done, NOT_AUTHORIZED);
    if (username && username !== cn) return refuse(client, cn, `username "${clipped(username)}" is not the certificate's CN`, done, NOT_AUTHORIZED);
    if (!isDeviceId(cn)) return refuse(client, cn, 'the certificate CN is not a device id', done, NOT_AUTHORIZED);
    credentials.device(cn).then(
      ({ stored, stamp }) => {
        if (stored?.identity.type !== 'device') return refuse(client, cn, 'unknown device', done, NOT_AUTHORIZED);
        if (!stored.enabled) return refuse(client, cn, 'device disabled', done, NOT_AUTHORIZED);
        if (stored.revoked) return refuse(client, cn, 'device revoked', done, NOT_AUTHORIZED);
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
