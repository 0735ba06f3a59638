import {
  ALL_DERIVED_TELEMETRY_TOPIC,
  ANOMALIES_TOPIC,
  DEAD_LETTERS_TOPIC,
  decodeAnomalyEvent,
  decodeBusDeadLetter,
  decodeDerivedTelemetry,
  parseDerivedTelemetryTopic,
  type AnomalyEvent,
  type DeviceKind,
  type NewDeadLetter,
  type TelemetryPoint,
} from '@ioc/core';
import type { Batcher } from './batcher.ts';
import { deadLetter } from './dead-letter.ts';

export interface HistorySinkDeps {
  /** Where derived series go: the same batches, store and spill as the devices' telemetry. */
  points: Batcher<TelemetryPoint>;
  anomalies: Batcher<AnomalyEvent>;
  letters: Batcher<NewDeadLetter>;
  /** The device's kind from the registry (undefined: no such device). */
  kindOf(deviceId: string): Promise<DeviceKind | undefined>;
  refuse(letter: NewDeadLetter): void;
}

/**
 * The history the IOC's services derive, stored by ingest alone (docs/architecture.md, "History: one writer"):
 * anomaly events (`ioc/v1/anomalies` → `anomaly_events`, once each), derived series (`ioc/v1/derived/{id}/telemetry`
 * → the TelemetryStore, like any reading) and the refusals services report (`ioc/v1/dead-letters` → `dead_letters`).
 * A message that does not hold to its contract (core contracts/derived.ts, anomaly-event.ts) becomes a dead letter
 * with its reason.
 */
export function createHistorySink(deps: HistorySinkDeps) {
  const { points, anomalies, letters, kindOf, refuse } = deps;
  const counts = { anomalyEvents: 0, derivedPoints: 0, reportedDeadLetters: 0 };

  function anomaly(topic: string, payload: Buffer, receivedAt: number): undefined {
    const decoded = decodeAnomalyEvent(payload);
    if (!decoded.ok) return void refuse(deadLetter(decoded.deviceId, topic, payload, decoded.reason, receivedAt));
    counts.anomalyEvents++;
    anomalies.add(decoded.event);
  }

  function reported(topic: string, payload: Buffer, receivedAt: number): undefined {
    const decoded = decodeBusDeadLetter(payload.toString('utf8'));
    if (!decoded.ok) return void refuse(deadLetter(null, topic, payload, decoded.reason, receivedAt));
    counts.reportedDeadLetters++;
    letters.add(decoded.value);
  }

  async function derived(deviceId: string, topic: string, payload: Buffer, receivedAt: number): Promise<void> {
    const decoded = decodeDerivedTelemetry(payload.toString('utf8'));
    if (!decoded.ok) return refuse(deadLetter(deviceId, topic, payload, decoded.reason, receivedAt));
    if (!(await kindOf(deviceId))) return refuse(deadLetter(deviceId, topic, payload, `unknown device "${deviceId}"`, receivedAt));
    const { ts, metrics } = decoded.value;
    for (const [metric, value] of Object.entries(metrics)) points.add({ deviceId, metric, ts, value });
    counts.derivedPoints += Object.keys(metrics).length;
  }

  return {
    filters: [ANOMALIES_TOPIC, ALL_DERIVED_TELEMETRY_TOPIC, DEAD_LETTERS_TOPIC],
    counts,
    /** Whether a topic is one of the history's (else it is a device's telemetry). */
    owns: (topic: string) => topic === ANOMALIES_TOPIC || topic === DEAD_LETTERS_TOPIC || parseDerivedTelemetryTopic(topic) !== undefined,
    /** Queues what the message holds; a promise while the device's kind is looked up. */
    handle(topic: string, payload: Buffer, receivedAt: number): Promise<void> | undefined {
      if (topic === ANOMALIES_TOPIC) return anomaly(topic, payload, receivedAt);
      if (topic === DEAD_LETTERS_TOPIC) return reported(topic, payload, receivedAt);
      return derived(parseDerivedTelemetryTopic(topic)!, topic, payload, receivedAt);
    },
  };
}
