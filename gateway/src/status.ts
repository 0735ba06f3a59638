import type { Aedes, Client } from 'aedes';
import { deviceTopic, type Clock, type DeviceStatus as StatusMessage, type Logger } from '@ioc/core';
import { identityOf } from './identity.ts';
import type { PresenceWriter } from './presence.ts';

/**
 * Device presence: the retained `ioc/v1/devices/{id}/status` and devices.online/last_seen. A device counts as
 * connected from its successful login until its connection is gone, so with two connections (or a client-id
 * takeover, where the old connection closes after the new one has logged in) it is marked offline only when
 * the last one closes.
 */
export function createDeviceStatus(deps: {
  broker: Aedes;
  clock: Clock;
  logger: Logger;
  presence: PresenceWriter;
  /** In a cluster: which devices this node holds (cluster-presence.ts). */
  membership?: { online(deviceId: string): void; offline(deviceId: string): void };
}) {
  const { broker, clock, logger, presence, membership } = deps;
  const connections = new Map<string, Set<Client>>();
  const announcedOnline = new Set<string>();

  function announce(deviceId: string, online: boolean): void {
    const ts = clock.now();
    const status: StatusMessage = { online, ts };
    broker.publish(
      {
        cmd: 'publish',
        topic: deviceTopic(deviceId, 'status'),
        payload: Buffer.from(JSON.stringify(status)),
        qos: 1,
        retain: true,
        dup: false,
      },
      (error) => {
        if (error) logger.error({ err: error, deviceId }, 'could not publish device status');
      },
    );
    presence.changed(deviceId, online, ts);
    if (online) membership?.online(deviceId);
    else membership?.offline(deviceId);
  }

  function forget(client: Client, deviceId: string): void {
    const live = connections.get(deviceId);
    if (!live?.delete(client) || live.size > 0) return;
    connections.delete(deviceId);
    if (announcedOnline.delete(deviceId)) announce(deviceId, false);
  }

  return {
    /** After a successful login: the connection counts until its socket closes. */
    loggedIn(client: Client): void {
      const identity = identityOf(client);
      if (identity?.type !== 'device' || client.conn.destroyed) return;
      const live = connections.get(identity.deviceId) ?? new Set<Client>();
      live.add(client);
      connections.set(identity.deviceId, live);
      client.conn.once('close', () => forget(client, identity.deviceId));
    },
    /** After CONNACK: the device is online (announced again for each new connection, with a fresh ts). */
    ready(client: Client): void {
      const identity = identityOf(client);
      if (identity?.type !== 'device' || !connections.get(identity.deviceId)?.has(client)) return;
      announcedOnline.add(identity.deviceId);
      announce(identity.deviceId, true);
    },
    disconnected(client: Client): void {
      const identity = identityOf(client);
      if (identity?.type === 'device') forget(client, identity.deviceId);
    },
    /** Devices another node held when it died: offline, unless they have reconnected here since. */
    goneElsewhere(deviceIds: readonly string[]): void {
      for (const deviceId of deviceIds) if (!connections.has(deviceId)) announce(deviceId, false);
    },
    /** Open device connections (a device may have more than one). */
    get deviceConnections(): number {
      let count = 0;
      for (const live of connections.values()) count += live.size;
      return count;
    },
  };
}

export type DeviceStatus = ReturnType<typeof createDeviceStatus>;
