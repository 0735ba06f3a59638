import { describe, expect, it } from 'vitest';
import { MAX_FUTURE_MS, decodeTelemetry, type DecodeResult } from '@ioc/core';

const NOW = Date.UTC(2025, 6, 1, 3, 0, 0);
const NOW_S = NOW / 1000;

function decode(pack: unknown, kind: 'air' | 'water' | 'speaker' | 'noise' = 'air'): DecodeResult {
  return decodeTelemetry('dev-1', kind, JSON.stringify(pack), NOW);
}

function points(pack: unknown, kind?: 'air' | 'water' | 'speaker' | 'noise') {
  const result = decode(pack, kind);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.points.map(({ metric, ts, value }) => ({ metric, ts, value }));
}

function reason(pack: unknown, kind?: 'air' | 'water' | 'speaker' | 'noise'): string {
  const result = decode(pack, kind);
  if (result.ok) throw new Error(`expected ${JSON.stringify(pack)} to be refused`);
  return result.reason;
}

describe('decodeTelemetry with SenML (RFC 8428)', () => {
  it('resolves base name, base time, base unit and base value over the records', () => {
    const pack = [
      { bn: 'urn:dev:mac:0024befffe804ff1:', bt: NOW_S - 60, bu: 'ug/m3', bver: 10, n: 'pm25', v: 35.5 },
      { n: 'pm10', v: 51, t: 1 },
      { n: 'temp_c', u: 'Cel', v: 29.5, t: 1.5 },
    ];
    expect(points(pack)).toEqual([
      { metric: 'pm25', ts: NOW - 60_000, value: 35.5 },
      { metric: 'pm10', ts: NOW - 59_000, value: 51 },
      { metric: 'temp_c', ts: NOW - 58_500, value: 29.5 },
    ]);
    expect(decode(pack)).toMatchObject({ ok: true, ts: NOW - 58_500 });
    expect(points([{ bn: 'air-01/', bv: 10, n: 'rh', v: 5, t: NOW_S }])).toEqual([{ metric: 'rh', ts: NOW, value: 15 }]);
  });

  it('takes times below 2^28 s as relative to the receive time, and no time as the receive time', () => {
    expect(points([{ n: 'pm25', v: 1 }, { n: 'pm10', v: 2, t: -30 }, { bt: -10, n: 'rh', v: 50, t: 5 }])).toEqual([
      { metric: 'pm25', ts: NOW, value: 1 },
      { metric: 'pm10', ts: NOW - 30_000, value: 2 },
      { metric: 'rh', ts: NOW - 5_000, value: 50 },
    ]);
  });

  it('normalises units to the catalogue: K, mV, ppm/ppb, m/mm, Bspl, bit/s, dBW, ratios', () => {
    const air = points([
      { n: 'temp_c', u: 'K', v: 300.15 },
      { n: 'battery_v', u: 'mV', v: 3700 },
      { n: 'co', u: 'ppm', v: 1 },
      { n: 'no2', u: 'ppb', v: 100 },
      { n: 'rh', u: '%RH', v: 70 },
    ]);
    expect(air.map((p) => [p.metric, Number(p.value.toFixed(2))])).toEqual([
      ['temp_c', 27],
      ['battery_v', 3.7],
      ['co', 1145.61],
      ['no2', 188.16],
      ['rh', 70],
    ]);
    expect(points([{ n: 'level_cm', u: 'm', v: 1.25 }, { n: 'rain_mm', u: 'm', v: 0.004 }], 'water').map((p) => p.value)).toEqual([125, 4]);
    expect(points([{ n: 'laeq_db', u: 'Bspl', v: 6.5 }], 'noise')[0]?.value).toBe(65);
    expect(
      points([{ n: 'volume', u: '/', v: 0.7 }, { n: 'rssi_dbm', u: 'dBW', v: -100 }, { n: 'playing', vb: true }], 'speaker').map((p) => p.value),
    ).toEqual([70, -70, 1]);
  });

  it.each([
    ['an empty pack', [], /SenML pack is empty/],
    ['a record that is not an object', [3], /record 0 must be an object/],
    ['a record without a value', [{ n: 'pm25', t: 0 }], /record 0: no value/],
    ['a string value', [{ n: 'pm25', vs: 'high' }], /string and data values are not metrics/],
    ['a sum', [{ n: 'pm25', s: 3 }], /sums \("s"\) are not supported/],
    ['a must-understand field', [{ n: 'pm25', v: 1, exp_: 3 }], /must-understand field "exp_"/],
    ['a newer version', [{ bver: 11, n: 'pm25', v: 1 }], /version 11 is not supported/],
    ['a bad name', [{ n: ' pm25', v: 1 }], /name " pm25" is not a valid SenML name/],
    ['a name that ends in a separator', [{ bn: 'air-01/', v: 1 }], /names no metric/],
    ['an unknown metric', [{ n: 'radiation', v: 1 }], /^SenML: unknown metric "radiation" for a air device/],
    ['a unit the metric does not take', [{ n: 'pm25', u: 'Cel', v: 1 }], /unit "Cel" is not accepted for "pm25" \(accepted: ug\/m3, kg\/m3\)/],
    ['a value out of range after conversion', [{ n: 'temp_c', u: 'K', v: 10 }], /"temp_c" = -263.15 is outside -40..70/],
    ['a numeric vb', [{ n: 'pm25', vb: 1 }], /"vb" must be true or false/],
    ['a string v', [{ n: 'pm25', v: '3' }], /"v" must be a number/],
    ['a time too far ahead', [{ n: 'pm25', v: 1, t: NOW_S + MAX_FUTURE_MS / 1000 + 1 }], /time of "pm25" .* too far in the future/],
    ['a time in the distant past', [{ n: 'pm25', v: 1, bt: 1e9 }], /too far in the past/],
    ['a base time of 1e300 s', [{ n: 'pm25', v: 1, bt: 1e300 }], /time of "pm25" 1e\+303 is too far in the future/],
    ['a time of 1e300 s', [{ n: 'pm25', v: 1, t: 1e300 }], /time of "pm25" 1e\+303 is too far in the future/],
    ['base time + time overflowing to Infinity', [{ n: 'pm25', v: 1, bt: 1e308, t: 1e308 }], /time of "pm25" Infinity is too far in the future/],
    ['base time + time overflowing to -Infinity', [{ n: 'pm25', v: 1, bt: -1e308, t: -1e308 }], /time of "pm25" -Infinity is too far in the past/],
  ])('refuses %s with a reason', (_case, pack, expected) => {
    expect(reason(pack)).toMatch(expected);
  });

  it('ignores fields it does not know that are not must-understand, and a record of base fields only', () => {
    expect(points([{ bn: 'air-01/', bu: 'ug/m3' }, { n: 'pm25', v: 4, ut: 60, note: 'x' }])).toEqual([{ metric: 'pm25', ts: NOW, value: 4 }]);
  });

  it('refuses a pack of more than 256 records whole, and takes one of 256', () => {
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ n: 'pm25', v: 1, t: -i }));
    expect(points(records(256))).toHaveLength(256);
    expect(reason(records(257))).toBe('SenML pack of 257 records: at most 256 per message');
    expect(reason(Array.from({ length: 20_000 }, () => ({})))).toMatch(/^SenML pack of 20000 records: at most 256/);
  });
});
