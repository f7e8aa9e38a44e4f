// @ts-check
import core from './stryker.config.mjs';

/**
 * Mutation testing of the AWS adapters: the in-process tests and, in their own modules, the Lambda
 * handler tests and the moto tests of the load balancer reader and the repeat ledger
 * (vitest.stryker.config.ts). Survivors: stryker.survivors.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  ...core,
  mutate: ['functions/adapters/**/*.ts'],
  incrementalFile: 'reports/stryker-incremental-adapters.json',
  htmlReporter: { fileName: 'reports/mutation/adapters.html' },
  jsonReporter: { fileName: 'reports/mutation/adapters.json' },
};
