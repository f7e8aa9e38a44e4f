// @ts-check
/**
 * Mutation testing of the decision core and the AWS adapters (`npm run test:mutation`; not in CI).
 * Each surviving mutant is either killed by a test or written down in stryker.survivors.md with the
 * reason it is equivalent. Incremental: a rerun only tests mutants whose code or tests changed since
 * reports/stryker-incremental.json (committed, so that a rerun after a change is short).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['functions/core/**/*.ts', 'functions/adapters/**/*.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Two cores shared with other work: one test process at a time.
  concurrency: 1,
  timeoutMS: 30_000,
  // A mutant in code that runs at import (schemas, constant tables) needs every test file reloaded;
  // those are skipped and counted as ignored (see stryker.survivors.md).
  ignoreStatic: true,
  ignorePatterns: ['cdk.out', 'coverage', 'dist', 'reports', 'bench-results', '.scratch', '.stryker-tmp'],
  thresholds: { high: 90, low: 80, break: null },
  cleanTempDir: 'always',
};
