import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // End-to-end suites each start a real server with native FFmpeg and models;
    // two cores cannot run many at once without timeouts.
    fileParallelism: false,
    pool: 'forks',
  },
});
