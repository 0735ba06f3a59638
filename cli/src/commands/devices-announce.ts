import { announceCredentialChange, createMqttConnect, type CredentialChange, type IocConfig } from '@ioc/core';
import type { Io } from '../io.ts';

/**
 * Tells the running gateways (at MQTT_URL, as service `cli`) that a username's credentials changed, so they
 * drop their cache and close its connections at once. Returns whether that worked; when it did not, says on
 * stderr what that means instead of failing: the change itself is stored.
 */
export async function tellGateways(config: IocConfig, io: Io, change: Omit<CredentialChange, 'ts'>): Promise<boolean> {
  const why = !config.serviceToken
    ? 'IOC_SERVICE_TOKEN is not set'
    : await announceCredentialChange(createMqttConnect(config), 'cli', { ...change, ts: Date.now() }).then(
        () => undefined,
        (error: unknown) => (error as Error).message,
      );
  if (why === undefined) return true;
  io.err(
    `warning: the gateway was not told (${why}); the change is stored, but open connections of "${change.username}" ` +
      'stay until they reconnect and cached credentials expire within 10 minutes',
  );
  return false;
}
