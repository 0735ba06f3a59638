import { describe, expect, it } from 'vitest';
import { createDailyRange } from '@ioc/analytics';

const HOUR = 3600_000;
const STEP = 2 * 60_000;

describe('daily range', () => {
  it('measures a rise against the highest of the last day: a tide stays inside, a flood rises above it', () => {
    const range = createDailyRange();
    // A gauge with a 12.42-hour tide of ±10 cm, one value per 2-minute step, for two days.
    const tide = (ts: number) => 100 + 10 * Math.sin((2 * Math.PI * ts) / (12.42 * HOUR));
    let highest = Number.NEGATIVE_INFINITY;
    for (let ts = 0; ts < 48 * HOUR; ts += STEP) {
      const above = range.push('water-1/level_cm', ts, tide(ts));
      if (ts < 2 * HOUR) expect(above).toBeUndefined();
      else if (ts >= 24 * HOUR) highest = Math.max(highest, above!);
    }
    expect(highest).toBeLessThan(0.05);
    // Then a flood: 30 cm above the tide within 40 minutes, more than half the day's range (20 cm) above its highest.
    let above = 0;
    for (let ts = 48 * HOUR; ts <= 48 * HOUR + 40 * 60_000; ts += STEP) above = range.push('water-1/level_cm', ts, tide(ts) + (30 * (ts - 48 * HOUR)) / (40 * 60_000))!;
    expect(above).toBeGreaterThan(0.5);
    // Streams are kept apart.
    expect(range.push('water-2/level_cm', 50 * HOUR, 500)).toBeUndefined();
  });

  it('forgets what is older than a day', () => {
    const range = createDailyRange({ spanMs: 24 * HOUR, recentMs: HOUR, minHistoryMs: 2 * HOUR });
    for (let ts = 0; ts < 6 * HOUR; ts += STEP) range.push('s', ts, ts < HOUR ? 50 : 10 + (ts % (2 * STEP) ? 1 : 0));
    expect(range.push('s', 6 * HOUR, 20)).toBeLessThan(0);
    // A day later the early 50 is forgotten: 20 is now far above the day's highest (11).
    for (let ts = 6 * HOUR; ts < 31 * HOUR; ts += STEP) range.push('s', ts, 10 + (ts % (2 * STEP) ? 1 : 0));
    expect(range.push('s', 31 * HOUR, 20)).toBeGreaterThan(5);
  });
});
