import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The test run StrykerJS uses for each mutant (`npm run test:mutation`, see stryker.config.mjs), in
 * two projects:
 * - `shared`: the in-process tests of functions/core and functions/adapters, with modules kept
 *   between files (Stryker switches mutants at run time, so re-importing for every file would be most
 *   of each mutant's cost);
 * - `isolated`: the Lambda handler tests, and the moto tests of the adapters no mock test reaches
 *   (load balancers, the DynamoDB repeat ledger). Each builds its SDK clients and configuration from
 *   the environment at import, so each file gets its own modules.
 * Left out, and why:
 * - test/cli: child processes, which Stryker's coverage cannot see;
 * - the other moto tests (EC2 adapter, handlers on moto, spellings, the fault proxy): the mock tests
 *   above cover the same code in process, at a fraction of the cost per mutant;
 * - test/infra synthesis tests: seconds each; they only read core's patterns, which patterns.test.ts
 *   and event-pattern.test.ts cover directly;
 * - the game day on the emulator, and test/bench (not tests).
 */
const env = { LAYERGUARD_PROPERTY_RUNS: '25', LAYERGUARD_PROPERTY_SEED: '20261202', POWERTOOLS_LOG_LEVEL: 'SILENT' };

/**
 * `LAYERGUARD_MUTATION_SCOPE=core` (stryker.config.mjs) runs the shared project alone: core is pure, and
 * its in-process tests are its oracle; an isolated handler file costs seconds of imports per mutant.
 * So do the in-process adapters (stryker.adapters.config.mjs); the handlers' run (stryker.handlers.config.mjs)
 * runs both.
 */
const coreOnly = process.env.LAYERGUARD_MUTATION_SCOPE === 'core';

/**
 * Fast files first. Stryker stops a mutant's run at its first failing test (bail), so a mutant a unit
 * test kills should not wait for the scenario and property files; vitest's default order is slowest
 * first, which makes every killed mutant pay for them.
 */
const FIRST_TO_LAST = ['test/unit/', 'test/infra/', 'test/handlers/', 'test/reliability/', 'test/scenarios/', 'test/integration/'];

class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const index = FIRST_TO_LAST.findIndex((folder) => file.moduleId.includes(`/${folder}`));
      return index === -1 ? FIRST_TO_LAST.length : index;
    };
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { sequencer: FastFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: [
            'test/unit/**/*.test.ts',
            'test/reliability/properties.test.ts',
            'test/reliability/regressions.test.ts',
            'test/reliability/reference.test.ts',
            'test/reliability/tiers.test.ts',
            'test/scenarios/**/*.test.ts',
            'test/infra/patterns.test.ts',
            'test/infra/event-pattern.test.ts',
            'test/handlers/ec2-network.test.ts',
            'test/handlers/ec2-network-prefix-list.test.ts',
            'test/handlers/ec2-errors.test.ts',
            'test/handlers/canary-run.test.ts',
            'test/handlers/notifier.test.ts',
            'test/handlers/security-group-verify.test.ts',
            'test/handlers/organizations.test.ts',
            'test/handlers/member-credentials.test.ts',
            'test/handlers/reach.test.ts',
          ],
          exclude: ['test/scenarios/gameday-emulator.test.ts'],
          isolate: false,
          // Fewer random runs per property for each mutant, always the same ones (a fixed seed: a flaky
          // kill is no kill). The suite's default is 150 runs of new inputs; the coverage
          // assertions scale with the count.
          env,
        },
      },
      ...(coreOnly
        ? []
        : [
            {
              extends: true,
              test: {
                name: 'isolated',
                include: ['test/handlers/**/*.test.ts', 'test/integration/elb.test.ts', 'test/integration/repeat-ledger.test.ts'],
                exclude: [
                  'test/handlers/ec2-network.test.ts',
                  'test/handlers/ec2-network-prefix-list.test.ts',
                  'test/handlers/ec2-errors.test.ts',
                  'test/handlers/canary-run.test.ts',
                  'test/handlers/notifier.test.ts',
                  'test/handlers/security-group-verify.test.ts',
                  'test/handlers/organizations.test.ts',
                  'test/handlers/member-credentials.test.ts',
                  'test/handlers/reach.test.ts',
                ],
                isolate: true,
                globalSetup: ['test/support/moto-global-setup.ts'],
                env,
              },
            },
          ]),
    ],
  },
});
