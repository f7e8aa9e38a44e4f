// @ts-check
import core from './stryker.config.mjs';
import { HANDLER_ADAPTERS } from './stryker.adapters.config.mjs';

/**
 * Mutation testing of the adapters that only the Lambda handler tests and the moto tests reach (the
 * handler factory, the self-invocation, the load balancer reader, the DynamoDB repeat ledger): both
 * projects of vitest.stryker.config.ts, each handler file in modules of its own, with moto required
 * (`LAYERGUARD_REQUIRE_MOTO=1`). The slowest of the three runs per mutant. Survivors:
 * stryker.survivors.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  ...core,
  mutate: HANDLER_ADAPTERS,
  incrementalFile: 'reports/stryker-incremental-handlers.json',
  htmlReporter: { fileName: 'reports/mutation/handlers.html' },
  jsonReporter: { fileName: 'reports/mutation/handlers.json' },
};
