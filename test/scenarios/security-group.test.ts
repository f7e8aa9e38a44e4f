import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../functions/core/policy.js';
import { remediateSecurityGroup } from '../../functions/pipeline/security-group.js';
import { inject } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';

const SG = BASELINE.securityGroups;
const remediators = { 'sg-ingress': remediateSecurityGroup };
const ingress = (account: SimulatedAccount, groupId: string) =>
  account.rulesOf(groupId).filter((r) => !r.isEgress).map(({ ruleId: _r, groupId: _g, ...rest }) => rest);

describe('security groups on the simulated account', () => {
  it('reverts world-open SSH and leaves the group with only its baseline rules', async () => {
    // Prepare
    const account = threeTierAccount();
    const baseline = ingress(account, SG.app);
    const { engine, network, notifier } = simulatedEngine(account, { remediators });
    const { event } = inject.authorizeIngress(account, SG.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }]);
    // Act
    const outcome = await engine.handle(event);
    // Assess
    expect(outcome.outcome).toBe('remediated');
    expect(ingress(account, SG.app)).toEqual(baseline);
    expect(network.countCalls()).toEqual({ DescribeSecurityGroups: 1, DescribeSecurityGroupRules: 1, RevokeSecurityGroupIngress: 1 });
    expect(notifier.sent).toHaveLength(1);
    expect(outcome.actions).toEqual([expect.objectContaining({ type: 'revoke-ingress', groupId: SG.app, result: 'done' })]);
  });

  it('handles the same event twice: reverts once, notifies once, returns the same outcome', async () => {
    const account = threeTierAccount();
    const { engine, network, notifier } = simulatedEngine(account, { remediators });
    const { event } = inject.authorizeIngress(account, SG.db, [{ protocol: '-1', cidrIpv6: '::/0' }]);
    const first = await engine.handle(event);
    const second = await engine.handle(event);
    expect(first.outcome).toBe('remediated');
    expect(second).toEqual(first);
    expect(network.countCalls().RevokeSecurityGroupIngress).toBe(1);
    expect(notifier.sent).toHaveLength(1);
  });

  it('a new event for a rule that is already gone is already-compliant', async () => {
    const account = threeTierAccount();
    const { engine } = simulatedEngine(account, { remediators });
    const injected = inject.authorizeIngress(account, SG.app, [{ protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' }]);
    await engine.handle(injected.event);
    const copy = structuredClone(injected.event) as { detail: { eventID: string } };
    copy.detail.eventID = 'another-delivery-with-a-new-id';
    expect((await engine.handle(copy)).outcome).toBe('already-compliant');
  });

  it('leaves the web tier open on 443, exempt groups, and narrow CIDRs alone', async () => {
    const account = threeTierAccount();
    const before = { exempt: ingress(account, SG.exempt) };
    const { engine, network } = simulatedEngine(account, { remediators });
    account.revokeIngress(SG.web, account.rulesOf(SG.web).filter((r) => r.fromPort === 443).map((r) => r.ruleId));
    const web = inject.authorizeIngress(account, SG.web, [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }]);
    const exempt = inject.authorizeIngress(account, SG.exempt, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }]);
    const narrow = inject.authorizeIngress(account, SG.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.1.0/24' }]);
    expect((await engine.handle(web.event)).outcome).toBe('ignored');
    expect((await engine.handle(exempt.event)).outcome).toBe('exempt');
    expect((await engine.handle(narrow.event)).outcome).toBe('ignored');
    expect(ingress(account, SG.web).map((r) => `${r.fromPort}:${r.cidrIpv4}`).sort()).toEqual(['443:0.0.0.0/0', '80:0.0.0.0/0']);
    expect(ingress(account, SG.exempt)).toHaveLength(before.exempt.length + 1);
    expect(network.countCalls().RevokeSecurityGroupIngress).toBeUndefined();
  });

  it('dry-run reports the revert and changes nothing', async () => {
    const account = threeTierAccount();
    const { engine, network } = simulatedEngine(account, { remediators, policy: parsePolicy({ mode: 'dry-run' }) });
    const { event } = inject.authorizeIngress(account, SG.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/1' }]);
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('dry-run');
    expect(network.countCalls().RevokeSecurityGroupIngress).toBeUndefined();
    expect(ingress(account, SG.app).some((r) => r.cidrIpv4 === '0.0.0.0/1')).toBe(true);
  });
});

describe('a rule edited to admit the internet', () => {
  it('is revoked, and the outcome tells a person that its old definition must be restored by hand', async () => {
    const account = threeTierAccount();
    const { engine } = simulatedEngine(account, { remediators });
    const { event } = inject.modifyRule(account, SG.db, BASELINE.rules.dbFromApp, { protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0' });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(account.rules.has(BASELINE.rules.dbFromApp)).toBe(false);
    expect(outcome.humanAction).toMatch(/definition before the edit/);
  });
});

describe('a rule whose source is a managed prefix list, on the simulated account', () => {
  const PL = BASELINE.prefixLists;

  it('a list that holds the internet: the rule is revoked after one read of its entries, the list is left as it is', async () => {
    const account = threeTierAccount();
    const baseline = ingress(account, SG.app);
    const { engine, network, notifier } = simulatedEngine(account, { remediators });
    const { event } = inject.authorizeIngress(account, SG.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: PL.everywhere }]);
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.reason).toContain(`tcp/22 from ${PL.everywhere} (0.0.0.0/0)`);
    expect(ingress(account, SG.app)).toEqual(baseline);
    expect(account.prefixListEntries(PL.everywhere)).toEqual(['0.0.0.0/0']);
    expect(network.countCalls()).toEqual({
      DescribeSecurityGroups: 1,
      DescribeSecurityGroupRules: 1,
      GetManagedPrefixListEntries: 1,
      RevokeSecurityGroupIngress: 1,
    });
    expect(notifier.sent).toHaveLength(1);
  });

  it('a list of office ranges: ignored, the rule stays', async () => {
    const account = threeTierAccount();
    const { engine, network } = simulatedEngine(account, { remediators });
    const { event } = inject.authorizeIngress(account, SG.db, [{ protocol: 'tcp', fromPort: 3306, toPort: 3306, prefixListId: PL.office }]);
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('ignored');
    expect(ingress(account, SG.db).some((r) => r.prefixListId === PL.office)).toBe(true);
    expect(network.countCalls().RevokeSecurityGroupIngress).toBeUndefined();
  });

  it('the web tier on 443 from a list of the internet is allowed; on 22 it is not', async () => {
    const account = threeTierAccount();
    const { engine } = simulatedEngine(account, { remediators });
    const https = await engine.handle(
      inject.authorizeIngress(account, SG.web, [{ protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: PL.everywhere }]).event,
    );
    const ssh = await engine.handle(
      inject.authorizeIngress(account, SG.web, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: PL.everywhere }]).event,
    );
    expect([https.outcome, ssh.outcome]).toEqual(['ignored', 'remediated']);
    expect(ingress(account, SG.web).filter((r) => r.prefixListId === PL.everywhere).map((r) => r.fromPort)).toEqual([443]);
  });
});
