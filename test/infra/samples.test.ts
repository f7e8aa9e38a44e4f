import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import type { RuleName } from '../../functions/core/patterns.js';
import { asDelivered, loadEvent, manifest } from '../support/events.js';
import { resolveInPlace, resourcesOf, ruleNameOf, synth } from './support.js';

/**
 * Every sample in events/cloudtrail against the patterns AS DEPLOYED: read from the synthesised template's
 * AWS::Events::Rule resources, not from source. A sample with `triggers` must match exactly that rule;
 * a sample with `triggers: null` must match none. Bare records are wrapped as EventBridge delivers them.
 */

const { template } = synth();
// The rules on the default bus (the canary's outcome rule is on the outcomes bus).
const deployed: Array<{ name: RuleName; pattern: unknown }> = Object.entries(resourcesOf(template, 'AWS::Events::Rule'))
  .filter(([, rule]) => rule.Properties.EventBusName === undefined)
  .map(([id, rule]) => ({
  name: ruleNameOf(id),
  // The own roles' ARNs are built from the stack's account and region: resolved as CloudFormation would.
  pattern: resolveInPlace(rule.Properties.EventPattern),
}));

describe('CloudTrail samples against the deployed rule patterns', () => {
  it('reads the four rules from the template', () => {
    expect(deployed.map((r) => r.name).sort()).toEqual(['network-acl', 'prefix-list', 'route-table', 'security-group']);
  });

  it.each(
    manifest().map((entry) => ({ ...entry, label: `${entry.file} -> ${entry.triggers ?? 'no rule'}` })),
  )('$label', ({ file, triggers }) => {
    const event = asDelivered(loadEvent(file));
    const matched = deployed.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.name);
    expect(matched).toEqual(triggers === null ? [] : [triggers]);
  });
});
