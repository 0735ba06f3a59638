import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS } from '@ioc/core';
import { airReading, hueAirFleet, localHour } from '@ioc/device-sim';

const fleet = hueAirFleet();
const HOUR = 3_600_000;
/** 2026-03-02 00:00 in Huế (UTC+7). */
const MIDNIGHT = Date.UTC(2026, 2, 1, 17, 0, 0);

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Mean of one metric over the fleet at a local hour, over a week of days. */
function fleetMean(metric: 'pm25' | 'pm10' | 'temp_c' | 'rh', hour: number): number {
  const values: number[] = [];
  for (let day = 0; day < 7; day++) {
    for (const device of fleet) values.push(airReading(device, MIDNIGHT + day * 24 * HOUR + hour * HOUR)[metric]);
  }
  return mean(values);
}

describe('airReading', () => {
  it('uses Huế local time', () => {
    expect(localHour(MIDNIGHT)).toBe(0);
    expect(localHour(MIDNIGHT + 7.5 * HOUR)).toBe(7.5);
  });

  it('stays within the catalogue ranges and plausible bounds for Huế, with PM10 above PM2.5', () => {
    const specs = DEVICE_KINDS.air.metrics;
    for (let step = 0; step < 14 * 24; step++) {
      const ts = MIDNIGHT + step * HOUR + 17_000;
      for (const device of fleet) {
        const reading = airReading(device, ts);
        for (const [metric, value] of Object.entries(reading)) {
          const spec = specs[metric as keyof typeof specs];
          expect(value, `${device.id} ${metric}`).toBeGreaterThanOrEqual(spec.min);
          expect(value, `${device.id} ${metric}`).toBeLessThanOrEqual(spec.max);
        }
        expect(reading.pm10).toBeGreaterThan(reading.pm25);
        expect(reading.pm25).toBeLessThan(150);
        expect(reading.temp_c).toBeGreaterThan(18);
        expect(reading.temp_c).toBeLessThan(38);
        expect(reading.rh).toBeGreaterThanOrEqual(35);
        expect(reading.rh).toBeLessThanOrEqual(99);
      }
    }
  });

  it('follows a daily cycle: warm dry afternoons, cool humid nights, traffic peaks morning and evening', () => {
    expect(fleetMean('temp_c', 14)).toBeGreaterThan(fleetMean('temp_c', 4) + 6);
    expect(fleetMean('temp_c', 14)).toBeGreaterThan(30);
    expect(fleetMean('temp_c', 4)).toBeLessThan(26);
    expect(fleetMean('rh', 4)).toBeGreaterThan(fleetMean('rh', 14) + 15);
    expect(fleetMean('pm25', 7.5)).toBeGreaterThan(fleetMean('pm25', 13) * 1.5);
    expect(fleetMean('pm25', 18.5)).toBeGreaterThan(fleetMean('pm25', 13) * 1.5);
  });

  it('is deterministic, and neighbouring stations move together', () => {
    const ts = MIDNIGHT + 9 * HOUR;
    expect(fleet.map((d) => airReading(d, ts))).toEqual(fleet.map((d) => airReading(d, ts)));

    const distance = (a: (typeof fleet)[0], b: (typeof fleet)[0]) => Math.hypot(a.lat - b.lat, a.lon - b.lon);
    const series = (device: (typeof fleet)[0]) =>
      Array.from({ length: 24 * 14 }, (_, i) => airReading(device, MIDNIGHT + i * HOUR).pm25);
    const correlation = (x: number[], y: number[]) => {
      const mx = mean(x);
      const my = mean(y);
      const cov = mean(x.map((v, i) => (v - mx) * (y[i]! - my)));
      return cov / Math.sqrt(mean(x.map((v) => (v - mx) ** 2)) * mean(y.map((v) => (v - my) ** 2)));
    };
    const pairs = fleet.flatMap((a, i) => fleet.slice(i + 1).map((b) => ({ a, b, d: distance(a, b) })));
    pairs.sort((p, q) => p.d - q.d);
    const near = pairs.slice(0, 10).map((p) => correlation(series(p.a), series(p.b)));
    expect(mean(near)).toBeGreaterThan(0.8);
  });
});
