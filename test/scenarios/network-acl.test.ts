import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inject, type Injected } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE as B } from '../../events/simulated-account/ids.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { dayFrom } from '../../functions/core/exemption.js';
import type { NetworkAclEntry } from '../../functions/core/network.js';
import { internetEntries } from '../../functions/core/network-acl.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { runRunbook } from '../../functions/pipeline/runbook.js';

/**
 * Network ACLs of the isolated tier on the simulated three-tier account, end to end: the event path
 * (the same engine a deployed function runs), the runbook and the sweep, each by the one decision.
 */

const ACL = B.networkAcls;
const DB = [B.subnets.database1, B.subnets.database2];
const allowIn = (ruleNumber: number, protocol: string, source: string, ports?: number): NetworkAclEntry => ({
  ruleNumber,
  egress: false,
  ruleAction: 'allow',
  protocol,
  ...(source.includes(':') ? { cidrIpv6: source } : { cidrIpv4: source }),
  ...(ports !== undefined ? { portRange: { from: ports, to: ports } } : {}),
});

/** Database subnets whose ACL admits anything from the internet. */
const exposed = (account: SimulatedAccount): string[] =>
  DB.filter((id) => internetEntries(account.subnetAcl(id) ?? { entries: [] }, DEFAULT_POLICY).length > 0);
/** Every ACL's entries and every subnet's ACL: what "the rest is untouched" compares. */
const layout = (account: SimulatedAccount) => ({
  entries: Object.fromEntries(Object.values(ACL).map((id) => [id, account.networkAcl(id)?.entries])),
  acls: Object.fromEntries(Object.values(B.subnets).map((id) => [id, account.subnetAcl(id)?.networkAclId])),
});
const redelivered = (injected: Injected, eventID: string) => {
  const copy = structuredClone(injected.event) as { detail: { eventID: string } };
  copy.detail.eventID = eventID;
  return copy;
};

