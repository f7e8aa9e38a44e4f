import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedEventError } from '../../functions/core/errors.js';
import { isOwnAction } from '../../functions/core/guards.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { parsePolicy } from '../../functions/core/policy.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import {
  checkMutatedSample,
  checkRtScenario,
  checkSgScenario,
  rtScenarioArb,
  SAMPLES,
  Stats,
  sgScenarioArb,
} from './checks.js';
import { clock, mutationArb, OWN_ROLE_ARNS } from './support.js';

const OWN_POLICY = parsePolicy({ ownRoleArns: OWN_ROLE_ARNS });

/**
 * Safety properties with fast-check: random account states and random real-shaped events (from the
 * event generator and the samples in events/cloudtrail, mutated), through the engine a deployed
 * function runs, on the simulated account. The checks are in checks.ts; a counterexample found is kept
 * in events/cloudtrail/_regressions and replayed by regressions.test.ts. LAYERGUARD_PROPERTY_RUNS
 * raises the number of runs for a longer hunt (5,000 per property passed when this was written).
 */

const RUNS = Number(process.env.LAYERGUARD_PROPERTY_RUNS ?? 150);

describe('security groups, random accounts and events', () => {
  it('revokes only world-open, not allowed, named rules of a non-exempt group, and every such live rule', async () => {
    const stats = new Stats();
    await fc.assert(
      fc.asyncProperty(sgScenarioArb, (s) => checkSgScenario(s, stats)),
      { numRuns: RUNS },
    );
    // The input reaches the branches that matter: reverts, exemptions, allowed and guarded events.
    for (const outcome of ['remediated', 'ignored']) expect(stats.get(outcome)).toBeGreaterThan(0);
  });
});

describe('route tables, random accounts and events', () => {
  it('deletes only a forbidden, non-local route of an exposed, non-exempt table; moves only an isolated subnet to an isolated table', async () => {
    const stats = new Stats();
    await fc.assert(
      fc.asyncProperty(rtScenarioArb, (s) => checkRtScenario(s, stats)),
      { numRuns: RUNS },
    );
    for (const outcome of ['remediated', 'ignored']) expect(stats.get(outcome)).toBeGreaterThan(0);
  });
});

describe('mutated real samples', () => {
  it('end in exactly one outcome of the vocabulary, or an UnsupportedEventError before any AWS call', async () => {
    const stats = new Stats();
    await fc.assert(
      fc.asyncProperty(fc.nat(SAMPLES.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (i, m) =>
        checkMutatedSample(i, m, stats),
      ),
      { numRuns: RUNS * 2 },
    );
    expect(stats.get('rejected')).toBeGreaterThan(0);
    expect(stats.get('remediated')).toBeGreaterThan(0);
  });

  it('a record with errorCode, or made by LayerGuard itself, is ignored with no AWS call, whatever else it says', async () => {
    const parseable = SAMPLES.filter((s) => !s.file.startsWith('_malformed/'));
    await fc.assert(
      fc.asyncProperty(
        fc.nat(parseable.length - 1),
        fc.oneof(
          fc.record({ errorCode: fc.string({ minLength: 1, maxLength: 40 }) }),
          fc.record({
            role: fc.constantFrom(...OWN_ROLE_ARNS.map((arn) => arn.split('/')[1] as string)),
          }),
        ),
        async (i, guard) => {
          const event = structuredClone((parseable[i] as (typeof parseable)[number]).event) as Record<string, unknown>;
          const record = ('detail' in event ? event.detail : event) as Record<string, unknown>;
          if ('errorCode' in guard) record.errorCode = guard.errorCode;
          else {
            record.userIdentity = {
              type: 'AssumedRole',
              arn: `arn:aws:sts::111122223333:assumed-role/${guard.role}/session`,
              sessionContext: {
                sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/${guard.role}`, userName: guard.role },
              },
            };
            expect(isOwnAction(record as never, OWN_POLICY)).toBe(true);
          }
          const { engine, network } = simulatedEngine(threeTierAccount(), {
            policy: OWN_POLICY,
            clock,
          });
          let outcome: Outcome | undefined;
          try {
            outcome = await engine.handle(event);
          } catch (error) {
            // Only an unsupported event (another API call) may end this way, and still with no call.
            expect(error).toBeInstanceOf(UnsupportedEventError);
          }
          if (outcome) expect(outcome.outcome).toBe('ignored');
          expect(network.calls).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
