import { systemClock, type Clock } from '@ioc/core';

/** Simulated time: starts at `startAt` and runs `speed` times faster than the real clock. */
export interface SimClock extends Clock {
  readonly startAt: number;
  readonly speed: number;
  /** Real milliseconds until the simulated time `ts` (0 if past). */
  realDelay(ts: number): number;
}

export function createSimClock(options: { startAt: number; speed: number; real?: Clock }): SimClock {
  if (!(options.speed > 0)) throw new Error(`speed must be a number > 0, got ${options.speed}`);
  const real = options.real ?? systemClock;
  const realStart = real.now();
  const now = () => options.startAt + (real.now() - realStart) * options.speed;
  return {
    startAt: options.startAt,
    speed: options.speed,
    now,
    realDelay: (ts) => Math.max(0, (ts - now()) / options.speed),
  };
}

/**
 * Where simulated time starts by default: now at real speed; for a faster run, far enough in the past that the
 * scenario ends at the real present (the IOC refuses readings from the future).
 */
export function defaultStartAt(now: number, durationMs: number, speed: number): number {
  return speed <= 1 ? now : Math.round(now - durationMs * (1 - 1 / speed));
}
