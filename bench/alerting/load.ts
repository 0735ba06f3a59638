// The incidents of `ioc bench alerting`: each device publishes one reading over the threshold rule's level and is the
// subject of one anomaly raised on ioc/v1/anomalies, at a set rate of conditions per second; the alerting service is
// killed and started again at set points of the run while the publishing goes on.
import type { MqttClient } from 'mqtt';
import { ANOMALIES_TOPIC, type AnomalyEvent } from '@ioc/core';
import type { Condition } from './tally.ts';

export interface LoadPlan {
  devices: { id: string; client: MqttClient }[];
  /** A service's connection (analytics' role) for the anomalies. */
  analytics: MqttClient;
  thresholdRuleId: string;
  anomalyRuleId: string;
  /** Conditions per second. */
  rate: number;
  /** How many times the alerting service is killed, spread evenly over the run. */
  kills: number;
  restartAlerting(): Promise<void>;
}

export interface LoadResult {
  conditions: Condition[];
  restarts: number;
  /** How long the alerting service was away (kill → subscribed again), each time. */
  downMs: number[];
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const steps = plan.devices.flatMap((device) => [
    { ruleId: plan.thresholdRuleId, device, publish: () => device.client.publishAsync(`ioc/v1/devices/${device.id}/telemetry`, JSON.stringify({ ts: Date.now(), metrics: { pm25: 150 } }), { qos: 1 }) },
    {
      ruleId: plan.anomalyRuleId,
      device,
      publish: () => {
        const event: AnomalyEvent = { deviceId: device.id, kind: 'air', metric: 'pm25', model: 'bench', score: 9, threshold: 3, label: 'episode', state: 'raised', ts: Date.now() };
        return plan.analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(event), { qos: 1 });
      },
    },
  ]);
  const killAt = new Set(Array.from({ length: plan.kills }, (_, k) => Math.floor(((k + 1) * steps.length) / (plan.kills + 1))));
  const conditions: Condition[] = [];
  const publishes: Promise<unknown>[] = [];
  const restarts: Promise<number>[] = [];
  const start = performance.now();
  for (const [index, step] of steps.entries()) {
    if (killAt.has(index)) {
      const killedAt = performance.now();
      // The publishing goes on while the service is away: its session keeps what it misses.
      restarts.push(plan.restartAlerting().then(() => Math.round(performance.now() - killedAt)));
    }
    const due = start + (index * 1000) / plan.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    conditions.push({ ruleId: step.ruleId, deviceId: step.device.id, at: Date.now() });
    publishes.push(step.publish());
  }
  await Promise.all(publishes);
  const downMs = await Promise.all(restarts);
  return { conditions, restarts: downMs.length, downMs };
}
