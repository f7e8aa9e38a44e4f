import { describe, expect, it } from 'vitest';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { type CallRecord, SimulatedNetwork, type SimulatedNetworkOptions } from '../../events/simulated-account/network.js';
import { ec2Throttle } from '../../events/simulated-account/throttle.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { type RunbookDeps, type RunbookResult, runRunbook } from '../../functions/pipeline/runbook.js';
import { mapLimit } from '../../functions/pipeline/sweep.js';

/**
 * Runbooks and sweeps on the simulated three-tier account: drift injected WITHOUT its event (as if
 * the event had been missed) is found and reverted, exactly it and nothing else.
 */

/** Retries as the SDK's standard mode does, scaled down so that the tests stay fast. */
const RETRY = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 100 } as const;

const MUTATING = new Set(['RevokeSecurityGroupIngress', 'DeleteRoute', 'ReplaceRouteTableAssociation']);
const mutatingCalls = (network: SimulatedNetwork) => network.calls.filter((c) => MUTATING.has(c.operation));

function setup(opts: SimulatedNetworkOptions = { retry: RETRY }, account: SimulatedAccount = threeTierAccount()) {
  const network = new SimulatedNetwork(account, opts);
  const deps: RunbookDeps = { network, policy: DEFAULT_POLICY, clock: () => new Date() };
  const run = (payload: Parameters<typeof runRunbook>[0]) => runRunbook(payload, deps);
  return { account, network, deps, run };
}

const tcp = (port: number, cidr: string) =>
  cidr.includes(':')
    ? { protocol: 'tcp', fromPort: port, toPort: port, cidrIpv6: cidr }
    : { protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: cidr };

/** Several drifts made straight on the account (no CloudTrail event), and controls that are not drift. */
function injectDrift(account: SimulatedAccount) {
  const [ssh] = account.authorizeIngress(B.securityGroups.app, [tcp(22, '0.0.0.0/0')]);
  const split = account.authorizeIngress(B.securityGroups.db, [tcp(3306, '0.0.0.0/1'), tcp(3306, '128.0.0.0/1')]);
  // database2 falls back to the main table implicitly, and the main table gets an internet route.
  account.disassociate(B.associations.database2);
  account.createRoute(B.routeTables.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: B.internetGatewayId });
  // database1 is moved onto the public table.
  account.replaceAssociation(B.associations.database1, B.routeTables.public);
  // Controls: the web tier on 443 from ::/0 (allowed), a narrow CIDR, an exempt group open to the world.
  account.authorizeIngress(B.securityGroups.web, [tcp(443, '::/0')]);
  account.authorizeIngress(B.securityGroups.db, [tcp(5432, '10.0.11.0/24')]);
  account.authorizeIngress(B.securityGroups.exempt, [tcp(22, '0.0.0.0/0')]);
  return { sshRuleId: ssh?.ruleId as string, splitRuleIds: split.map((r) => r.ruleId) };
}

const snapshot = (account: SimulatedAccount) =>
  JSON.stringify({
    rules: [...account.rules.values()],
    tables: [...account.routeTables.keys()].map((id) => account.routeTable(id)),
  });

const byKind = (r: RunbookResult) =>
  r.outcomes.map((o) => `${o.outcome} ${o.drift.map((d) => d.kind).join('+') || '-'} ${o.resources[0]}`).sort();

describe('sweep: a prefix-list rule whose event was missed', () => {
  it('is judged by the list entries: the rule from a list of the internet goes, the one from office ranges stays', async () => {
    const { account, network, run } = setup();
    const [open] = account.authorizeIngress(B.securityGroups.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: B.prefixLists.everywhere }]);
    const [office] = account.authorizeIngress(B.securityGroups.db, [{ protocol: 'tcp', fromPort: 3306, toPort: 3306, prefixListId: B.prefixLists.office }]);

    const result = await run({ action: 'sweep' });

    expect(byKind(result)).toEqual([`remediated sg-world-open ${B.securityGroups.app}`]);
    expect(account.rules.has(open?.ruleId as string)).toBe(false);
    expect(account.rules.has(office?.ruleId as string)).toBe(true);
    // One read per group that names a list (the app and the db tier), none for the others.
    expect(network.countCalls().GetManagedPrefixListEntries).toBe(2);
    expect(mutatingCalls(network).map((c) => c.operation)).toEqual(['RevokeSecurityGroupIngress']);
  });
});