describe('network ACLs on the simulated account: the event path', () => {
  it.each([
    {
      name: 'CreateNetworkAclEntry: tcp/3306 from 0.0.0.0/0 on the database ACL',
      inject: (a: SimulatedAccount) => inject.aclEntry(a, ACL.database, allowIn(90, '6', '0.0.0.0/0', 3306)),
      action: { type: 'delete-nacl-entry', networkAclId: ACL.database, ruleNumber: 90, egress: false, result: 'done' },
      calls: { DescribeNetworkAcls: 3, DescribeSubnets: 1, DeleteNetworkAclEntry: 1 },
      baselineAfter: true,
    },
    {
      name: 'CreateNetworkAclEntry: all traffic from ::/0 (protocol spelled "all")',
      inject: (a: SimulatedAccount) => inject.aclEntry(a, ACL.database, allowIn(95, 'all', '::/0')),
      action: { type: 'delete-nacl-entry', networkAclId: ACL.database, ruleNumber: 95, egress: false, result: 'done' },
      calls: { DescribeNetworkAcls: 3, DescribeSubnets: 1, DeleteNetworkAclEntry: 1 },
      baselineAfter: true,
    },
    {
      name: 'ReplaceNetworkAclAssociation: a database subnet onto the default ACL',
      inject: (a: SimulatedAccount) => inject.moveSubnetAcl(a, B.subnets.database1, ACL.default),
      action: { type: 'replace-nacl-association', subnetId: B.subnets.database1, fromNetworkAclId: ACL.default, toNetworkAclId: ACL.database, result: 'done' },
      calls: { DescribeNetworkAcls: 3, DescribeSubnets: 1, ReplaceNetworkAclAssociation: 1 },
      baselineAfter: true,
    },
  ])('$name: reverted exactly, told once, then already-compliant', async (c) => {
    // Prepare
    const account = threeTierAccount();
    const baseline = layout(account);
    const { engine, network, notifier } = simulatedEngine(account);
    const injected = c.inject(account);
    expect(exposed(account).length).toBeGreaterThan(0);
    // Act
    const first = await engine.handle(injected.event);
    // Assess
    expect(first.outcome).toBe('remediated');
    expect(first.actions).toEqual([expect.objectContaining(c.action)]);
    expect(exposed(account)).toEqual([]);
    expect(layout(account)).toEqual(baseline);
    expect(network.countCalls()).toEqual(c.calls);
    expect(notifier.sent).toHaveLength(1);
    const second = await engine.handle(redelivered(injected, `${injected.eventId}-again`));
    expect(['already-compliant', 'ignored']).toContain(second.outcome);
    expect(network.calls.filter((x) => x.operation === 'DeleteNetworkAclEntry' || x.operation === 'ReplaceNetworkAclAssociation')).toHaveLength(1);
  });

  it('ReplaceNetworkAclEntry: the entry is deleted (its old definition is unknown) and a person is told what to restore', async () => {
    const account = threeTierAccount();
    const { engine } = simulatedEngine(account);
    const outcome = await engine.handle(inject.aclEntry(account, ACL.database, allowIn(100, '-1', '0.0.0.0/0'), { replace: true }).event);
    expect(outcome.outcome).toBe('remediated');
    expect(account.networkAcl(ACL.database)?.entries.some((e) => e.ruleNumber === 100 && !e.egress)).toBe(false);
    expect(outcome.humanAction).toMatch(/create it again with its previous definition/);
    // The egress entry of the same number and the * entries stay.
    expect(account.networkAcl(ACL.database)?.entries.map((e) => `${e.ruleNumber}${e.egress ? 'e' : 'i'}`).sort()).toEqual(['100e', '32767e', '32767i']);
  });

  it('negative controls: a shadowed allow, the default ACL, an egress entry, a failed call: nothing changes', async () => {
    const account = threeTierAccount();
    account.createNetworkAclEntry(ACL.database, { ruleNumber: 50, egress: false, ruleAction: 'deny', protocol: '-1', cidrIpv4: '0.0.0.0/0' });
    const { engine, network } = simulatedEngine(account);
    const outcomes = [
      await engine.handle(inject.aclEntry(account, ACL.database, allowIn(150, '6', '0.0.0.0/0', 3306)).event),
      await engine.handle(inject.aclEntry(account, ACL.default, allowIn(130, '6', '0.0.0.0/0', 443)).event),
      await engine.handle(inject.aclEntry(account, ACL.database, { ...allowIn(120, '6', '0.0.0.0/0', 443), egress: true }).event),
      await engine.handle(inject.aclEntry(account, ACL.database, allowIn(90, '6', '0.0.0.0/0', 3306), { failWith: 'Client.UnauthorizedOperation' }).event),
    ];
    expect(outcomes.map((o) => o.outcome)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
    expect(outcomes[0]?.reason).toMatch(/rule 50: deny all traffic from 0.0.0.0\/0 matches that traffic first/);
    expect(network.calls.filter((x) => x.operation.startsWith('Delete') || x.operation.startsWith('Replace'))).toEqual([]);
  });

  it('an exempt database subnet is not moved', async () => {
    const now = new Date();
    const account = threeTierAccount(now);
    account.setTags(B.subnets.database1, { 'layerguard:exempt': `until=${dayFrom(now, 10)};reason=vendor migration` });
    const { engine } = simulatedEngine(account);
    const outcome = await engine.handle(inject.moveSubnetAcl(account, B.subnets.database1, ACL.default).event);
    expect(outcome.outcome).toBe('exempt');
    expect(account.subnetAcl(B.subnets.database1)?.networkAclId).toBe(ACL.default);
  });

  it('no single isolated ACL: alert-only, the subnet stays, and the person is told how to move it', async () => {
    const account = threeTierAccount();
    account.createNetworkAcl(B.vpcId, { networkAclId: 'acl-0a1b2c3d4e5f6a009', tags: { Tier: 'Database' } });
    const { engine, network } = simulatedEngine(account);
    const outcome = await engine.handle(inject.moveSubnetAcl(account, B.subnets.database1, ACL.default).event);
    expect(outcome.outcome).toBe('alert-only');
    expect(outcome.humanAction).toMatch(/aws ec2 replace-network-acl-association --association-id aclassoc-/);
    expect(network.calls.filter((x) => x.operation === 'ReplaceNetworkAclAssociation')).toEqual([]);
  });

  it('dry-run reports and changes nothing', async () => {
    const account = threeTierAccount();
    const { engine } = simulatedEngine(account, { policy: parsePolicy({ mode: 'dry-run' }) });
    const outcome = await engine.handle(inject.aclEntry(account, ACL.database, allowIn(90, '6', '0.0.0.0/0', 3306)).event);
    expect(outcome.outcome).toBe('dry-run');
    expect(outcome.reason).toMatch(/^would delete rule 90/);
    expect(exposed(account)).toEqual(DB);
  });
});

describe('network ACLs: the runbook and the sweep decide as the event path does', () => {
  it('a sweep finds the drift whose events were missed (an entry and a moved subnet), and a second sweep finds none', async () => {
    const account = threeTierAccount();
    account.createNetworkAclEntry(ACL.database, allowIn(90, '6', '0.0.0.0/0', 3306));
    const assoc = [...account.aclAssociations.values()].find((a) => a.subnetId === B.subnets.database2);
    account.replaceNetworkAclAssociation(assoc?.associationId as string, ACL.default);
    const deps = { network: new SimulatedNetwork(account), policy: DEFAULT_POLICY, clock: () => new Date() };
    const first = await runRunbook({ action: 'sweep' }, deps);
    const actions = first.outcomes.flatMap((o) => o.actions).map((a) => a.type).sort();
    expect(actions).toEqual(['delete-nacl-entry', 'replace-nacl-association']);
    expect(first.outcomes.every((o) => o.outcome === 'remediated')).toBe(true);
    expect(exposed(account)).toEqual([]);
    expect(account.subnetAcl(B.subnets.database2)?.networkAclId).toBe(ACL.database);
    const second = await runRunbook({ action: 'sweep' }, deps);
    expect(second.outcomes.filter((o) => o.outcome !== 'exempt')).toEqual([]);
  });

  it('revert-network-acl: one ACL, the same decision', async () => {
    const account = threeTierAccount();
    account.createNetworkAclEntry(ACL.database, allowIn(90, '6', '0.0.0.0/0', 3306));
    const deps = { network: new SimulatedNetwork(account), policy: DEFAULT_POLICY, clock: () => new Date() };
    const result = await runRunbook({ action: 'revert-network-acl', networkAclId: ACL.database }, deps);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['remediated']);
    expect(exposed(account)).toEqual([]);
    const clean = await runRunbook({ action: 'revert-network-acl', networkAclId: ACL.database }, deps);
    expect(clean.outcomes.map((o) => o.outcome)).toEqual(['already-compliant']);
    const missing = await runRunbook({ action: 'revert-network-acl', networkAclId: 'acl-0a1b2c3d4e5f6afff' }, deps);
    expect(missing.notFound).toEqual(['acl-0a1b2c3d4e5f6afff']);
  });
});

