import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto server for the whole run (integration tests); see test/support/moto-global-setup.ts.
    globalSetup: ['test/support/moto-global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Forks isolate process.env and module singletons per file; two workers suit a 2-core runner.
    pool: 'forks',
    maxWorkers: 2,
  },
});
