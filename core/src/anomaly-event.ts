import type { MqttClient } from 'mqtt';
import type { AnomalyEvent } from './contracts/anomaly.ts';
import { ANOMALIES_TOPIC } from './topics.ts';

/** Publishes one event on `ioc/v1/anomalies` at QoS 1, as `decodeAnomalyEvent` (contracts/anomaly.ts) reads it. */
export async function publishAnomalyEvent(client: Pick<MqttClient, 'publishAsync'>, event: AnomalyEvent): Promise<void> {
  await client.publishAsync(ANOMALIES_TOPIC, JSON.stringify(event), { qos: 1 });
}
