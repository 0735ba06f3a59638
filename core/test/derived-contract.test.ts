import { describe, expect, it } from 'vitest';
import {
  ALL_DERIVED_TELEMETRY_TOPIC,
  decodeBusDeadLetter,
  decodeDerivedTelemetry,
  derivedTelemetryTopic,
  parseDerivedTelemetryTopic,
} from '@ioc/core/contracts';

describe('contracts: what services derive, for the history sink', () => {
  it('names the derived topic of a device and reads the device back from it', () => {
    expect(derivedTelemetryTopic('air-01')).toBe('ioc/v1/derived/air-01/telemetry');
    expect(ALL_DERIVED_TELEMETRY_TOPIC).toBe('ioc/v1/derived/+/telemetry');
    expect(parseDerivedTelemetryTopic('ioc/v1/derived/air-01/telemetry')).toBe('air-01');
    expect(parseDerivedTelemetryTopic('ioc/v1/devices/air-01/telemetry')).toBeUndefined();
    expect(parseDerivedTelemetryTopic('ioc/v1/derived/a/b/telemetry')).toBeUndefined();
  });

  it('takes likelihoods named <name>_anomaly, 0…1, and names the field it refuses', () => {
    expect(decodeDerivedTelemetry('{"ts":1767225600000,"metrics":{"pm25_anomaly":0.25,"camera_health_anomaly":1}}')).toEqual({
      ok: true,
      value: { ts: 1767225600000, metrics: { pm25_anomaly: 0.25, camera_health_anomaly: 1 } },
    });
    const reason = (text: string) => {
      const decoded = decodeDerivedTelemetry(text);
      return decoded.ok ? undefined : decoded.reason;
    };
    expect(reason('{"ts":1,"metrics":{"pm25":0.5}}')).toBe('"metrics.pm25" is not a derived series (<name>_anomaly)');
    expect(reason('{"ts":1,"metrics":{"pm25_anomaly":1.5}}')).toBe('"metrics.pm25_anomaly" must be <= 1');
    expect(reason('{"ts":1.5,"metrics":{"pm25_anomaly":0}}')).toMatch(/^"ts" /);
    expect(reason('{"ts":1,"metrics":{}}')).toMatch(/^"metrics" /);
    expect(reason('{"metrics":{"pm25_anomaly":0}}')).toBe('"ts" is required');
    expect(reason('{"ts":1')).toMatch(/^malformed JSON: /);
  });

  it("takes a service's dead letter with a device or none, and refuses one without its reason", () => {
    const letter = { deviceId: null, topic: 'frigate/events', payload: '{"type":', reason: 'malformed JSON', ts: 5 };
    expect(decodeBusDeadLetter(JSON.stringify(letter))).toEqual({ ok: true, value: letter });
    expect(decodeBusDeadLetter(JSON.stringify({ ...letter, deviceId: 'cam-1' })).ok).toBe(true);
    expect(decodeBusDeadLetter(JSON.stringify({ ...letter, reason: undefined }))).toEqual({ ok: false, reason: '"reason" is required' });
  });
});
