import {
  deviceTopic,
  publishAnomalyEvent,
  publishDeadLetter,
  type AnomalyEvent,
  type AnomalyLabel,
  type AnomalyState,
  type Clock,
  type Logger,
  type MqttClient,
  type RegistryCache,
} from '@ioc/core';
import { parseFrigateEvent, parseFrigateReview, parseFrigateStatus } from './messages.ts';

export const FRIGATE_MODEL_NAME = 'frigate';

/**
 * Brings a Frigate NVR's MQTT messages into the IOC. Frigate publishes on the IOC's own broker under its topic
 * tree (an integration account, e.g. `frigate/#`). Each Frigate camera maps to the IOC camera device whose id is
 * the camera's name or whose attribute `frigate_camera` names it.
 * - `frigate/events` (tracked objects) and `frigate/reviews` (alerts and detections) → `ioc/v1/devices/{id}/events`
 *   with type `frigate.detection` / `frigate.review`;
 * - a review of severity `alert` raises an anomaly (label `frigate_alert`) on `ioc/v1/anomalies` and its end clears it;
 * - `frigate/<camera>/status[/<role>]` going offline raises `lost_signal`, back online clears it.
 * Anything unusable (bad JSON, unknown camera) is published on ioc/v1/dead-letters with its reason (ingest stores it).
 */
export function createFrigateAdapter(deps: { registry: RegistryCache; logger: Logger; clock: Clock; prefix?: string }) {
  const { registry, logger, clock, prefix = 'frigate' } = deps;
  const offline = new Set<string>();
  const counts = { frigateMessages: 0, frigateEvents: 0, frigateRefused: 0 };

  /**
   * The camera device a Frigate camera maps to, as the registry says now (a re-kinded or renamed camera follows at
   * once): the camera of that id, else the one whose attribute names it. From the registry cache; the database is read
   * only when neither is there (at most every 10 s, registry-cache.ts), not on every Frigate message.
   */
  async function deviceFor(camera: string): Promise<string | undefined> {
    const byId = () => (registry.get(camera)?.kind === 'camera' ? camera : undefined);
    const match = byId() ?? (await registry.find((d) => d.kind === 'camera' && (d.id === camera || d.attributes.frigate_camera === camera)))?.id;
    return byId() ?? match;
  }

  async function refuse(client: MqttClient, topic: string, payload: string, reason: string): Promise<void> {
    counts.frigateRefused++;
    logger.warn({ topic, reason }, 'Frigate message refused');
    await publishDeadLetter(client, { deviceId: null, topic, payload, reason, ts: clock.now() });
  }

  async function anomaly(client: MqttClient, deviceId: string, label: AnomalyLabel, state: AnomalyState, ts: number, score: number): Promise<void> {
    const event: AnomalyEvent = { deviceId, kind: 'camera', metric: null, model: FRIGATE_MODEL_NAME, score, threshold: 1, label, state, ts };
    await publishAnomalyEvent(client, event);
  }

  return {
    filter: `${prefix}/#`,
    counts,
    /** Whether a topic belongs to Frigate's tree. */
    owns: (topic: string) => topic === prefix || topic.startsWith(`${prefix}/`),
    async handle(client: MqttClient, topic: string, payloadBuffer: Buffer): Promise<void> {
      counts.frigateMessages++;
      const payload = payloadBuffer.toString('utf8');
      const kind = topic === `${prefix}/events` ? 'event' : topic === `${prefix}/reviews` ? 'review' : undefined;
      if (kind) {
        const parsed = kind === 'event' ? parseFrigateEvent(payload) : parseFrigateReview(payload);
        if (!parsed.ok) return refuse(client, topic, payload, parsed.reason);
        if (!parsed.event) return;
        const deviceId = await deviceFor(parsed.camera);
        if (!deviceId) return refuse(client, topic, payload, `Frigate camera "${parsed.camera}" is not an IOC camera device (id or attribute frigate_camera)`);
        await client.publishAsync(deviceTopic(deviceId, 'events'), JSON.stringify(parsed.event), { qos: 1 });
        counts.frigateEvents++;
        const review = parsed.event.type === 'frigate.review' ? parsed.event : undefined;
        if (review?.severity === 'alert' && review.phase !== 'update') {
          await anomaly(client, deviceId, 'frigate_alert', review.phase === 'new' ? 'raised' : 'cleared', review.endTs ?? review.ts, 1);
        }
        return;
      }
      const status = parseFrigateStatus(topic, payload, prefix);
      if (!status) return; // Frigate's many other topics (counts, snapshots, switches) are not ours to use.
      const deviceId = await deviceFor(status.camera);
      if (!deviceId) return refuse(client, topic, payload, `Frigate camera "${status.camera}" is not an IOC camera device (id or attribute frigate_camera)`);
      const key = `${deviceId}/${status.role ?? ''}`;
      if (status.online === !offline.has(key)) return;
      if (status.online) offline.delete(key);
      else offline.add(key);
      await anomaly(client, deviceId, 'lost_signal', status.online ? 'cleared' : 'raised', clock.now(), status.online ? 0 : 1);
    },
  };
}