describe('network ACLs: a property of the event path', () => {
  const SEED = process.env.LAYERGUARD_PROPERTY_SEED ? Number(process.env.LAYERGUARD_PROPERTY_SEED) : undefined;
  // Its own model of what is drift: an ingress allow from a prefix shorter than /8 (IPv4) or /16 (IPv6,
  // not fc00::/7), on the database ACL, that no lower deny of the same or all protocols and a network
  // holding its source matches first. Whatever entries the ACL holds, handling the event of one entry
  // changes that entry only (deleted exactly when it is drift), and never a default (*) entry.
  it('deletes the event\'s entry exactly when it admits the internet unshadowed, and changes nothing else (property)', async () => {
    const source = fc.constantFrom('0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1', '10.0.0.0/8', '10.0.0.0/16', '::/0', '2001:db8::/32', 'fc00::/7');
    const entryArb = fc.record({
      n: fc.integer({ min: 1, max: 300 }),
      action: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
      source,
      proto: fc.constantFrom('-1', '6', '17'),
      egress: fc.boolean(),
    });
    const toEntry = (r: { n: number; action: 'allow' | 'deny'; source: string; proto: string; egress: boolean }): NetworkAclEntry => ({
      ruleNumber: r.n,
      egress: r.egress,
      ruleAction: r.action,
      protocol: r.proto,
      ...(r.source.includes(':') ? { cidrIpv6: r.source } : { cidrIpv4: r.source }),
      ...(r.proto === '-1' ? {} : { portRange: { from: 0, to: 65535 } }),
    });
    const prefix = (c: string) => Number(c.split('/')[1]);
    const isInternet = (e: NetworkAclEntry) =>
      e.cidrIpv4 !== undefined ? prefix(e.cidrIpv4) < 8 : !(e.cidrIpv6 as string).startsWith('fc') && prefix(e.cidrIpv6 as string) < 16;
    const holds = (outer: string, inner: string) => {
      if (outer.includes(':') !== inner.includes(':')) return false;
      if (prefix(outer) === 0) return true;
      return outer === inner || (prefix(outer) <= prefix(inner) && outer.split('.')[0] === inner.split('.')[0] && prefix(outer) >= 8);
    };
    const shadowed = (e: NetworkAclEntry, all: readonly NetworkAclEntry[]) =>
      all.some(
        (d) =>
          d.ruleAction === 'deny' &&
          d.egress === e.egress &&
          d.ruleNumber < e.ruleNumber &&
          (d.protocol === '-1' || d.protocol === e.protocol) &&
          holds((d.cidrIpv4 ?? d.cidrIpv6) as string, (e.cidrIpv4 ?? e.cidrIpv6) as string),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { maxLength: 4 }), entryArb, async (existing, made) => {
        const account = threeTierAccount();
        const taken = new Set([100]);
        for (const r of existing) {
          if (taken.has(r.n) || r.n === made.n) continue;
          taken.add(r.n);
          account.createNetworkAclEntry(ACL.database, toEntry(r));
        }
        if (taken.has(made.n)) return;
        const entry = toEntry(made);
        const { engine } = simulatedEngine(account);
        const injected = inject.aclEntry(account, ACL.database, entry);
        const before = account.networkAcl(ACL.database)?.entries ?? [];
        const outcome = await engine.handle(injected.event);
        const after = account.networkAcl(ACL.database)?.entries ?? [];
        const drift = entry.ruleAction === 'allow' && !entry.egress && isInternet(entry) && !shadowed(entry, before);
        const key = (e: NetworkAclEntry) => `${e.ruleNumber}${e.egress}`;
        const expected = drift ? before.filter((e) => key(e) !== key(entry)) : before;
        expect(after).toEqual(expected);
        expect(outcome.outcome).toBe(drift ? 'remediated' : 'ignored');
        expect(after.filter((e) => e.ruleNumber === 32767)).toHaveLength(2);
      }),
      SEED === undefined ? { numRuns: 150 } : { numRuns: 150, seed: SEED },
    );
  });
});
