import { describe, expect, it } from 'vitest';
import { MAX_FUTURE_MS, MAX_PAST_MS, decodeTelemetry, type DecodeResult } from '@ioc/core';

const NOW = Date.UTC(2025, 6, 1, 3, 0, 0);

function decode(payload: string | Buffer, kind: 'air' | 'water' | 'speaker' = 'air'): DecodeResult {
  return decodeTelemetry('air-01', kind, payload, NOW);
}

function reason(payload: string, kind?: 'air' | 'water' | 'speaker'): string {
  const result = decode(payload, kind);
  if (result.ok) throw new Error(`expected ${payload} to be refused`);
  return result.reason;
}

describe('decodeTelemetry', () => {
  it('turns a valid payload into one point per metric at its ts', () => {
    const ts = NOW - 1000;
    expect(decode(Buffer.from(JSON.stringify({ ts, metrics: { pm25: 35.2, temp_c: -3, battery_v: 3.7 } })))).toEqual({
      ok: true,
      ts,
      points: [
        { deviceId: 'air-01', metric: 'pm25', ts, value: 35.2 },
        { deviceId: 'air-01', metric: 'temp_c', ts, value: -3 },
        { deviceId: 'air-01', metric: 'battery_v', ts, value: 3.7 },
      ],
    });
  });

  it('uses the receive time when ts is absent, and accepts the range limits themselves', () => {
    expect(decode('{"metrics":{"level_cm":-500,"rain_mm":0}}', 'water')).toMatchObject({ ok: true, ts: NOW });
    expect(decode('{"metrics":{"rh":100,"pm25":0}}').ok).toBe(true);
    expect(decode(JSON.stringify({ ts: NOW + MAX_FUTURE_MS, metrics: { rh: 1 } })).ok).toBe(true);
    expect(decode(JSON.stringify({ ts: NOW - MAX_PAST_MS, metrics: { rh: 1 } })).ok).toBe(true);
  });

  it.each([
    ['malformed JSON', '{"metrics": {', /^malformed JSON: /],
    ['not JSON at all', 'pm25=3', /^malformed JSON: /],
    ['null', 'null', /must be a JSON object .* or a SenML array/],
    ['a number', '42', /must be a JSON object/],
    ['an empty payload', '', /^malformed JSON/],
    ['no metrics', '{}', /"metrics" must be an object/],
    ['metrics as an array', '{"metrics": [1, 2]}', /"metrics" must be an object/],
    ['empty metrics', '{"metrics": {}}', /"metrics" is empty/],
    ['an unknown metric', '{"metrics": {"pm25": 3, "radiation": 1}}', /unknown metric "radiation" for a air device/],
    ['a metric of another kind', '{"metrics": {"volume": 3}}', /unknown metric "volume"/],
    ['a value above range', '{"metrics": {"rh": 100.5}}', /"rh" = 100.5 is outside 0..100 %/],
    ['a value below range', '{"metrics": {"pm25": -1}}', /"pm25" = -1 is outside 0..1000/],
    ['a string value', '{"metrics": {"pm25": "35"}}', /"pm25" must be a finite number/],
    ['a null value', '{"metrics": {"pm25": null}}', /"pm25" must be a finite number/],
    ['a boolean value', '{"metrics": {"pm25": true}}', /"pm25" must be a finite number/],
    ['ts as a string', '{"ts": "2025-07-01T03:00:00Z", "metrics": {"pm25": 1}}', /"ts" must be an integer epoch in milliseconds/],
    ['a fractional ts', `{"ts": ${NOW}.5, "metrics": {"pm25": 1}}`, /"ts" must be an integer/],
    ['ts in the future', JSON.stringify({ ts: NOW + MAX_FUTURE_MS + 1, metrics: { pm25: 1 } }), /too far in the future/],
    ['ts in the past', JSON.stringify({ ts: NOW - MAX_PAST_MS - 1, metrics: { pm25: 1 } }), /too far in the past/],
    ['ts in seconds', JSON.stringify({ ts: Math.floor(NOW / 1000), metrics: { pm25: 1 } }), /too far in the past/],
    ['ts 1e300 (an integer no Date holds)', '{"ts": 1e300, "metrics": {"pm25": 1}}', /"ts" must be an integer epoch in milliseconds/],
    ['ts past the Date range', '{"ts": 8640000000000001, "metrics": {"pm25": 1}}', /"ts" must be an integer epoch in milliseconds/],
    ['ts -1e300', '{"ts": -1e300, "metrics": {"pm25": 1}}', /"ts" must be an integer epoch in milliseconds/],
    ['an extra field', '{"metrics": {"pm25": 1}, "unit": "ug"}', /unknown field "unit"/],
  ])('refuses %s with a reason', (_case, payload, expected) => {
    expect(reason(payload)).toMatch(expected);
  });

  it('never throws on arbitrary bytes', () => {
    expect(decode(Buffer.from([0xff, 0xfe, 0x00, 0x7b])).ok).toBe(false);
  });
});
