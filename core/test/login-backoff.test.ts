import { describe, expect, it } from 'vitest';
import { createBackoff, ipOf } from '../src/login-backoff.ts';

function manualClock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('login backoff', () => {
  it('lets the free failures through, then doubles the wait up to the maximum', () => {
    const clock = manualClock();
    const backoff = createBackoff({ freeFailures: 2, baseMs: 1000, maxMs: 5000 }, clock);
    expect([backoff.failed('a'), backoff.failed('a'), backoff.failed('a'), backoff.failed('a'), backoff.failed('a'), backoff.failed('a')]).toEqual([
      0, 0, 1000, 2000, 4000, 5000,
    ]);
    expect(backoff.waitFor('a')).toBe(5000);
    expect(backoff.waitFor('b')).toBe(0);
    clock.advance(5000);
    expect(backoff.waitFor('a')).toBe(0);
    backoff.succeeded('a');
    expect(backoff.failed('a')).toBe(0);
  });

  it('forgets a key after a quiet period and never holds more than its maximum of keys', () => {
    const clock = manualClock();
    const backoff = createBackoff({ freeFailures: 1, baseMs: 1000, maxMs: 1000 }, clock, 3);
    backoff.failed('a');
    clock.advance(1001);
    expect(backoff.failed('a')).toBe(0); // the earlier failure is forgotten
    for (const key of ['b', 'c', 'd', 'e']) backoff.failed(key);
    expect(backoff.size).toBe(3);
  });

  it('takes the IP of IPv4 and IPv6 remote addresses', () => {
    expect(ipOf('10.0.0.7:51234')).toBe('10.0.0.7');
    expect(ipOf('::ffff:127.0.0.1:1883')).toBe('::ffff:127.0.0.1');
    expect(ipOf('unknown')).toBe('unknown');
  });
});
