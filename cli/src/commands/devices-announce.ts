import { announceOnBus, createMqttConnect, type BusAnnouncement, type CredentialChange, type CommonConfig } from '@ioc/core';
import type { Io } from '../io.ts';

/**
 * Publishes a change on the bus at MQTT_URL, as service `cli`: registry records for every service's cache, and
 * credential changes that make the gateways drop cached credentials and close connections. When the bus cannot be
 * reached it rejects (the change itself is stored) and, for a change to existing devices or accounts, says on stderr
 * what that means. A new device needs no warning: services look an id they have not heard of up in the database.
 */
export function announceFromCli(config: CommonConfig, io: Io): (announcement: BusAnnouncement) => Promise<void> {
  return async (announcement) => {
    try {
      if (!config.serviceToken) throw new Error('IOC_SERVICE_TOKEN is not set');
      await announceOnBus(createMqttConnect(config), 'cli', announcement);
    } catch (error) {
      if (!announcement.credentials?.length) throw error;
      const who = [...(announcement.credentials ?? []).map((c) => c.username), ...(announcement.records ?? []).map((r) => r.id)];
      io.err(
        `warning: the gateway was not told (${(error as Error).message}); the change is stored, but open connections of ` +
          `"${[...new Set(who)].join('", "')}" stay until they reconnect, cached credentials expire within 10 minutes, and ` +
          'running services learn the device records when the gateway next starts',
      );
      throw error;
    }
  };
}

/** Tells the gateways that an account's credentials changed; false (with the warning on stderr) when it could not. */
export function tellGateways(config: CommonConfig, io: Io, change: Omit<CredentialChange, 'ts'>): Promise<boolean> {
  return announceFromCli(config, io)({ credentials: [{ ...change, ts: Date.now() }] }).then(
    () => true,
    () => false,
  );
}
