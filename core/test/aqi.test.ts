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
});
