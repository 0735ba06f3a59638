import { describe, expect, it } from 'vitest';
import { aqiSubIndex, dailyAqi, hourlyAqi, nowcast } from '@ioc/core';

describe('VN_AQI (Decision 1459/QĐ-TCMT)', () => {
  it('interpolates sub-indices between the breakpoints and caps them at 500', () => {
    expect(aqiSubIndex('pm25', 0)).toBe(0);
    expect(aqiSubIndex('pm25', 25)).toBe(50);
    expect(aqiSubIndex('pm25', 35)).toBe(70);
    expect(aqiSubIndex('pm10', 100)).toBe(75);
    expect(aqiSubIndex('no2', 150)).toBe(75);
    expect(aqiSubIndex('o3', 250)).toBe(125);
    expect(aqiSubIndex('co', 20000)).toBe(75);
    expect(aqiSubIndex('pm25', 800)).toBe(500);
  });

  it('computes NowCast with the weight min/max (at least ½), and needs two of the three latest hours', () => {
    expect(nowcast([35, 35, 35])).toBe(35);
    // min/max = 0.5 → w = ½: (40 + 20·½) / 1.5
    expect(nowcast([40, 20])).toBeCloseTo(33.33, 2);
    // min/max = 0.8: (50 + 40·0.8) / 1.8
    expect(nowcast([50, 40])).toBeCloseTo(45.56, 2);
    expect(nowcast([undefined, undefined, 30, 30])).toBeUndefined();
    expect(nowcast([30, undefined, 30])).toBe(30);
  });

  it('gives the hourly index as the highest sub-index, only with PM2.5 or PM10', () => {
    expect(hourlyAqi({ pm25: [35, 35, 35], no2: [150] })).toBe(75);
    expect(hourlyAqi({ pm25: [35, 35, 35], no2: [50], o3: [100] })).toBe(70);
    expect(hourlyAqi({ no2: [150], o3: [100] })).toBeUndefined();
  });

  it('gives the daily index from 24-hour PM means, the highest hourly gases and O₃ 1-hour or 8-hour', () => {
    const day = (value: number) => Array.from({ length: 24 }, () => value);
    expect(dailyAqi({ pm25: day(35), no2: day(50) })).toBe(70);
    // 8-hour O₃ of 150 µg/m³ → 130, above its 1-hour sub-index (47).
    expect(dailyAqi({ pm10: day(20), o3: day(150) })).toBe(130);
    expect(dailyAqi({ pm25: [...day(10).slice(0, 12), ...day(60).slice(0, 12)] })).toBe(70);
    expect(dailyAqi({ o3: day(150) })).toBeUndefined();
  });

  // The worked examples of the Decision (§2.3) and its 8-hour O₃ table (§2.2.2 a).
  it('reproduces the NowCast and the sub-indices of the Decision\'s hourly example', () => {
    // PM2.5 from 09:00 to 20:00, given newest first.
    const pm25 = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6].reverse();
    expect(nowcast(pm25)).toBeCloseTo(20.3, 1);
    expect(Math.round(aqiSubIndex('o3', 136.1))).toBe(43);
    expect(Math.round(aqiSubIndex('pm25', 20.3))).toBe(41);
    // 50 + 0.5 × 18.7 = 59.35: the Decision prints 60, which no single rounding rule gives for all its examples.
    expect(aqiSubIndex('no2', 118.7)).toBeCloseTo(59.35, 2);
    expect(hourlyAqi({ pm25, o3: [136.1], no2: [118.7] })).toBe(59);
  });

  it('reproduces the Decision\'s daily example (AQI 110)', () => {
    const day = (value: number) => Array.from({ length: 24 }, () => value);
    expect(Math.round(aqiSubIndex('pm25', 55.7))).toBe(110);
    expect(dailyAqi({ pm25: day(55.7), no2: [...day(50).slice(1), 130.8], o3: day(20) })).toBe(110);
  });

  it('takes the highest of the day\'s 24 eight-hour O₃ means, the first ones reaching into the day before', () => {
    // The Decision's table: 18:00 to 00:00 of the day before, then the day's hours 01:00 … 00:00; highest 8-hour mean 74.4.
    const before = [15.7, 14.2, 17.7, 18.9, 19.3, 15.7, 19.7];
    const o3 = [22.6, 27.1, 29.0, 31.9, 25.3, 34.7, 35.2, 41.6, 45.7, 49.2, 55.8, 69.6, 78.3, 91.5, 97.7, 81.2, 71.8, 43.5, 34.3, 21.5, 20.5, 19.4, 20.4, 21.3];
    const pm10 = Array.from({ length: 24 }, () => 10);
    expect(dailyAqi({ pm10, o3 }, before)).toBe(Math.round(74.4 * 0.5));
    // An ozone peak the evening before: the 8-hour mean ending at 01:00 is 200 µg/m³ (sub-index 187.5), though the
    // day's own hours are clean after its first.
    const peak = [200, ...Array.from({ length: 23 }, () => 0)];
    expect(dailyAqi({ pm10, o3: peak }, Array.from({ length: 7 }, () => 200))).toBe(188);
    expect(dailyAqi({ pm10, o3: peak })).toBe(100);
  });
});
