import { ALERT_RULE_CHANGES_TOPIC, alertTopic, BROADCAST_REQUESTS_TOPIC, type AlertRuleChange, type BroadcastRequest, type MqttClient } from '@ioc/core';
import type { AlertRow } from './alert-row.ts';

/** What alerting puts on the bus (core/src/contracts/alert.ts, broadcast-request.ts), at QoS 1. */
type Publisher = Pick<MqttClient, 'publishAsync'>;

/** An alert's state, retained on ioc/v1/alerts/{id}: a late subscriber gets every alert as it stands. */
export async function publishAlert(client: Publisher, alert: AlertRow): Promise<void> {
  await client.publishAsync(alertTopic(alert.id), JSON.stringify(alert), { qos: 1, retain: true });
}

/** A rule changed through the API: the alerting service reads its rules again. */
export async function publishRuleChange(client: Publisher, change: AlertRuleChange): Promise<void> {
  await client.publishAsync(ALERT_RULE_CHANGES_TOPIC, JSON.stringify(change), { qos: 1 });
}

export async function publishBroadcastRequest(client: Publisher, request: BroadcastRequest): Promise<void> {
  await client.publishAsync(BROADCAST_REQUESTS_TOPIC, JSON.stringify(request), { qos: 1 });
}

/** How a process that changes alerts or rules (the dashboard) reaches the bus; each rejects when it cannot. */
export interface AlertBus {
  alert(alert: AlertRow): Promise<void>;
  ruleChange(change: AlertRuleChange): Promise<void>;
}