describe('sweep: drift whose event was missed', () => {
  it('dry-run lists exactly the injected drift and changes nothing', async () => {
    const { account, network, run } = setup();
    const { sshRuleId, splitRuleIds } = injectDrift(account);
    const before = snapshot(account);

    const result = await run({ action: 'sweep', dryRun: true });

    expect(result.dryRun).toBe(true);
    expect(byKind(result)).toEqual(
      [
        `dry-run sg-world-open ${B.securityGroups.app}`,
        `dry-run sg-world-open ${B.securityGroups.db}`,
        `exempt - ${B.securityGroups.exempt}`,
        `dry-run forbidden-route-on-isolated-subnet ${B.routeTables.main}`,
        `dry-run isolated-subnet-on-internet-table ${B.routeTables.public}`,
      ].sort(),
    );
    const app = result.outcomes.find((o) => o.resources[0] === B.securityGroups.app) as Outcome;
    expect(app.actions).toEqual([{ type: 'revoke-ingress', groupId: B.securityGroups.app, ruleIds: [sshRuleId], result: 'skipped' }]);
    const db = result.outcomes.find((o) => o.resources[0] === B.securityGroups.db) as Outcome;
    expect(db.actions[0]).toMatchObject({ ruleIds: splitRuleIds });
    const main = result.outcomes.find((o) => o.resources[0] === B.routeTables.main) as Outcome;
    expect(main.drift[0]).toMatchObject({ subnetIds: [B.subnets.database2] });
    expect(main.reason).toContain('through the main route table');

    expect(result.summary).toMatchObject({
      total: 5,
      counts: { 'dry-run': 4, exempt: 1, remediated: 0, failed: 0 },
      scanned: { securityGroups: 4, routeTables: 4, vpcs: 1 },
    });
    expect(result.outcomes.every((o) => o.trigger.source === 'runbook' && o.eventName === 'sweep')).toBe(true);
    expect(snapshot(account)).toBe(before);
    expect(mutatingCalls(network)).toEqual([]);
  });

  it('enforce reverts exactly the drift, keeps the controls, and a second sweep finds nothing left to do', async () => {
    const { account, network, run } = setup();
    injectDrift(account);

    const first = await run({ action: 'sweep' });
    expect(first.summary.counts).toMatchObject({ remediated: 4, exempt: 1, failed: 0, 'dry-run': 0 });

    const ingress = (groupId: string) => account.rulesOf(groupId).filter((r) => !r.isEgress);
    const world = (groupId: string) => ingress(groupId).filter((r) => ['0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1'].includes(r.cidrIpv4 ?? ''));
    expect(world(B.securityGroups.app)).toEqual([]);
    expect(world(B.securityGroups.db)).toEqual([]);
    // Everything else in the groups stays: the baseline rules and the controls.
    expect(ingress(B.securityGroups.app).map((r) => r.ruleId).sort()).toEqual([B.rules.appFromWeb, B.rules.appAdmin].sort());
    expect(ingress(B.securityGroups.db).map((r) => r.cidrIpv4 ?? r.referencedGroupId)).toEqual([B.securityGroups.app, '10.0.11.0/24']);
    expect(ingress(B.securityGroups.web).some((r) => r.cidrIpv6 === '::/0' && r.fromPort === 443)).toBe(true);
    expect(ingress(B.securityGroups.exempt).some((r) => r.cidrIpv4 === '0.0.0.0/0')).toBe(true);
    // The isolated subnets: database1 back on the database table, database2's main table without the route.
    expect(account.effectiveRouteTable(B.subnets.database1)?.routeTableId).toBe(B.routeTables.database);
    for (const subnet of [B.subnets.database1, B.subnets.database2]) {
      const routes = account.effectiveRouteTable(subnet)?.routes ?? [];
      expect(routes.filter((r) => r.gatewayId?.startsWith('igw-'))).toEqual([]);
      expect(routes.some((r) => r.gatewayId === 'local')).toBe(true);
    }
    // The public table keeps its internet route (the web subnets need it).
    expect(account.routeTable(B.routeTables.public)?.routes.some((r) => r.gatewayId === B.internetGatewayId)).toBe(true);
    expect(mutatingCalls(network).map((c) => c.operation).sort()).toEqual(
      ['DeleteRoute', 'ReplaceRouteTableAssociation', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupIngress'].sort(),
    );
    expect(first.outcomes.every((o) => o.outcome !== 'remediated' || (o.after as { verifiedBy?: string }).verifiedBy)).toBe(true);

    const callsBefore = network.calls.length;
    const second = await run({ action: 'sweep' });
    expect(second.summary.counts).toMatchObject({ remediated: 0, 'dry-run': 0, failed: 0, 'alert-only': 0, exempt: 1 });
    expect(second.outcomes.map((o) => o.outcome)).toEqual(['exempt']);
    expect(mutatingCalls(network)).toHaveLength(4); // none in the second sweep
    // Reads only: 1 page of groups, 4 rule lists, 1 page of tables, 1 page of network ACLs, 1 subnet
    // list (shared by the route tables and the ACLs: the default ACL admits the internet, for the web tier).
    expect(network.calls.slice(callsBefore).map((c) => c.operation).sort()).toEqual(
      [
        'DescribeSecurityGroups',
        ...Array(4).fill('DescribeSecurityGroupRules'),
        'DescribeRouteTables',
        'DescribeNetworkAcls',
        'DescribeSubnets',
      ].sort(),
    );
  });

  it('vpcId: sweeps that VPC only', async () => {
    const { account, network, run } = setup();
    injectDrift(account);
    const other = account.createVpc('10.9.0.0/16');
    const otherGroup = account.createSecurityGroup(other, 'other');
    account.authorizeIngress(otherGroup, [tcp(22, '0.0.0.0/0')]);

    const scoped = await run({ action: 'sweep', vpcId: B.vpcId, dryRun: true });
    expect(scoped.outcomes.some((o) => o.resources.includes(otherGroup))).toBe(false);
    expect(scoped.summary.scanned).toMatchObject({ securityGroups: 4, vpcs: 1 });
    expect(network.calls.filter((c) => c.operation === 'DescribeSecurityGroupRules')).toHaveLength(4);

    const region = await run({ action: 'sweep', dryRun: true });
    expect(region.outcomes.some((o) => o.resources.includes(otherGroup) && o.outcome === 'dry-run')).toBe(true);
    expect(region.summary.scanned).toMatchObject({ securityGroups: 5, vpcs: 2, vpcsWithForbiddenRoutes: 1 });
  });

  it('a read that keeps failing is a failed outcome for that group; the sweep goes on', async () => {
    const account = threeTierAccount();
    injectDrift(account);
    let rulesCalls = 0;
    const { run } = setup({
      retry: RETRY,
      fault: (operation) =>
        operation === 'DescribeSecurityGroupRules' && ++rulesCalls === 1
          ? Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' })
          : undefined,
    }, account);
    const result = await run({ action: 'sweep' });
    expect(result.summary.counts.failed).toBe(1);
    expect(result.outcomes.find((o) => o.outcome === 'failed')).toMatchObject({ error: { code: 'UnauthorizedOperation' } });
    // The rest was still reverted.
    expect(result.summary.counts.remediated).toBeGreaterThanOrEqual(3);
  });
});

/** The largest number of calls in flight at once, from the call log. */
function maxOverlap(calls: readonly CallRecord[]): number {
  const edges = calls.flatMap((c) => [
    [c.startedAt, 1],
    [c.endedAt, -1],
  ] as const);
  // Ends before starts at the same instant: touching intervals do not overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of edges) {
    now += delta;
    max = Math.max(max, now);
  }
  return max;
}

