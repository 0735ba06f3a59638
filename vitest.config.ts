import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    include: ['*/test/**/*.test.ts', 'ioc-dashboard/test/**/*.test.ts', 'test/**/*.test.ts'],
    // A net for hangs, not a measure of speed: a 2-core CI machine running two suites at once takes a minute for some tests.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
