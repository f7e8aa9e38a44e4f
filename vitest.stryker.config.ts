import { defineConfig } from 'vitest/config';

/**
 * The test run StrykerJS uses for each mutant (`npm run test:mutation`, see stryker.config.mjs): the
 * folders that exercise functions/core and functions/adapters in this process. Left out: test/cli
 * (child processes, which Stryker's coverage cannot see), the game day on the emulator, the CDK
 * synthesis tests (seconds each; they only read core's patterns, which patterns.test.ts and
 * event-pattern.test.ts cover directly) and test/bench (not tests).
 */
const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  fileParallelism: false,
  maxWorkers: 1,
  // Fewer random runs per property for each mutant (the suite's default is 150; the coverage
  // assertions scale with the count).
  env: { LAYERGUARD_PROPERTY_RUNS: '25', POWERTOOLS_LOG_LEVEL: 'SILENT' },
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'shared-modules',
          include: [
            'test/unit/**/*.test.ts',
            'test/reliability/properties.test.ts',
            'test/reliability/regressions.test.ts',
            'test/scenarios/**/*.test.ts',
            'test/infra/patterns.test.ts',
            'test/infra/event-pattern.test.ts',
          ],
          exclude: ['test/scenarios/gameday-emulator.test.ts'],
          // Pure code and the simulated account: modules are kept between files (Stryker switches
          // mutants at run time, so re-importing for every file would be most of each mutant's cost).
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: 'own-modules',
          include: [
            'test/handlers/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/reliability/faults.test.ts',
            'test/reliability/hostile.test.ts',
          ],
          exclude: ['test/handlers/gameday-deployed-notify.test.ts'],
          // Handlers build their clients from the environment at import, and the moto tests point the
          // SDK at the emulator: each file gets its own modules. One moto server, as in vitest.config.ts.
          globalSetup: ['test/support/moto-global-setup.ts'],
          isolate: true,
        },
      },
    ],
  },
});