describe('sweep: a large region inside EC2 API budget', () => {
  it('2,000 groups with the throttle buckets on and retry enabled: no failed outcome, never more than 4 calls in flight', async () => {
    const account = threeTierAccount();
    const drifted: string[] = [];
    for (let i = 0; i < 2_000; i += 1) {
      const groupId = account.createSecurityGroup(B.vpcId, `load-${i}`, { tags: { Name: `load-${i}` } });
      account.authorizeIngress(groupId, [tcp(8080, `10.0.${i % 250}.0/24`)]);
      if (i % 100 === 7) {
        account.authorizeIngress(groupId, [tcp(22, '0.0.0.0/0')]);
        drifted.push(groupId);
      }
    }
    // EC2's buckets (reads: 100 burst, 20/s), on a virtual clock that moves 40 ms with every call, not
    // with the wall clock (a loaded machine must not change the answer): the reads refill 0.8 of a token
    // a call, so once the burst is spent one call in five is throttled, and retry absorbs it.
    let ticks = 0;
    const throttle = ec2Throttle(() => (ticks++) * 40);
    const { network, run } = setup({ throttle, retry: RETRY, latencyMs: 1 }, account);

    const result = await run({ action: 'sweep', vpcId: B.vpcId });

    expect(result.summary.counts.failed).toBe(0);
    expect(result.summary.counts.remediated).toBe(drifted.length);
    expect(result.outcomes.filter((o) => o.outcome === 'remediated').map((o) => o.resources[0]).sort()).toEqual(drifted.sort());
    expect(result.summary.scanned).toMatchObject({ securityGroups: 2_004 });
    // Throttled on the way, and every throttled call was retried to success.
    const throttled = network.calls.filter((c) => c.errorCode === 'RequestLimitExceeded');
    expect(throttled.length).toBeGreaterThan(0);
    expect(network.calls.filter((c) => c.result === 'error' && c.errorCode !== 'RequestLimitExceeded')).toEqual([]);
    // Bounded concurrency: 4 at a time, and the bound is used.
    expect(maxOverlap(network.calls)).toBe(4);
    // No N+1: one rule list per group, groups described only by their pages, subnets once.
    const ok = network.calls.filter((c) => c.result === 'ok');
    const count = (op: string) => ok.filter((c) => c.operation === op).length;
    expect(count('DescribeSecurityGroupRules')).toBe(2_004);
    expect(count('DescribeSecurityGroups')).toBe(Math.ceil(2_004 / 100));
    expect(count('DescribeSubnets')).toBe(1);
    expect(count('RevokeSecurityGroupIngress')).toBe(drifted.length);
  }, 60_000);

  it('mapLimit keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
    expect(await mapLimit([], 4, async (n: number) => n)).toEqual([]);
  });
});

