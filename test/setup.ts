import { vi } from 'vitest';

/**
 * Waits in the suites are for real servers and batched writes on a shared 2-core machine: vi.waitFor's 1 s
 * default is too short there, so every wait gets 15 s unless it names its own bound.
 */
const waitFor = vi.waitFor;
vi.waitFor = ((callback, options) =>
  waitFor(callback, typeof options === 'number' ? options : { timeout: 15_000, interval: 50, ...options })) as typeof vi.waitFor;
