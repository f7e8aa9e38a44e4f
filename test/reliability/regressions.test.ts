import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../functions/core/policy.js';
import { EVENTS_DIR } from '../support/events.js';
import { checkRtScenario, checkSgScenario, type RtScenario, type SgScenario, Stats } from './checks.js';

/** Replays every counterexample kept in events/cloudtrail/_regressions through its property's check. */

const DIR = join(EVENTS_DIR, '_regressions');
/** JSON has no `undefined`: a `null` in a kept scenario stands for an option left out. */
const revive = (_key: string, value: unknown) => (value === null ? undefined : value);
/**
 * A kept scenario's policy, read as the product reads one: sections added since it was kept take their
 * values for the property it was found by (tiers: none, as the security-group property judges them).
 */
const withCurrentSections = (c: Case): Case => {
  const scenario = c.scenario as { policy: Record<string, unknown> };
  return { ...c, scenario: { ...scenario, policy: parsePolicy({ tiers: { chain: [] }, ...scenario.policy }) } };
};
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.jsonc'))
  .sort()
  .map((file) => ({ file, ...withCurrentSections(JSON.parse(readFileSync(join(DIR, file), 'utf8'), revive) as Case) }));

interface Case {
  readonly property: 'security-groups' | 'route-tables';
  readonly description: string;
  readonly scenario: unknown;
  readonly expect?: { readonly outcome?: string };
}

describe('kept counterexamples', () => {
  it('there are some', () => expect(cases.length).toBeGreaterThan(0));
  it.each(cases.map((c) => [c.file, c] as const))('%s', async (_file, c) => {
    const stats = new Stats();
    if (c.property === 'security-groups') await checkSgScenario(c.scenario as SgScenario, stats);
    else await checkRtScenario(c.scenario as RtScenario, stats);
    // The stats count the outcome, and `drift:<kind>` for each drift found: the outcome is the one without a colon.
    if (c.expect?.outcome) expect([...stats.counts.keys()].filter((k) => !k.includes(':'))).toEqual([c.expect.outcome]);
  });
});
