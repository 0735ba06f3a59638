import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { clientIdBelongsTo, type Logger } from '@ioc/core';
import type { AuditLog } from './audit-log.ts';
import { identityOf, remoteAddressOf, usernameOf, type Identity } from './identity.ts';
import type { GatewayStats } from './stats.ts';

type AuthenticateHandler = NonNullable<AedesOptions['authenticate']>;
type PreConnectHandler = NonNullable<AedesOptions['preConnect']>;

/** CONNACK return code 2 of MQTT 3.1.1, "identifier rejected". */
const IDENTIFIER_REJECTED = 2;

/**
 * The longest client id accepted, in UTF-8 bytes. MQTT 3.1.1 lets a server refuse ids longer than 23 characters
 * [MQTT-3.1.3-5]; ours are at most a 64-character device id, or an account username (at most `admin:` and 64
 * characters) with '/' and a suffix. 256 leaves a client room for its suffix, and ids of up to 64 KiB out of the logs.
 */
const MAX_CLIENT_ID_BYTES = 256;

/** What a log line or audit event keeps of a text longer than the cap (a refused client id, a username). */
const CLIPPED_CHARS = 64;

const SENT_NO_ID = Symbol('ioc.sentNoClientId');
type MarkedClient = Client & { [SENT_NO_ID]?: true };

/** A client id (or username) as logs and the audit log hold it: whole up to the cap, else its first 64 characters. */
export function clipped(text: string): string {
  const bytes = Buffer.byteLength(text);
  return bytes <= MAX_CLIENT_ID_BYTES ? text : `${text.slice(0, CLIPPED_CHARS)}… (${bytes} bytes)`;
}

/** preConnect: remembers a CONNECT with a zero-length client id, for which aedes assigns `aedes_<uuid>` before the login. */
export const noteEmptyClientIds: PreConnectHandler = (client, packet, callback) => {
  if (!packet.clientId) (client as MarkedClient)[SENT_NO_ID] = true;
  callback(null, true);
};

/** Refused before the login is checked: the id is malformed whoever sends it. */
function malformed(client: Client): string | undefined {
  if ((client as MarkedClient)[SENT_NO_ID]) {
    return client.clean ? undefined : 'a zero-length client id needs a clean session [MQTT-3.1.3-8]';
  }
  const bytes = Buffer.byteLength(client.id);
  return bytes > MAX_CLIENT_ID_BYTES ? `client id of ${bytes} bytes, more than ${MAX_CLIENT_ID_BYTES}` : undefined;
}

/** Refused after the login: the id belongs to someone else (core's client-id.ts). */
function foreign(client: Client, username: string, device: boolean): string | undefined {
  if ((client as MarkedClient)[SENT_NO_ID]) {
    // An account's clean session may take the unique id aedes assigns; a device's session is its id.
    return device ? 'a device connects with its id as client id, not a zero-length one' : undefined;
  }
  if (clientIdBelongsTo(client.id, username)) return undefined;
  return device ? `client id "${client.id}" is not the device's id` : `client id "${client.id}" is neither "${username}" nor starts with "${username}/"`;
}

/**
 * Client ids belong to logins (core's client-id.ts): a device connects with its id, an account with its username,
 * alone or followed by '/' and a suffix. Without this, a device connecting as `svc:ingest/ioc-ingest` would close
 * ingest's connection and be handed its persistent session (every device's queued telemetry), or with a clean
 * session wipe it; with another device's id it would close that device's connection. A refused id gets CONNACK 2
 * "identifier rejected" before aedes touches any session, and is logged and audited (`mqtt.client_id_refused`).
 * Also refused: a zero-length id without a clean session [MQTT-3.1.3-8], and ids longer than MAX_CLIENT_ID_BYTES,
 * both before the login is checked, so that no other log line holds such an id. Refusals do not count towards the
 * login backoff: the password was right, or was not looked at.
 */
export function withClientIds(login: AuthenticateHandler, deps: { audit: AuditLog; logger: Logger; stats: GatewayStats }): AuthenticateHandler {
  const { audit, logger, stats } = deps;

  function refuse(client: Client, actor: string, reason: string, done: Parameters<AuthenticateHandler>[3]): void {
    const remoteAddress = remoteAddressOf(client);
    const clientId = clipped(client.id);
    stats.refusedClientIds++;
    logger.warn({ clientId, username: actor, remoteAddress, reason }, 'MQTT client id refused');
    audit.record({ actor, action: 'mqtt.client_id_refused', target: null, remoteAddress, detail: { clientId, reason } });
    const error = new Error(`client id refused: ${reason}`) as AuthenticateError;
    error.returnCode = IDENTIFIER_REJECTED;
    done(error, false);
  }

  return (client, username, password, done) => {
    const early = malformed(client);
    if (early) return refuse(client, clipped(username ?? ''), early, done);
    login(client, username, password, (error, success) => {
      if (error || !success) return done(error, success);
      // Every successful login has set the identity (authenticate.ts, certificate-login.ts).
      const identity = identityOf(client) as Identity;
      const owner = usernameOf(identity);
      const reason = foreign(client, owner, identity.type === 'device');
      if (reason) return refuse(client, owner, reason, done);
      done(null, true);
    });
  };
}