describe('runbooks on one resource', () => {
  it('revert-security-group reverts that group only', async () => {
    const { account, run } = setup();
    const { sshRuleId } = injectDrift(account);
    const result = await run({ action: 'revert-security-group', groupId: B.securityGroups.app });
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'remediated', actions: [{ ruleIds: [sshRuleId], result: 'done' }] });
    expect(account.rulesOf(B.securityGroups.db).some((r) => r.cidrIpv4 === '0.0.0.0/1')).toBe(true); // untouched
    const again = await run({ action: 'revert-security-group', groupId: B.securityGroups.app });
    expect(again.outcomes[0]?.outcome).toBe('already-compliant');
    const exempt = await run({ action: 'revert-security-group', groupId: B.securityGroups.exempt });
    expect(exempt.outcomes[0]?.outcome).toBe('exempt');
    const gone = await run({ action: 'revert-security-group', groupId: 'sg-0a1b2c3d4e5f6ffff' });
    // A runbook named it: "not found" (the CLI exits 2), unlike an event's group that has gone since.
    expect(gone.outcomes[0]).toMatchObject({ outcome: 'ignored', reason: 'sg-0a1b2c3d4e5f6ffff not found' });
    expect(gone.notFound).toEqual(['sg-0a1b2c3d4e5f6ffff']);
  });

  it('revert-route-table on the main table deletes the internet route that database2 uses implicitly', async () => {
    const { account, run } = setup();
    injectDrift(account);
    const result = await run({ action: 'revert-route-table', routeTableId: B.routeTables.main });
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['remediated']);
    expect(result.outcomes[0]?.actions[0]).toMatchObject({ type: 'delete-route', destination: { cidrIpv4: '0.0.0.0/0' } });
    // The move of database1 is the public table's drift, not the main table's.
    expect(account.effectiveRouteTable(B.subnets.database1)?.routeTableId).toBe(B.routeTables.public);
  });

  it('revert-route-table on the public table moves database1 back and keeps the public route', async () => {
    const { account, run } = setup();
    injectDrift(account);
    const result = await run({ action: 'revert-route-table', routeTableId: B.routeTables.public });
    expect(result.outcomes.map((o) => `${o.outcome} ${o.actions[0]?.type}`)).toEqual(['remediated replace-association']);
    expect(account.effectiveRouteTable(B.subnets.database1)?.routeTableId).toBe(B.routeTables.database);
    expect(account.routeTable(B.routeTables.public)?.routes.some((r) => r.gatewayId === B.internetGatewayId)).toBe(true);
  });

  it('revert-route-table on a table only web subnets use: already-compliant, nothing deleted', async () => {
    const { network, run } = setup();
    const result = await run({ action: 'revert-route-table', routeTableId: B.routeTables.public });
    expect(result.outcomes[0]).toMatchObject({ outcome: 'already-compliant' });
    expect(result.outcomes[0]?.reason).toMatch(/no isolated subnet uses/);
    expect(mutatingCalls(network)).toEqual([]);
  });

  it('revert-subnet-association: back to the isolated table; dry-run first changes nothing', async () => {
    const { account, network, run } = setup();
    injectDrift(account);
    const dry = await run({ action: 'revert-subnet-association', subnetId: B.subnets.database1, dryRun: true });
    expect(dry.outcomes[0]).toMatchObject({ outcome: 'dry-run', actions: [{ toRouteTableId: B.routeTables.database, result: 'skipped' }] });
    expect(mutatingCalls(network)).toEqual([]);
    const done = await run({ action: 'revert-subnet-association', subnetId: B.subnets.database1 });
    expect(done.outcomes[0]?.outcome).toBe('remediated');
    expect(account.effectiveRouteTable(B.subnets.database1)?.routeTableId).toBe(B.routeTables.database);
    const again = await run({ action: 'revert-subnet-association', subnetId: B.subnets.database1 });
    expect(again.outcomes[0]?.outcome).toBe('already-compliant');
  });

  it('revert-subnet-association: alert-only when no single isolated table is known', async () => {
    const { account, network, run } = setup();
    account.replaceAssociation(B.associations.database1, B.routeTables.public);
    account.setTags(B.routeTables.database, { Tier: 'Unknown' });
    const result = await run({ action: 'revert-subnet-association', subnetId: B.subnets.database1 });
    expect(result.outcomes[0]).toMatchObject({ outcome: 'alert-only' });
    expect(result.outcomes[0]?.humanAction).toMatch(/replace-route-table-association/);
    expect(mutatingCalls(network)).toEqual([]);
  });

  it('revert-subnet-association on a subnet with no explicit association, or not isolated', async () => {
    const { account, run } = setup();
    account.disassociate(B.associations.database2);
    const implicit = await run({ action: 'revert-subnet-association', subnetId: B.subnets.database2 });
    expect(implicit.outcomes[0]).toMatchObject({ outcome: 'ignored' });
    expect(implicit.outcomes[0]?.reason).toMatch(/no explicit route table association/);
    const web = await run({ action: 'revert-subnet-association', subnetId: B.subnets.public1 });
    expect(web.outcomes[0]).toMatchObject({ outcome: 'ignored', reason: `${B.subnets.public1} is not an isolated subnet` });
    expect(implicit.notFound).toBeUndefined();
  });

  it('revert-subnet-association on a subnet that does not exist: "not found", nothing changed', async () => {
    const { network, run } = setup();
    const gone = await run({ action: 'revert-subnet-association', subnetId: 'subnet-0a1b2c3d4e5f6ffff' });
    expect(gone.outcomes[0]).toMatchObject({ outcome: 'ignored', reason: 'subnet-0a1b2c3d4e5f6ffff not found' });
    expect(gone.notFound).toEqual(['subnet-0a1b2c3d4e5f6ffff']);
    expect(mutatingCalls(network)).toEqual([]);
  });
});
