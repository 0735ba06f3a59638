import { describe, expect, it } from 'vitest';
import { createConsensus, createHysteresis, createStreamSteps, createStuckWatch, DEFAULT_CONSENSUS, DEFAULT_HYSTERESIS, DEFAULT_STUCK } from '@ioc/analytics';

/**
 * A station is judged the same whether it reports every 10 s or every 2 minutes: the warm-ups, the stuck run and the
 * time an alarm takes to clear are spans of time, not counts of readings (at 10-s reports a count is 12× shorter).
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const INTERVALS = [10_000, 120_000];

/** The first report time at or after `ts` where `happens(t)` holds, at this interval (undefined if none by `until`). */
function firstAt(intervalMs: number, until: number, happens: (ts: number) => boolean): number | undefined {
  for (let ts = 0; ts <= until; ts += intervalMs) if (happens(ts)) return ts;
  return undefined;
}

describe('the station judgement at any report interval', () => {
  it('judges a stream as one mean value per 2 minutes, however often it reports', () => {
    const level = (ts: number) => 100 + 10 * Math.sin((2 * Math.PI * ts) / (12.4 * HOUR));
    const stepped = (intervalMs: number) => {
      const steps = createStreamSteps();
      const values: number[] = [];
      for (let ts = 0; ts < 24 * HOUR; ts += intervalMs) {
        const step = steps.add('water-1/level_cm', ts, level(ts));
        if (step) values.push(step.value);
      }
      return values;
    };
    const often = stepped(10_000);
    const seldom = stepped(120_000);
    expect(often).toHaveLength(24 * 30 - 1);
    expect(seldom).toHaveLength(often.length);
    for (let i = 0; i < often.length; i++) expect(Math.abs(often[i]! - seldom[i]!)).toBeLessThan(0.1);
  });

  it('calls a stream stuck after the same time (twice its longest normal run, at least 10 minutes, after 12 h of watching)', () => {
    const stuckAt = (intervalMs: number, from: number) => {
      const stuck = createStuckWatch(DEFAULT_STUCK);
      // A water level that holds still for 6 minutes every 2 hours (a calm lagoon), otherwise moves every reading.
      const level = (ts: number) => (ts >= from ? 123.4 : ts % (2 * HOUR) < 6 * MINUTE ? 100 : 100 + ts / 1e6);
      return firstAt(intervalMs, Math.max(from, DEFAULT_STUCK.warmupMs) + HOUR, (ts) => stuck.push('water-1/level_cm', ts, level(ts)));
    };
    for (const interval of INTERVALS) {
      // Stuck at 20 h: called after twice the 6-minute runs it has shown, give or take a reading at each end.
      const late = stuckAt(interval, 20 * HOUR + 1000)!;
      expect(late).toBeGreaterThan(20 * HOUR + 12 * MINUTE);
      expect(late).toBeLessThanOrEqual(20 * HOUR + 12 * MINUTE + 2 * interval + 1000);
      // Stuck at 2 h: not called before the stream has been watched for 12 hours.
      const early = stuckAt(interval, 2 * HOUR + 1000)!;
      expect(early).toBeGreaterThanOrEqual(DEFAULT_STUCK.warmupMs);
      expect(early).toBeLessThan(DEFAULT_STUCK.warmupMs + interval);
    }
  });

  it('scores a stream\'s departures from its neighbours once it has been learned for the same time', () => {
    const scoredFrom = (intervalMs: number) => {
      const consensus = createConsensus(DEFAULT_CONSENSUS);
      const places: Record<string, [number, number]> = { a: [16.46, 107.59], b: [16.465, 107.595], c: [16.47, 107.6] };
      for (const [id, [lat, lon]] of Object.entries(places)) consensus.place(id, 'air', { lat, lon });
      return firstAt(intervalMs, 12 * HOUR, (ts) => {
        for (const id of Object.keys(places)) consensus.update(id, 'pm25', ts, id === 'a' ? 0.1 * ((ts / intervalMs) % 3) : 0);
        return consensus.evaluate('a', 'pm25', ts)!.rz !== 0;
      });
    };
    for (const interval of INTERVALS) {
      const at = scoredFrom(interval)!;
      expect(at).toBeGreaterThanOrEqual(DEFAULT_CONSENSUS.warmupMs);
      expect(at).toBeLessThan(DEFAULT_CONSENSUS.warmupMs + 3 * interval);
    }
  });

  it('clears a station alarm after the same quiet time', () => {
    const clearedAt = (intervalMs: number) => {
      const hysteresis = createHysteresis(DEFAULT_HYSTERESIS);
      const alarming = (ts: number) => ts < 20 * MINUTE || (ts >= 40 * MINUTE && ts < 45 * MINUTE);
      return firstAt(intervalMs, 4 * HOUR, (ts) => hysteresis.update('air-1', alarming(ts), alarming(ts) ? 1 : 0, ts) === 'cleared');
    };
    for (const interval of INTERVALS) {
      const at = clearedAt(interval)!;
      // The last alarming judgement is the last reading before 45 minutes.
      expect(at).toBeGreaterThanOrEqual(45 * MINUTE - interval + DEFAULT_HYSTERESIS.clearAfterMs!);
      expect(at).toBeLessThan(45 * MINUTE + DEFAULT_HYSTERESIS.clearAfterMs! + interval);
    }
  });

  it('still clears a camera alarm after a number of checks (no time given)', () => {
    const hysteresis = createHysteresis({ clearBelow: 0.5, clearAfter: 2 });
    expect(hysteresis.update('cam/covered_lens', true, 0.9)).toBe('raised');
    expect(hysteresis.update('cam/covered_lens', false, 0.1)).toBeUndefined();
    expect(hysteresis.update('cam/covered_lens', false, 0.6)).toBeUndefined();
    expect(hysteresis.update('cam/covered_lens', false, 0.1)).toBeUndefined();
    expect(hysteresis.update('cam/covered_lens', false, 0.1)).toBe('cleared');
  });
});
