import { describe, expect, it } from 'vitest';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { type RunbookDeps, runRunbook } from '../../functions/pipeline/runbook.js';

/*
 * Tier-to-tier reachability found without an event: the sweep of the three-tier VPC (web -> application
 * -> database, by the Tier tag on groups and subnets) reverts the rules that let a tier skip one, keeps
 * the chain's own rules and the sources in no tier, and reads each VPC's subnets once for every purpose.
 */

const tcp = (port: number, source: { cidrIpv4?: string; referencedGroupId?: string }) => ({ protocol: 'tcp', fromPort: port, toPort: port, ...source });

describe('sweep: tier skips whose events were missed', () => {
  it('revokes the database tier’s rules from the web tier (its group, a public subnet) and the web tier’s from the database subnets; keeps the rest', async () => {
    const account = threeTierAccount();
    const [webGroupOnDb] = account.authorizeIngress(B.securityGroups.db, [tcp(3306, { referencedGroupId: B.securityGroups.web })]);
    const [publicSubnetOnDb] = account.authorizeIngress(B.securityGroups.db, [tcp(3306, { cidrIpv4: '10.0.1.0/24' })]);
    const [dbSubnetOnWeb] = account.authorizeIngress(B.securityGroups.web, [tcp(22, { cidrIpv4: '10.0.21.0/24' })]);
    // Controls: the chain itself, a source in no tier (the exempt group has no Tier tag), a peered range.
    const controls = [
      ...account.authorizeIngress(B.securityGroups.db, [tcp(5432, { referencedGroupId: B.securityGroups.app })]),
      ...account.authorizeIngress(B.securityGroups.db, [tcp(22, { referencedGroupId: B.securityGroups.exempt })]),
      ...account.authorizeIngress(B.securityGroups.db, [tcp(3306, { cidrIpv4: '172.31.0.0/16' })]),
      ...account.authorizeIngress(B.securityGroups.app, [tcp(8081, { cidrIpv4: '10.0.2.0/24' })]),
    ];
    const network = new SimulatedNetwork(account);
    const deps: RunbookDeps = { network, policy: DEFAULT_POLICY, clock: () => new Date() };

    const first = await runRunbook({ action: 'sweep', dryRun: false }, deps);
    const tierOutcomes = first.outcomes.filter((o) => o.drift.some((d) => d.kind === 'sg-tier-skip'));
    expect(tierOutcomes.map((o) => [o.resources[0], o.outcome]).sort()).toEqual(
      [
        [B.securityGroups.db, 'remediated'],
        [B.securityGroups.web, 'remediated'],
      ].sort(),
    );
    for (const r of [webGroupOnDb, publicSubnetOnDb, dbSubnetOnWeb]) expect(account.rules.has(r?.ruleId as string), r?.ruleId).toBe(false);
    for (const r of controls) expect(account.rules.has(r.ruleId), r.ruleId).toBe(true);
    const db = tierOutcomes.find((o) => o.resources[0] === B.securityGroups.db);
    expect(db?.drift).toEqual([
      expect.objectContaining({
        kind: 'sg-tier-skip',
        tier: 'database',
        reached: { [webGroupOnDb?.ruleId as string]: `web (${B.securityGroups.web})`, [publicSubnetOnDb?.ruleId as string]: `web (${B.subnets.public1})` },
      }),
    ]);
    // One DescribeSubnets for the VPC, whatever needs it; the referenced groups were on the page.
    expect(network.calls.filter((c) => c.operation === 'DescribeSubnets')).toHaveLength(1);

    const second = await runRunbook({ action: 'sweep', dryRun: false }, deps);
    expect(second.outcomes.filter((o) => o.drift.some((d) => d.kind === 'sg-tier-skip'))).toEqual([]);
  });

  it('dry-run reports the tier skip and changes nothing; tiers: [] judges none', async () => {
    const account = threeTierAccount();
    const [skip] = account.authorizeIngress(B.securityGroups.db, [tcp(3306, { referencedGroupId: B.securityGroups.web })]);
    const dry = await runRunbook({ action: 'revert-security-group', groupId: B.securityGroups.db, dryRun: true }, { network: new SimulatedNetwork(account), policy: DEFAULT_POLICY, clock: () => new Date() });
    expect(dry.outcomes[0]).toMatchObject({ outcome: 'dry-run', actions: [{ type: 'revoke-ingress', ruleIds: [skip?.ruleId], result: 'skipped' }] });
    expect(account.rules.has(skip?.ruleId as string)).toBe(true);
    const untiered = { ...DEFAULT_POLICY, tiers: { chain: [], addressSpace: [] } };
    const none = await runRunbook({ action: 'revert-security-group', groupId: B.securityGroups.db, dryRun: false }, { network: new SimulatedNetwork(account), policy: untiered, clock: () => new Date() });
    expect(none.outcomes[0]?.outcome).toBe('already-compliant');
    expect(account.rules.has(skip?.ruleId as string)).toBe(true);
  });
});
