import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANOMALIES_TOPIC,
  DEAD_LETTERS_TOPIC,
  derivedTelemetryTopic,
  listAnomalyEvents,
  listDeadLetters,
  publishAnomalyEvent,
  publishDeadLetter,
  publishDerivedTelemetry,
  type AnomalyEvent,
} from '@ioc/core';
import { startIngestFixture, type IngestFixture } from './fixture.ts';

const TS = Date.now() - 3_600_000;

function anomaly(overrides: Partial<AnomalyEvent> = {}): AnomalyEvent {
  return { deviceId: 'air-his-1', kind: 'air', metric: 'pm25', model: 'ioc-env-v2', score: 9.7, threshold: 6, label: 'sensor_fault', state: 'raised', ts: TS, ...overrides };
}

describe('ingest, the history sink: anomaly events, derived series and reported dead letters from the bus', () => {
  let f: IngestFixture;
  let analytics: MqttClient;
  beforeAll(async () => {
    f = await startIngestFixture();
    await f.device('air-his-1');
    analytics = await f.service();
  });
  afterAll(() => f.close());

  it('stores an anomaly event once though it is delivered twice', async () => {
    await publishAnomalyEvent(analytics, anomaly());
    await publishAnomalyEvent(analytics, anomaly());
    await publishAnomalyEvent(analytics, anomaly({ state: 'cleared', score: 1, ts: TS + 60_000 }));
    await vi.waitFor(async () => expect(await listAnomalyEvents(f.db, { deviceId: 'air-his-1' })).toHaveLength(2), { timeout: 10_000 });
    const stored = await listAnomalyEvents(f.db, { deviceId: 'air-his-1' });
    expect(stored.map((e) => e.state)).toEqual(['cleared', 'raised']);
    expect(stored[1]).toMatchObject(anomaly());
    expect(await f.ingest.health()).toMatchObject({ anomalyEvents: 3, anomaliesWritten: 3 });
  });

  it('turns an invalid anomaly event into a dead letter with its reason', async () => {
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly({ label: 'gremlins' as AnomalyEvent['label'] })), { qos: 1 });
    await analytics.publishAsync(ANOMALIES_TOPIC, 'not json', { qos: 1 });
    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { topic: ANOMALIES_TOPIC })).toHaveLength(2), { timeout: 10_000 });
    const letters = await listDeadLetters(f.db, { topic: ANOMALIES_TOPIC });
    expect(letters.map((l) => [l.deviceId, l.reason])).toEqual([
      [null, expect.stringMatching(/^malformed JSON: /)],
      ['air-his-1', expect.stringMatching(/^"label" must be one of /)],
    ]);
  });

  it('stores derived series as telemetry of the device, and refuses what is not one', async () => {
    await publishDerivedTelemetry(analytics, 'air-his-1', { ts: TS, metrics: { pm25_anomaly: 0.25, rh_anomaly: 0.5 } });
    await vi.waitFor(async () => expect(await f.telemetry.range({ deviceId: 'air-his-1', metric: 'pm25_anomaly', from: TS, to: TS + 1 })).toEqual([{ ts: TS, value: 0.25 }]), {
      timeout: 10_000,
    });
    expect(await f.telemetry.range({ deviceId: 'air-his-1', metric: 'rh_anomaly', from: TS, to: TS + 1 })).toEqual([{ ts: TS, value: 0.5 }]);

    await analytics.publishAsync(derivedTelemetryTopic('air-his-1'), JSON.stringify({ ts: TS, metrics: { pm25: 0.3 } }), { qos: 1 });
    await analytics.publishAsync(derivedTelemetryTopic('air-his-1'), JSON.stringify({ ts: TS, metrics: { pm25_anomaly: 2 } }), { qos: 1 });
    await publishDerivedTelemetry(analytics, 'ghost-his', { ts: TS, metrics: { pm25_anomaly: 0.1 } });
    const refused = () => listDeadLetters(f.db, { topic: derivedTelemetryTopic('air-his-1') });
    await vi.waitFor(async () => expect(await refused()).toHaveLength(2), { timeout: 10_000 });
    expect((await refused()).map((l) => l.reason)).toEqual([
      '"metrics.pm25_anomaly" must be <= 1',
      '"metrics.pm25" is not a derived series (<name>_anomaly)',
    ]);
    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { deviceId: 'ghost-his' })).toMatchObject([{ reason: 'unknown device "ghost-his"' }]), { timeout: 10_000 });
  });

  it("stores the dead letters a service reports, and refuses a report that is not one", async () => {
    await publishDeadLetter(analytics, { deviceId: null, topic: 'frigate/events', payload: '{"type":', reason: 'malformed JSON: cut short', ts: TS });
    await analytics.publishAsync(DEAD_LETTERS_TOPIC, JSON.stringify({ topic: 'frigate/events' }), { qos: 1 });
    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { topic: 'frigate/events' })).toMatchObject([{ payload: '{"type":', reason: 'malformed JSON: cut short', ts: TS }]), {
      timeout: 10_000,
    });
    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { topic: DEAD_LETTERS_TOPIC })).toMatchObject([{ reason: '"deviceId" is required' }]), { timeout: 10_000 });
  });

  it('stores the events published while it was away (persistent session)', async () => {
    await f.restartIngest(() => publishAnomalyEvent(analytics, anomaly({ deviceId: 'water-his-3', kind: 'water', metric: 'level_cm', label: 'episode', ts: TS + 5000 })));
    await vi.waitFor(async () => expect(await listAnomalyEvents(f.db, { deviceId: 'water-his-3' })).toHaveLength(1), { timeout: 10_000 });
  });
});
