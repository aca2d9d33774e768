import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Model files the service resolves in MODELS_DIR (the aligned expression model): the clone sits
 * next to ../shared, whose models/ folder holds them byte for byte; nothing is downloaded in tests.
 * A clone elsewhere names that folder with MODELS_DIR (docs/development.md).
 */
const SHARED_MODELS = process.env.MODELS_DIR ?? resolve(import.meta.dirname, '..', 'shared', 'models');

export default defineConfig({
  resolve: {
    // The client the tests import is the packed package, installed by the global setup.
    alias: { '@emothumb/client': join(import.meta.dirname, '.client-package/node_modules/@emothumb/client') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/client-package-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // End-to-end suites each start a real server with native FFmpeg and models;
    // two cores cannot run many at once without timeouts.
    fileParallelism: false,
    pool: 'forks',
    env: { MODELS_DIR: SHARED_MODELS },
  },
});
