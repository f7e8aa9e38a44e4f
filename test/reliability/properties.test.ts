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
import { AWAITING, clock, mutationArb, OWN_ROLE_ARNS } from './support.js';

const OWN_POLICY = parsePolicy({ ownRoleArns: OWN_ROLE_ARNS });

/**
 * Safety properties with fast-check: random account states and random real-shaped events (from the
 * event generator and the samples in events/cloudtrail, mutated), through the engine a deployed
 * function runs, on the simulated account. The checks are in checks.ts; a counterexample found is kept
 * in events/cloudtrail/_regressions and replayed by regressions.test.ts. LAYERGUARD_PROPERTY_RUNS
 * raises the number of runs for a longer hunt (5,000 per property passed when this was written).
 */

const RUNS = Number(process.env.LAYERGUARD_PROPERTY_RUNS ?? 150);
/**
 * LAYERGUARD_PROPERTY_SEED fixes the random inputs (the mutation run sets it, so that a mutant fails or
 * passes the same inputs every time, and the coverage shares, at its fewer runs, are met by the same
 * runs every time); unset, each run draws new ones.
 */
const SEED = process.env.LAYERGUARD_PROPERTY_SEED ? Number(process.env.LAYERGUARD_PROPERTY_SEED) : undefined;
const options = (numRuns: number) => (SEED === undefined ? { numRuns } : { numRuns, seed: SEED });

/** Each key was reached at least `share` of the runs (rounded down). */
function expectCoverage(stats: Stats, shares: Readonly<Record<string, number>>): void {
  const reached = Object.fromEntries(Object.keys(shares).map((k) => [k, stats.get(k)]));
  const wanted = Object.fromEntries(Object.entries(shares).map(([k, share]) => [k, Math.floor(RUNS * share)]));
  for (const k of Object.keys(shares)) {
    expect({ [k]: reached[k] }, `coverage of ${k}: ${JSON.stringify([...stats.counts])}`).toEqual({
      [k]: expect.toSatisfy((n: number) => n >= (wanted[k] as number)),
    });
  }
}

describe('security groups, random accounts and events', () => {
  it('revokes every named, live, world-open rule the policy does not allow in a non-exempt group, and nothing else', async () => {
    const stats = new Stats();
    await fc.assert(
      fc.asyncProperty(sgScenarioArb, (s) => checkSgScenario(s, stats)),
      options(RUNS),
    );
    // The input reaches what matters, each a stated share of the runs (a quarter to a third of what
    // the generators give on average, so that a random seed does not fail it).
    expectCoverage(stats, {
      remediated: 0.08,
      'dry-run': 0.03,
      exempt: 0.04,
      'already-compliant': 0.03,
      ignored: 0.1,
      'drift:sg-world-open': 0.1,
      ...(AWAITING.has('respelled-cidr') ? {} : { 'spelling:matched-by-network': 0.01 }),
    });
  });
});

describe('route tables, random accounts and events', () => {
  it('reverts the drift the event made (a forbidden route deleted, or the isolated subnet moved to its one isolated table), alert-only where no safe revert exists, and changes nothing else: never a route another tier uses', async () => {
    const stats = new Stats();
    await fc.assert(
      fc.asyncProperty(rtScenarioArb, (s) => checkRtScenario(s, stats)),
      options(RUNS),
    );
    expectCoverage(stats, {
      remediated: 0.06,
      'alert-only': 0.03,
      'dry-run': 0.012,
      exempt: 0.035,
      'already-compliant': 0.035,
      ignored: 0.07,
      'drift:route': 0.06,
      'drift:association': 0.08,
      'revert:delete-route': 0.03,
      'revert:move-subnet': 0.02,
      ...(AWAITING.has('shared-table') ? {} : { 'focus:shared-table': 0.02 }),
    });
  });
});

describe('mutated real samples', () => {
  it('end in exactly one outcome of the vocabulary, or an UnsupportedEventError before any AWS call', async () => {
    const stats = new Stats();
    await fc.assert(
      fc.asyncProperty(fc.nat(SAMPLES.length - 1), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (i, m) =>
        checkMutatedSample(i, m, stats),
      ),
      options(RUNS * 2),
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
      options(RUNS),
    );
  });
});
