import { defineConfig } from 'vitest/config';

/**
 * The test run StrykerJS uses for each mutant (`npm run test:mutation`, see stryker.config.mjs): the
 * in-process tests of functions/core and functions/adapters, in one process with modules kept
 * between files (Stryker switches mutants at run time, so re-importing for every file would be most
 * of each mutant's cost). Left out, and why:
 * - test/cli: child processes, which Stryker's coverage cannot see;
 * - test/integration (moto) and the Lambda handler tests: each builds its SDK clients from the
 *   environment at import, so each needs its own modules (minutes per mutant on two cores); the
 *   adapters' mock tests (handlers/ec2-network, handlers/notifier) cover the same code in process;
 * - test/infra synthesis tests: seconds each; they only read core's patterns, which patterns.test.ts
 *   and event-pattern.test.ts cover directly;
 * - the game day on the emulator, and test/bench (not tests).
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/reliability/properties.test.ts',
      'test/reliability/regressions.test.ts',
      'test/reliability/reference.test.ts',
      'test/scenarios/**/*.test.ts',
      'test/infra/patterns.test.ts',
      'test/infra/event-pattern.test.ts',
      'test/handlers/ec2-network.test.ts',
      'test/handlers/notifier.test.ts',
      'test/handlers/security-group-verify.test.ts',
    ],
    exclude: ['test/scenarios/gameday-emulator.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    isolate: false,
    fileParallelism: false,
    maxWorkers: 1,
    // Fewer random runs per property for each mutant (the suite's default is 150; the coverage
    // assertions scale with the count).
    env: { LAYERGUARD_PROPERTY_RUNS: '25', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
