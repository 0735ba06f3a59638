/**
 * A token bucket per channel: at most `ratePerS` sends a second from this process, bursts up to one second's worth.
 * `take` waits (never drops) until a token is free. Real time by default, not the injected clock: it paces real
 * requests; tests bring their own time and sleep.
 */
export interface RateLimiter {
  take(key: string): Promise<void>;
}

export interface RateTime {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTime: RateTime = { now: () => performance.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

export function createRateLimiter(ratePerS: Readonly<Record<string, number>>, time: RateTime = realTime): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number; queue: Promise<void> }>();
  return {
    take(key) {
      const rate = ratePerS[key] ?? 0;
      if (rate <= 0) return Promise.resolve();
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = { tokens: rate, at: time.now(), queue: Promise.resolve() }));
      const b = bucket;
      // Takers line up so each waits for its own token, in order.
      const turn = b.queue.then(async () => {
        for (;;) {
          const now = time.now();
          b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate);
          b.at = now;
          if (b.tokens >= 1) {
            b.tokens -= 1;
            return;
          }
          await time.sleep(Math.ceil(((1 - b.tokens) / rate) * 1000));
        }
      });
      b.queue = turn;
      return turn;
    },
  };
}
