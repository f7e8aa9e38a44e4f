import { defineConfig } from 'vitest/config';

/**
 * The test run StrykerJS uses for each mutant (`npm run test:mutation`, see stryker.config.mjs): the
 * folders that exercise functions/core and functions/adapters in this process. Left out: test/cli
 * (child processes, which Stryker's coverage cannot see), the game day on the emulator, the CDK
 * synthesis tests (seconds each, and they only read core's patterns, which patterns.test.ts and
 * event-pattern.test.ts cover directly) and test/bench (not tests).
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/handlers/**/*.test.ts',
      'test/reliability/**/*.test.ts',
      'test/scenarios/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/infra/patterns.test.ts',
      'test/infra/event-pattern.test.ts',
    ],
    exclude: ['test/scenarios/gameday-emulator.test.ts', 'test/handlers/gameday-deployed-notify.test.ts'],
    // The integration tests need moto: one server for the whole run, as in vitest.config.ts.
    globalSetup: ['test/support/moto-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One process, modules kept between files: Stryker switches mutants at run time, so re-importing
    // the SDK for every test file would be most of each mutant's cost.
    isolate: false,
    fileParallelism: false,
    maxWorkers: 1,
    // Fewer random runs per property for each mutant (the suite's default is 150; the coverage
    // assertions scale with the count).
    env: { LAYERGUARD_PROPERTY_RUNS: '60', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
