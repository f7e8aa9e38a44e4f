// @ts-check
import core from './stryker.config.mjs';

/**
 * Mutation testing of the AWS adapters that in-process tests reach: the EC2, SNS/EventBridge,
 * Organizations and STS adapters and the clients, against the core's tests and their own mock tests
 * (`LAYERGUARD_MUTATION_SCOPE=core`: the `shared` project of vitest.stryker.config.ts). The adapters
 * only the Lambda handler and moto tests reach are in stryker.handlers.config.mjs. Survivors:
 * stryker.survivors.md.
 */
export const HANDLER_ADAPTERS = [
  'functions/adapters/lambda-handler.ts',
  'functions/adapters/self-invoke.ts',
  'functions/adapters/elb.ts',
  'functions/adapters/dynamodb-repeat-ledger.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...core,
  mutate: ['functions/adapters/**/*.ts', ...HANDLER_ADAPTERS.map((file) => `!${file}`)],
  incrementalFile: 'reports/stryker-incremental-adapters.json',
  htmlReporter: { fileName: 'reports/mutation/adapters.html' },
  jsonReporter: { fileName: 'reports/mutation/adapters.json' },
};
