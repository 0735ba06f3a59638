import { describe, expect, it } from 'vitest';
import { DEVICE_KINDS } from '@ioc/core';
import {
  baseEnvironment,
  batteryVoltage,
  buildFleet,
  cameraReading,
  DEFAULT_INTERVALS_MS,
  noiseReading,
  waterReading,
  airReading,
  showerRain,
  type Environment,
  type SimDevice,
} from '@ioc/device-sim';

const HOUR = 3_600_000;
/** 2026-03-02 00:00 in Huế (UTC+7), a Monday. */
const MIDNIGHT = Date.UTC(2026, 2, 1, 17, 0, 0);
const fleet = buildFleet({ name: 't', seed: 3, perArea: { air: 1, noise: 1, water: 1, camera: 1 }, intervalsMs: DEFAULT_INTERVALS_MS });
const ofKind = (kind: SimDevice['kind']) => fleet.filter((d) => d.kind === kind);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The everyday environment with a steady rain of `mm` per hour from `from` to `to`. */
function rainy(mm: number, from: number, to: number): Environment {
  const base = baseEnvironment(0, MIDNIGHT);
  return { ...base, rainMmH: (device, ts) => base.rainMmH(device, ts) + (ts >= from && ts < to ? mm : 0) };
}

describe('sensor models', () => {
  it('keep every kind within the catalogue ranges over two weeks', () => {
    const env = baseEnvironment(0, MIDNIGHT);
    for (let step = 0; step < 14 * 24; step += 5) {
      const ts = MIDNIGHT + step * HOUR;
      for (const device of fleet) {
        const reading: Record<string, number> =
          device.kind === 'air' ? { ...airReading(device, ts, env) } : device.kind === 'water' ? { ...waterReading(device, ts, env) } : device.kind === 'noise' ? noiseReading(device, ts, env) : cameraReading(device, ts, env);
        const specs: Record<string, { min: number; max: number }> = DEVICE_KINDS[device.kind].metrics;
        for (const [metric, value] of Object.entries(reading)) {
          expect(specs[metric], `${device.kind} ${metric}`).toBeDefined();
          expect(value, `${device.id} ${metric}`).toBeGreaterThanOrEqual(specs[metric]!.min);
          expect(value, `${device.id} ${metric}`).toBeLessThanOrEqual(specs[metric]!.max);
        }
      }
    }
  });

  it('air: rain washes particulates out; weekend mornings are cleaner than weekday ones; ozone is a daytime gas', () => {
    const air = ofKind('air');
    const at = MIDNIGHT + 10 * HOUR;
    const dry = mean(air.map((d) => airReading(d, at, rainy(0, 0, 0)).pm25));
    const wet = mean(air.map((d) => airReading(d, at, rainy(20, at - HOUR, at + HOUR)).pm25));
    expect(wet).toBeLessThan(dry * 0.5);
    const sunday = MIDNIGHT + 6 * 24 * HOUR + 7.5 * HOUR;
    const weekday = mean([1, 2, 3].map((day) => mean(air.map((d) => airReading(d, MIDNIGHT + day * 24 * HOUR + 7.5 * HOUR).no2))));
    expect(mean(air.map((d) => airReading(d, sunday).no2))).toBeLessThan(weekday);
    expect(mean(air.map((d) => airReading(d, MIDNIGHT + 13 * HOUR).o3))).toBeGreaterThan(2 * mean(air.map((d) => airReading(d, MIDNIGHT + 2 * HOUR).o3)));
  });

  it('water: a long heavy rain makes the level rise for hours and recede after', () => {
    const gauge = ofKind('water')[0]!;
    const env = rainy(40, MIDNIGHT + 2 * HOUR, MIDNIGHT + 8 * HOUR);
    const level = (hours: number) => waterReading(gauge, MIDNIGHT + hours * HOUR, env).level_cm;
    expect(level(4)).toBeGreaterThan(level(1) + 40);
    expect(level(8)).toBeGreaterThan(level(4) + 40);
    expect(level(8)).toBeGreaterThan(level(1) + 150);
    expect(level(30)).toBeLessThan(level(8) - 50);
    expect(waterReading(gauge, MIDNIGHT + 3 * HOUR, env).rain_mm).toBeGreaterThanOrEqual(40);
  });

  it('everyday rain follows Huế\'s seasons: light showers in January, heavy ones in October', () => {
    const gauges = ofKind('water');
    const monthMm = (month: number) => {
      let total = 0;
      for (let ts = Date.UTC(2026, month, 1); ts < Date.UTC(2026, month + 1, 1); ts += HOUR / 4) total += mean(gauges.map((g) => showerRain(g.lat, g.lon, ts))) / 4;
      return total;
    };
    const january = monthMm(0);
    const october = monthMm(9);
    // About the monthly normals (≈ 160 mm in January, ≈ 800 mm in October).
    expect(january).toBeGreaterThan(100);
    expect(january).toBeLessThan(250);
    expect(october).toBeGreaterThan(3 * january);
    // A January shower peaks at a few mm/h: it lifts a river a few centimetres, not like a flood.
    let peak = 0;
    for (let ts = Date.UTC(2026, 0, 10); ts < Date.UTC(2026, 0, 20); ts += HOUR / 4) for (const g of gauges) peak = Math.max(peak, showerRain(g.lat, g.lon, ts));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThan(6);
  });

  it('noise: busy days, quiet nights, louder wards', () => {
    const meters = ofKind('noise');
    const day = mean(meters.map((d) => noiseReading(d, MIDNIGHT + 11 * HOUR).laeq_db));
    const night = mean(meters.map((d) => noiseReading(d, MIDNIGHT + 2 * HOUR).laeq_db));
    expect(day).toBeGreaterThan(night + 8);
    expect(night).toBeGreaterThan(30);
    expect(day).toBeLessThan(80);
  });

  it('batteries drain from the start of the run', () => {
    const env = baseEnvironment(0, MIDNIGHT);
    for (const device of ofKind('air')) {
      const start = batteryVoltage(device, MIDNIGHT, env);
      expect(start).toBeGreaterThanOrEqual(4.1);
      expect(batteryVoltage(device, MIDNIGHT + 10 * 24 * HOUR, env)).toBeLessThan(start);
    }
  });

  it('cameras: tampering shows in the bitrate, a lost signal has no frames', () => {
    const env = baseEnvironment(0, MIDNIGHT);
    const camera = ofKind('camera')[0]!;
    const noon = MIDNIGHT + 12 * HOUR;
    const normal = cameraReading(camera, noon, env).bitrate_kbps;
    expect(cameraReading(camera, noon, env, 'covered_lens').bitrate_kbps).toBeLessThan(normal / 5);
    expect(cameraReading(camera, noon, env, 'defocus').bitrate_kbps).toBeLessThan(normal / 1.5);
    expect(cameraReading(camera, noon, env, 'overexposed').bitrate_kbps).toBeLessThan(normal / 2);
    expect(cameraReading(camera, noon, env, 'underexposed').bitrate_kbps).toBeLessThan(normal / 2);
    expect(cameraReading(camera, noon, env, 'lost_signal')).toEqual({ fps: 0, bitrate_kbps: 0 });
  });
});
