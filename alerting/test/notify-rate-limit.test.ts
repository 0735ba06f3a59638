// The per-channel rate limit on a hand-moved time: a second's worth of sends at once, then one per 1/rate s, in
// order, and channels apart.
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/notify/rate-limit.ts';

function handTime() {
  let now = 0;
  const sleepers: { until: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ until: now + ms, wake })),
    /** Moves time on and wakes whoever slept until then; lets the woken run. */
    async advance(ms: number) {
      now += ms;
      for (const s of sleepers.splice(0).filter((x) => (x.until <= now ? (x.wake(), false) : true))) sleepers.push(s);
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('createRateLimiter', () => {
  it('lets a second\'s worth through at once, then one per 1/rate s, in order; other channels are not held up', async () => {
    const time = handTime();
    const limiter = createRateLimiter({ sms: 2, webhook: 0 }, time);
    const passed: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) void limiter.take('sms').then(() => passed.push(name));
    void limiter.take('webhook').then(() => passed.push('hook'));
    await settle();
    expect(passed).toEqual(['hook', 'a', 'b']);
    await time.advance(499);
    expect(passed).toEqual(['hook', 'a', 'b']);
    await time.advance(1);
    expect(passed).toEqual(['hook', 'a', 'b', 'c']);
    await time.advance(500);
    expect(passed).toEqual(['hook', 'a', 'b', 'c', 'd']);
  });
});
