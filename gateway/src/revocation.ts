import type { Aedes } from 'aedes';
import { CREDENTIALS_TOPIC, DISCONNECTING_CHANGES, parseCredentialChange, type Logger } from '@ioc/core';
import type { AuditLog } from './audit-log.ts';
import type { Connections } from './connections.ts';
import type { Credentials } from './credentials.ts';

/**
 * Acts on credential changes announced on the bus (core/credential-changes.ts) by any process: the cached
 * credential is dropped, and after a rotation, revocation or disabling every open connection of that username
 * is closed at once. The broker's own subscription sees messages from every cluster node; it ends when the
 * broker closes. What reaches it came from a service: the ACL lets nobody else publish there, admins included (acl.ts),
 * and a credential change is never retained (retain-policy.ts), so none is replayed to act again.
 */
export async function listenForCredentialChanges(deps: {
  broker: Aedes;
  credentials: Credentials;
  connections: Connections;
  audit: AuditLog;
  logger: Logger;
}): Promise<void> {
  const { broker, credentials, connections, audit, logger } = deps;
  const deliver = (packet: { payload: Buffer | string }, callback: () => void) => {
    const change = parseCredentialChange(packet.payload);
    if (!change) {
      logger.warn({ topic: CREDENTIALS_TOPIC, payload: packet.payload.toString().slice(0, 200) }, 'ignored a malformed credential change');
      return callback();
    }
    const disconnecting = DISCONNECTING_CHANGES.has(change.change);
    credentials.forget(change.username, disconnecting);
    if (disconnecting) {
      const closed = connections.closeAll(change.username);
      if (closed > 0) {
        logger.info({ username: change.username, change: change.change, closed }, 'closed connections after a credential change');
        audit.record({ actor: 'gateway', action: 'mqtt.kicked', target: change.username, detail: { change: change.change, connections: closed } });
      }
    }
    callback();
  };
  await new Promise<void>((resolve) => broker.subscribe(CREDENTIALS_TOPIC, deliver, resolve));
}
