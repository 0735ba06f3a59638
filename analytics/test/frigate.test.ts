import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANOMALIES_TOPIC, createDevice, createMqttAccount, listDeadLetters } from '@ioc/core';
import { createFrigateService, type FrigateService } from '@ioc/analytics';
import { startBusStack, type BusStack } from './stack.ts';

const SESSION = readFileSync(new URL('./fixtures/frigate/session.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { topic: string; payload: string });

describe('the Frigate bridge service', () => {
  let stack: BusStack;
  let frigate: FrigateService;
  const clients: MqttClient[] = [];
  const received: Array<{ topic: string; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    stack = await startBusStack();
    const { logger, db, mqttConnect } = stack;
    frigate = await stack.run(createFrigateService({ logger, db, mqttConnect }));
    const listener = await mqttConnect('frigate-test');
    clients.push(listener);
    listener.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
    await listener.subscribeAsync([ANOMALIES_TOPIC, 'ioc/v1/devices/+/events'], { qos: 1 });
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync();
    await stack?.stop();
  });

  it("turns a Frigate session on its integration account into camera events, alert and lost-signal anomalies, and dead letters", async () => {
    const { db } = stack;
    await createDevice(db, { id: 'cam-dong-ba', kind: 'camera', attributes: { frigate_camera: 'cam_dong_ba' } });
    const { username, token } = await createMqttAccount(db, { name: 'frigate', role: 'integration', topicRoot: 'frigate' });
    const nvr = await mqtt.connectAsync(stack.url, { clientId: username, username, password: token, reconnectPeriod: 0 });
    clients.push(nvr);
    for (const { topic, payload } of SESSION) await nvr.publishAsync(topic, payload, { qos: 1 });

    await vi.waitFor(() => expect(frigate.health()).toMatchObject({ frigateMessages: SESSION.length }), { timeout: 20_000 });
    await vi.waitFor(() => expect(received).toHaveLength(9), { timeout: 20_000 });

    const events = received.filter((r) => r.topic === 'ioc/v1/devices/cam-dong-ba/events').map((r) => r.body);
    expect(events.map((e) => [e.type, e.phase])).toEqual([
      ['frigate.detection', 'new'],
      ['frigate.review', 'new'],
      ['frigate.detection', 'update'],
      ['frigate.detection', 'end'],
      ['frigate.review', 'end'],
    ]);
    expect(events[0]).toEqual({
      type: 'frigate.detection',
      phase: 'new',
      id: '1795430000.100000-abc123',
      label: 'person',
      subLabel: null,
      score: 0.83,
      zones: ['cho_dong_ba'],
      ts: 1795430000100,
      endTs: null,
    });
    expect(events[2]).toMatchObject({ subLabel: 'Bob', score: 0.958984375 });
    expect(events[3]).toMatchObject({ endTs: 1795430031500 });
    expect(events[1]).toMatchObject({ severity: 'alert', objects: ['person'], zones: ['cho_dong_ba'] });

    const anomalies = received.filter((r) => r.topic === ANOMALIES_TOPIC).map((r) => r.body);
    expect(anomalies.map((a) => [a.deviceId, a.label, a.state])).toEqual([
      ['cam-dong-ba', 'frigate_alert', 'raised'],
      ['cam-dong-ba', 'frigate_alert', 'cleared'],
      ['cam-dong-ba', 'lost_signal', 'raised'],
      ['cam-dong-ba', 'lost_signal', 'cleared'],
    ]);
    expect(anomalies[0]).toMatchObject({ kind: 'camera', model: 'frigate', ts: 1795430000050 });

    // Published on ioc/v1/dead-letters and stored by ingest.
    await vi.waitFor(async () => expect(await listDeadLetters(db, { limit: 10 })).toHaveLength(2), { timeout: 10_000 });
    const reasons = (await listDeadLetters(db, { limit: 10 })).map((l) => l.reason).sort();
    expect(reasons[0]).toBe('Frigate camera "cam_unknown" is not an IOC camera device (id or attribute frigate_camera)');
    expect(reasons[1]).toMatch(/^malformed JSON: /);
    expect(frigate.health()).toMatchObject({ status: 'ok', frigateEvents: 5, frigateRefused: 2 });
  });
});
