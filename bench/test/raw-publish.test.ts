import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { publishPacket } from '../gateway/raw.ts';
import { airPayload } from '../ingest/protocol.ts';

describe('the load generators’ hand-encoded PUBLISH', () => {
  const topic = 'ioc/v1/devices/bench-air-00001/telemetry';

  it.each([
    [0, 3],
    [1, 10],
    [1, 100],
    [0, 200],
    [1, 20_000],
  ] as const)('is byte for byte what mqtt-packet generates (QoS %i, %i-byte payload)', (qos, length) => {
    const payload = 'x'.repeat(length);
    const expected = mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: 4242, retain: false, dup: false });
    expect(publishPacket(Buffer.from(topic), qos, 4242, payload)).toEqual(expected);
    expect(publishPacket(Buffer.from(topic), qos, 4242, Buffer.from(payload))).toEqual(expected);
  });

  it('carries the air payload the ingest bench describes', () => {
    expect(JSON.parse(airPayload(5, 7))).toEqual({ ts: 5, metrics: { pm25: 17, pm10: 37, no2: 27, temp_c: 28.5, rh: 75 } });
  });
});
