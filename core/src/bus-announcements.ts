import { registryDeviceTopic, type RegistryRecord } from './contracts/registry.ts';
import { CREDENTIALS_TOPIC, type CredentialChange } from './credential-changes.ts';
import type { MqttConnect } from './mqtt.ts';

/** What a change to devices or accounts tells the bus: device records (retained; null once deleted) and credential changes. */
export interface BusAnnouncement {
  records?: ReadonlyArray<{ id: string; record: RegistryRecord | null }>;
  credentials?: readonly CredentialChange[];
}

/**
 * Publishes an announcement at QoS 1 over a short-lived service connection: each record retained on
 * `ioc/v1/registry/devices/{id}` (an empty payload for a deleted device), each credential change on the control
 * topic. Rejects when the gateway cannot be reached; the change itself is stored by then, and the gateway
 * republishes every record when it starts.
 */
export async function announceOnBus(mqttConnect: MqttConnect, serviceName: string, announcement: BusAnnouncement): Promise<void> {
  const client = await mqttConnect(serviceName, { reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    await Promise.all([
      ...(announcement.records ?? []).map(({ id, record }) =>
        client.publishAsync(registryDeviceTopic(id), record ? JSON.stringify(record) : '', { qos: 1, retain: true }),
      ),
      ...(announcement.credentials ?? []).map((change) => client.publishAsync(CREDENTIALS_TOPIC, JSON.stringify(change), { qos: 1 })),
    ]);
  } finally {
    await client.endAsync();
  }
}

/** Tells every gateway that a username's credentials changed (credential-changes.ts). */
export function announceCredentialChange(mqttConnect: MqttConnect, serviceName: string, change: CredentialChange): Promise<void> {
  return announceOnBus(mqttConnect, serviceName, { credentials: [change] });
}
