import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../functions/core/errors.js';
import type { RevokeResult } from '../../functions/core/network.js';
import type { Trigger } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { revertWorldOpen } from '../../functions/pipeline/security-group.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';

/**
 * How a revoke is verified. RevokeSecurityGroupIngress answers `Return` and, in EC2 (not in moto),
 * `RevokedSecurityGroupRules` (the SDK's RevokeSecurityGroupIngressResult). A rule the answer lists
 * is gone; a rule it does not list is only gone once a read of the group says so. These tests give
 * the pipeline a network whose revoke answers success while leaving rules in place.
 */

const trigger: Trigger = {
  eventId: 'verify-1',
  eventName: 'AuthorizeSecurityGroupIngress',
  eventTime: '2026-06-15T12:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  source: 'aws.ec2',
};
const group = BASELINE.securityGroups.app;

/** The app tier with SSH and RDP open to the world; the revoke answers `answer` and revokes only `revokes`. */
function setUp(answer: (open: readonly string[]) => RevokeResult, revokes: (open: readonly string[]) => string[]) {
  const account = threeTierAccount();
  const open = account
    .authorizeIngress(group, [
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
      { protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' },
    ])
    .map((r) => r.ruleId);
  const network = new SimulatedNetwork(account);
  network.revokeIngress = (async () => {
    const gone = revokes(open);
    if (gone.length > 0) account.revokeIngress(group, gone);
    return answer(open);
  }) as SimulatedNetwork['revokeIngress'];
  const run = async () => {
    const g = await network.getSecurityGroup({ groupId: group });
    const rules = await network.listRules(group);
    const candidates = rules.filter((r) => open.includes(r.ruleId));
    return revertWorldOpen(candidates, g, rules, group, trigger, {
      network,
      policy: DEFAULT_POLICY,
      clock: () => new Date('2026-06-15T12:00:05Z'),
    });
  };
  return { account, open, network, run };
}

const listRulesCalls = (network: SimulatedNetwork) =>
  network.calls.filter((c) => c.operation === 'DescribeSecurityGroupRules').length;

describe('revertWorldOpen: a revoke is trusted only for the rules its answer lists', () => {
  it('success listing every rule: verified by the answer, no read-back', async () => {
    const t = setUp(
      (open) => ({ result: 'done', confirmedRuleIds: [...open] }),
      (open) => [...open],
    );
    const outcome = await t.run();
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.after).toMatchObject({ verifiedBy: 'revoke-response' });
    expect(listRulesCalls(t.network)).toBe(1); // the read before the revert only
  });

  it('success listing one of two rules while the other stays: read back, and the revert fails', async () => {
    const t = setUp(
      (open) => ({ result: 'done', confirmedRuleIds: [open[0] as string] }),
      (open) => [open[0] as string],
    );
    await expect(t.run()).rejects.toBeInstanceOf(VerificationError);
    expect(listRulesCalls(t.network)).toBe(2);
    expect(t.account.rules.has(t.open[1] as string)).toBe(true);
  });

  it('success that lists no rule (as moto answers) while both stay: read back, and the revert fails', async () => {
    const t = setUp(
      () => ({ result: 'done' }),
      () => [],
    );
    await expect(t.run()).rejects.toThrow(/still present after the revoke/);
    expect(listRulesCalls(t.network)).toBe(2);
  });

  it('success that lists no rule, and the rules are gone: remediated, verified by a read-back', async () => {
    const t = setUp(
      () => ({ result: 'done' }),
      (open) => [...open],
    );
    const outcome = await t.run();
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.after).toMatchObject({ verifiedBy: 'read-back', ingress: expect.any(Array) });
    expect(listRulesCalls(t.network)).toBe(2);
  });

  it('an empty list of revoked rules is not a confirmation', async () => {
    const t = setUp(
      () => ({ result: 'done', confirmedRuleIds: [] }),
      () => [],
    );
    await expect(t.run()).rejects.toBeInstanceOf(VerificationError);
  });
});
