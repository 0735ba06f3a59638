import type { Aedes } from 'aedes';
import { startHealthBeacon, type Clock, type Health, type HealthBeacon, type Logger } from '@ioc/core';
import { BUS_SERVICE } from '@ioc/core/contracts';

/**
 * The gateway's health on the bus, published in-process (retained) like every service's. It has no last will: when
 * the gateway is gone so is the bus, and each client that lost it reports the gateway down.
 */
export function startGatewayHealth(deps: { broker: Aedes; health: () => Health; clock: Clock; logger: Logger }): HealthBeacon {
  const { broker } = deps;
  return startHealthBeacon({
    ...deps,
    name: BUS_SERVICE,
    publish: (topic, payload) =>
      new Promise((resolve, reject) =>
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false }, (error) => (error ? reject(error) : resolve())),
      ),
  });
}
