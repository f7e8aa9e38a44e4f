// @ts-check
/**
 * Mutation testing of the decision core (`npm run test:mutation` runs this, then
 * stryker.adapters.config.mjs and stryker.handlers.config.mjs; not in CI). Each surviving mutant is either killed by a test or written
 * down in stryker.survivors.md with the reason it is equivalent. The core's mutants run against the
 * in-process tests alone (`LAYERGUARD_MUTATION_SCOPE=core`, see vitest.stryker.config.ts). Incremental:
 * a rerun only tests mutants whose code or tests changed since reports/stryker-incremental.json
 * (committed, so that a rerun after a change is short).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['functions/core/**/*.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/core.html' },
  jsonReporter: { fileName: 'reports/mutation/core.json' },
  // Two cores: two test processes; lower it when the machine is shared.
  concurrency: 2,
  // Added to 1.5 × the covering tests' own time: enough for the slowest scenario file, short for a mutant that loops.
  timeoutMS: 10_000,
  // A mutant in code that runs at import (schemas, constant tables) needs every test file reloaded;
  // those are skipped and counted as ignored (see stryker.survivors.md).
  ignoreStatic: true,
  ignorePatterns: ['cdk.out', 'coverage', 'dist', 'reports', 'bench-results', '.scratch', '.stryker-tmp'],
  thresholds: { high: 90, low: 80, break: null },
  cleanTempDir: 'always',
};
