/** Counters the gateway reports in health() and on $SYS. */
export interface GatewayStats {
  messagesIn: number;
  messagesOut: number;
  authFailures: number;
  /** Logins refused unchecked while their username or IP backs off after repeated failures. */
  throttledLogins: number;
  refusedPublishes: number;
  refusedSubscriptions: number;
  /** CONNECTs refused with CONNACK 2 for their client id (client-ids.ts). */
  refusedClientIds: number;
  /** Messages of a persistent session's queue its owner may not read, dropped instead of delivered (authorize.ts). */
  refusedQueuedMessages: number;
  /** Connections closed at once by IOC_MQTT_MAX_CONNECTIONS or IOC_MQTT_CONNECT_RATE. */
  refusedConnections: number;
  /** Connections closed for a packet over IOC_MQTT_MAX_PACKET_BYTES. */
  oversizedPackets: number;
  /** Connections closed for a packet with a string that is not valid UTF-8. */
  malformedPackets: number;
  /** Subscribers disconnected for falling IOC_MQTT_MAX_QUEUE_BYTES behind. */
  slowConsumers: number;
  /** Publishes delayed by IOC_MQTT_PUBLISH_RATE. */
  throttledPublishes: number;
  /** Publishes that waited for the broker's backlog to come down (publish-gate.ts). */
  heldPublishes: number;
  /** Commands not delivered because their `expires` had passed. */
  expiredCommands: number;
  /** Publishes delivered but not retained: a device's, the control topic's, an integration's over its cap (retain-policy.ts). */
  unretained: number;
}

export function createStats(): GatewayStats {
  return {
    messagesIn: 0,
    messagesOut: 0,
    authFailures: 0,
    throttledLogins: 0,
    refusedPublishes: 0,
    refusedSubscriptions: 0,
    refusedClientIds: 0,
    refusedQueuedMessages: 0,
    refusedConnections: 0,
    oversizedPackets: 0,
    malformedPackets: 0,
    slowConsumers: 0,
    throttledPublishes: 0,
    heldPublishes: 0,
    expiredCommands: 0,
    unretained: 0,
  };
}
