import type { Client } from 'aedes';
import type { AuditLog } from './audit-log.ts';
import type { Credentials } from './credentials.ts';
import { credentialStampOf, identityOf, remoteAddressOf, usernameOf } from './identity.ts';

/**
 * The open, logged-in connections of each MQTT username, so a credential change can close them. Each one's
 * start and end go to the audit log (`mqtt.connect`, `mqtt.disconnect`). A login whose credentials were
 * revoked while it was being checked (after the check, before it was listed here) is closed at once.
 */
export function createConnections(audit: AuditLog, credentials: Credentials) {
  const byUsername = new Map<string, Set<Client>>();

  function remove(client: Client, username: string): void {
    const live = byUsername.get(username);
    if (live?.delete(client) && live.size === 0) byUsername.delete(username);
  }

  return {
    /** Once a client is ready; it stays listed until its socket closes. */
    add(client: Client): void {
      const identity = identityOf(client);
      if (!identity || client.conn.destroyed) return;
      const username = usernameOf(identity);
      const stamp = credentialStampOf(client);
      if (stamp !== undefined && credentials.changedSince(username, stamp)) {
        audit.record({ actor: 'gateway', action: 'mqtt.kicked', target: username, detail: { change: 'revoked during login', connections: 1 } });
        client.close();
        return;
      }
      const live = byUsername.get(username) ?? new Set<Client>();
      live.add(client);
      byUsername.set(username, live);
      const remoteAddress = remoteAddressOf(client);
      audit.record({ actor: username, action: 'mqtt.connect', target: null, remoteAddress, detail: { clientId: client.id } });
      client.conn.once('close', () => {
        remove(client, username);
        audit.record({ actor: username, action: 'mqtt.disconnect', target: null, remoteAddress, detail: { clientId: client.id } });
      });
    },
    /** Closes every connection of `username`; returns how many there were. */
    closeAll(username: string): number {
      const live = [...(byUsername.get(username) ?? [])];
      byUsername.delete(username);
      for (const client of live) client.close();
      return live.length;
    },
    /** The usernames with open connections, and those connections, as they are now. */
    snapshot(): Array<[string, Client[]]> {
      return [...byUsername].map(([username, live]) => [username, [...live]]);
    },
    count(username: string): number {
      return byUsername.get(username)?.size ?? 0;
    },
  };
}

export type Connections = ReturnType<typeof createConnections>;
