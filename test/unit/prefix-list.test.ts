import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PrefixList, PrefixListAssociation, SecurityGroup, SgRule } from '../../functions/core/network.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import {
  describeTierEntries,
  evaluatePrefixList,
  findTierEntries,
  internetCandidates,
  isAwsManaged,
  localGroupIds,
  planPrefixListRevert,
  type ReferencingGroup,
  screenPrefixList,
  tierEntryCandidates,
} from '../../functions/core/prefix-list.js';

const NOW = new Date('2025-03-14T12:00:00Z');
const policy = DEFAULT_POLICY;
const PL = 'pl-0a1b2c3d4e5f6a001';
const ACCOUNT = '111122223333';

const list = (over: Partial<PrefixList> = {}): PrefixList => ({
  prefixListId: PL,
  name: 'office-and-vpn',
  addressFamily: 'IPv4',
  ownerId: ACCOUNT,
  version: 2,
  state: 'modify-complete',
  tags: {},
  ...over,
});
const group = (groupId: string, tags: Record<string, string> = {}, more: Partial<SecurityGroup> = {}): SecurityGroup => ({
  groupId,
  groupName: groupId,
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  tags,
  ...more,
});
const rule = (groupId: string, over: Partial<SgRule>): SgRule => ({
  ruleId: `sgr-${groupId.slice(3)}${over.fromPort ?? 0}`,
  groupId,
  isEgress: false,
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  prefixListId: PL,
  ...over,
});
const APP = 'sg-0a1b2c3d4e5f67002';
const WEB = 'sg-0a1b2c3d4e5f67001';
const appSsh: ReferencingGroup = { group: group(APP, { Tier: 'Application' }), rules: [rule(APP, {})] };
const assoc = (...ids: string[]): PrefixListAssociation[] => ids.map((resourceId) => ({ resourceId, resourceOwner: ACCOUNT }));
const decide = (
  candidates: string[],
  entries: string[],
  groups: ReferencingGroup[],
  over: { list?: PrefixList | undefined; associations?: PrefixListAssociation[]; policy?: typeof policy } = {},
) =>
  evaluatePrefixList(
    candidates,
    'list' in over ? over.list : list(),
    entries,
    over.associations ?? assoc(...groups.map((g) => g.group.groupId)),
    groups,
    over.policy ?? policy,
    NOW,
  );

describe('internetCandidates: the added entries that are the internet, from the request alone', () => {
  it.each<[string, string[], string[]]>([
    ['the internet', ['0.0.0.0/0'], ['0.0.0.0/0']],
    ['the internet in halves', ['0.0.0.0/1', '128.0.0.0/1'], ['0.0.0.0/1', '128.0.0.0/1']],
    ['a /7 (broader than the IPv4 bound of 8)', ['10.0.0.0/7'], ['10.0.0.0/7']],
    ['a /8 (the bound itself)', ['10.0.0.0/8'], []],
    ['::/0 and a /15', ['::/0', '2000::/15'], ['::/0', '2000::/15']],
    ['an IPv6 /16 (the bound)', ['2001::/16'], []],
    // RFC 4193: private IPv6 is never the internet, however short its prefix.
    ['private IPv6 fc00::/7', ['fc00::/7'], []],
    ['office ranges', ['203.0.113.0/24', '10.8.0.0/16'], []],
    ['one entry twice', ['0.0.0.0/0', '0.0.0.0/0'], ['0.0.0.0/0']],
  ])('%s', (_name, added, expected) => expect(internetCandidates({ added }, policy)).toEqual(expected));

  it('follows the policy bounds', () => {
    expect(internetCandidates({ added: ['10.0.0.0/10'] }, parsePolicy({ worldOpen: { ipv4MinPrefix: 12 } }))).toEqual(['10.0.0.0/10']);
  });
});

describe('screenPrefixList: what the list alone decides', () => {
  it('a list that no longer exists: already compliant', () => {
    expect(screenPrefixList(undefined, policy, NOW)?.status).toBe('already-compliant');
  });
  it('an AWS-managed list (owner AWS): ignored, never changed', () => {
    expect(isAwsManaged(list({ ownerId: 'AWS' }))).toBe(true);
    expect(screenPrefixList(list({ ownerId: 'AWS' }), policy, NOW)).toEqual({
      status: 'ignored',
      reason: `${PL} is AWS-managed: only AWS changes its entries, and LayerGuard never does`,
    });
  });
  it('an exempt list (the policy tag, within its days)', () => {
    const exempt = list({ tags: { 'layerguard:exempt': 'until=2025-03-20;reason=partner cut-over' } });
    expect(screenPrefixList(exempt, policy, NOW)).toEqual({ status: 'exempt', reason: `${PL} is exempt until 2025-03-20: partner cut-over` });
  });
  it('a customer-managed list without an exemption: judged further', () => {
    expect(screenPrefixList(list(), policy, NOW)).toBeUndefined();
  });
});

describe('evaluatePrefixList', () => {
  it('drift: the added internet entry is in the list and opens a guarded group; every referencing resource is named', () => {
    const d = decide(['0.0.0.0/0'], ['203.0.113.0/24', '10.8.0.0/16', '0.0.0.0/0'], [appSsh], {
      associations: assoc(APP, 'rtb-0a1b2c3d4e5f60002'),
    });
    expect(d).toEqual({
      status: 'drift',
      drift: { kind: 'prefix-list-internet-entry', prefixListId: PL, cidrs: ['0.0.0.0/0'], groupIds: [APP], referencedBy: [APP, 'rtb-0a1b2c3d4e5f60002'] },
      reason: `${PL} gained 0.0.0.0/0, so ${APP}: tcp/22 from ${PL} (0.0.0.0/0); referenced by ${APP}, rtb-0a1b2c3d4e5f60002`,
    });
  });

  it('only the added entries are drift: an internet entry that was there before is the sweep’s, not this event’s', () => {
    const d = decide(['0.0.0.0/1'], ['0.0.0.0/1', '128.0.0.0/1'], [appSsh]);
    expect(d.status === 'drift' && d.drift.cidrs).toEqual(['0.0.0.0/1']);
  });

  it('entries are compared as networks (EC2 stores them canonically)', () => {
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [appSsh]);
    expect(d.status).toBe('drift');
  });

  it('the added entries are no longer in the list (a redelivered event after the revert): already compliant', () => {
    expect(decide(['0.0.0.0/0'], ['203.0.113.0/24'], [appSsh])).toEqual({
      status: 'already-compliant',
      reason: `the entries added (0.0.0.0/0) are no longer in ${PL}`,
    });
  });

  it('no security group references the list: ignored, and the reason says so', () => {
    expect(decide(['0.0.0.0/0'], ['0.0.0.0/0'], [], { associations: [] })).toEqual({
      status: 'ignored',
      reason: `no security group references ${PL}: 0.0.0.0/0 left in the list`,
    });
  });

  it('only a route table references it: ignored (route tables are not judged by this decision), named', () => {
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [], { associations: assoc('rtb-0a1b2c3d4e5f60002') });
    expect(d.status).toBe('ignored');
    expect(d.reason).toMatch(/referenced by rtb-0a1b2c3d4e5f60002$/);
  });

  it('the public tier on an allowed port only: ignored', () => {
    const web: ReferencingGroup = { group: group(WEB, { Tier: 'Web' }), rules: [rule(WEB, { fromPort: 443, toPort: 443 })] };
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [web]);
    expect(d.status).toBe('ignored');
    expect(d.reason).toMatch(/no guarded group's ingress admits the internet through/);
  });

  it('the public tier on a port it may not open (tcp/22): drift', () => {
    const web: ReferencingGroup = { group: group(WEB, { Tier: 'Web' }), rules: [rule(WEB, { fromPort: 22, toPort: 22 })] };
    expect(decide(['0.0.0.0/0'], ['0.0.0.0/0'], [web]).status).toBe('drift');
  });

  it('a group attached to an internet-facing load balancer is the public tier too', () => {
    const lb: ReferencingGroup = {
      group: group(WEB, {}, { internetFacingLoadBalancers: ['shop'] }),
      rules: [rule(WEB, { fromPort: 443, toPort: 443 })],
    };
    expect(decide(['0.0.0.0/0'], ['0.0.0.0/0'], [lb]).status).toBe('ignored');
  });

  it('egress only: ignored (LayerGuard guards ingress)', () => {
    const out: ReferencingGroup = { group: group(APP), rules: [rule(APP, { isEgress: true })] };
    expect(decide(['0.0.0.0/0'], ['0.0.0.0/0'], [out]).status).toBe('ignored');
  });

  it('a rule naming another list does not count', () => {
    const other: ReferencingGroup = { group: group(APP), rules: [rule(APP, { prefixListId: 'pl-0a1b2c3d4e5f6a009' })] };
    expect(decide(['0.0.0.0/0'], ['0.0.0.0/0'], [other]).status).toBe('ignored');
  });

  it('only exempt groups would be opened: exempt, naming them', () => {
    const exempt: ReferencingGroup = {
      group: group('sg-0a1b2c3d4e5f67004', { 'layerguard:exempt': 'until=2025-03-20;reason=vendor load test' }),
      rules: [rule('sg-0a1b2c3d4e5f67004', {})],
    };
    expect(decide(['0.0.0.0/0'], ['0.0.0.0/0'], [exempt])).toEqual({
      status: 'exempt',
      reason: `${PL} opens only exempt groups to the internet: sg-0a1b2c3d4e5f67004 (exempt until 2025-03-20); referenced by sg-0a1b2c3d4e5f67004`,
    });
  });

  it('an exempt group beside a guarded one: drift, and the exempt group is named too', () => {
    const exempt: ReferencingGroup = {
      group: group('sg-0a1b2c3d4e5f67004', { 'layerguard:exempt': 'until=2025-03-20;reason=vendor load test' }),
      rules: [rule('sg-0a1b2c3d4e5f67004', {})],
    };
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [appSsh, exempt]);
    expect(d.status === 'drift' && d.drift.groupIds).toEqual([APP]);
    expect(d.reason).toMatch(/exempt groups it opens too: sg-0a1b2c3d4e5f67004 \(exempt until 2025-03-20\)/);
  });

  it('an expired exemption on the list does not exempt it, and the reason says why', () => {
    const expired = list({ tags: { 'layerguard:exempt': 'until=2025-03-01;reason=old' } });
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [appSsh], { list: expired });
    expect(d.status).toBe('drift');
    expect(d.reason).toMatch(/\(exemption expired on 2025-03-01\)/);
  });

  it('the list is gone, AWS-managed or exempt: as screened', () => {
    expect(decide(['0.0.0.0/0'], [], [], { list: undefined }).status).toBe('already-compliant');
    expect(decide(['0.0.0.0/0'], ['0.0.0.0/0'], [appSsh], { list: list({ ownerId: 'AWS' }) }).status).toBe('ignored');
  });

  it('IPv6: ::/0 added to an IPv6 list', () => {
    const v6 = list({ addressFamily: 'IPv6' });
    expect(decide(['::/0'], ['2001:db8::/32', '::/0'], [appSsh], { list: v6 }).status).toBe('drift');
  });
});

describe('planPrefixListRevert: remove exactly the drift’s entries at the live version', () => {
  it('names the list, the version and the CIDRs', () => {
    const drift = { kind: 'prefix-list-internet-entry' as const, prefixListId: PL, cidrs: ['0.0.0.0/1', '128.0.0.0/1'], groupIds: [APP], referencedBy: [APP] };
    expect(planPrefixListRevert(drift, 4)).toEqual({ type: 'remove-prefix-list-entries', prefixListId: PL, currentVersion: 4, cidrs: ['0.0.0.0/1', '128.0.0.0/1'] });
    // No version read: no `currentVersion` key at all (EC2 would refuse a null one), hence toStrictEqual.
    expect(planPrefixListRevert(drift, undefined)).toStrictEqual({ type: 'remove-prefix-list-entries', prefixListId: PL, cidrs: ['0.0.0.0/1', '128.0.0.0/1'] });
  });
});

describe('localGroupIds: the groups this account can read', () => {
  it('security groups of the owner (or of no named owner), once each; route tables and other accounts’ groups left out', () => {
    expect(
      localGroupIds(
        [
          { resourceId: APP, resourceOwner: ACCOUNT },
          { resourceId: APP, resourceOwner: ACCOUNT },
          { resourceId: WEB },
          { resourceId: 'sg-0a1b2c3d4e5f6ffff', resourceOwner: '444455556666' },
          { resourceId: 'rtb-0a1b2c3d4e5f60002', resourceOwner: ACCOUNT },
        ],
        ACCOUNT,
      ),
    ).toEqual([APP, WEB]);
  });

  it('with the owner unknown, every security group among the references', () => {
    expect(localGroupIds([{ resourceId: APP, resourceOwner: ACCOUNT }, { resourceId: WEB, resourceOwner: '444455556666' }], undefined)).toEqual([APP, WEB]);
  });
});

describe('evaluatePrefixList: each reason, exactly, with lists of several', () => {
  const EXEMPT = { 'layerguard:exempt': 'until=2025-03-20;reason=vendor load test' };
  const DB = 'sg-0a1b2c3d4e5f67003';
  const halves = ['0.0.0.0/1', '128.0.0.0/1'];

  it('a list that no longer exists', () => {
    expect(screenPrefixList(undefined, policy, NOW)).toStrictEqual({ status: 'already-compliant', reason: 'the prefix list no longer exists' });
    expect(decide(['0.0.0.0/0'], [], [appSsh], { list: undefined })).toStrictEqual({ status: 'already-compliant', reason: 'the prefix list no longer exists' });
  });

  it('no candidate at all: "nothing" added is in the list', () => {
    expect(decide([], ['0.0.0.0/0'], [appSsh]).reason).toBe(`the entries added (nothing) are no longer in ${PL}`);
  });

  it('a drift of two entries, through two rules of one group, with two exempt groups opened too', () => {
    const d = decide(halves, [...halves, '10.8.0.0/16'], [
      { group: group(APP), rules: [rule(APP, {}), rule(APP, { fromPort: 443, toPort: 443 })] },
      { group: group(DB, EXEMPT), rules: [rule(DB, {})] },
      { group: group(WEB, EXEMPT), rules: [rule(WEB, {})] },
    ]);
    expect(d.reason).toBe(
      `${PL} gained 0.0.0.0/1, 128.0.0.0/1, so ${APP}: tcp/22 from ${PL} (0.0.0.0/1, 128.0.0.0/1), tcp/443 from ${PL} (0.0.0.0/1, 128.0.0.0/1)` +
        `; exempt groups it opens too: ${DB} (exempt until 2025-03-20), ${WEB} (exempt until 2025-03-20); referenced by ${APP}, ${DB}, ${WEB}`,
    );
  });

  it('a drift that opens two groups names each, with its rules', () => {
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [
      { group: group(APP), rules: [rule(APP, {})] },
      { group: group(DB), rules: [rule(DB, { fromPort: 3306, toPort: 3306 })] },
    ]);
    expect(d.reason).toBe(`${PL} gained 0.0.0.0/0, so ${APP}: tcp/22 from ${PL} (0.0.0.0/0); ${DB}: tcp/3306 from ${PL} (0.0.0.0/0); referenced by ${APP}, ${DB}`);
  });

  it('only exempt groups opened, two of them', () => {
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [
      { group: group(DB, EXEMPT), rules: [rule(DB, {})] },
      { group: group(WEB, EXEMPT), rules: [rule(WEB, {})] },
    ]);
    expect(d).toStrictEqual({
      status: 'exempt',
      reason: `${PL} opens only exempt groups to the internet: ${DB} (exempt until 2025-03-20), ${WEB} (exempt until 2025-03-20); referenced by ${DB}, ${WEB}`,
    });
  });

  it('two entries left in a list nothing references', () => {
    expect(decide(halves, halves, [], { associations: [] }).reason).toBe(`no security group references ${PL}: 0.0.0.0/1, 128.0.0.0/1 left in the list`);
  });

  it("judges only the group's rules that name this list: a world-open CIDR rule of the same group is not the list's drift", () => {
    const direct: SgRule = { ruleId: 'sgr-direct', groupId: APP, isEgress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };
    const viaOther = rule(APP, { prefixListId: 'pl-0a1b2c3d4e5f6a999', fromPort: 80, toPort: 80 });
    const d = decide(['0.0.0.0/0'], ['0.0.0.0/0'], [{ group: group(APP), rules: [direct, viaOther, rule(APP, { isEgress: true })] }]);
    expect(d.status).toBe('ignored');
    expect(d.reason).toMatch(/^no guarded group's ingress admits the internet through /);
  });
});

describe('a property: the drift is exactly the added entries that a model of its own calls the internet and the list holds', () => {
  // The model: an IPv4 CIDR is the internet when its prefix is shorter than 8 (the default bound), by its
  // prefix length alone; an entry matches an added one when both have the same network address and prefix.
  const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => {
    const network = p === 0 ? 0 : ((a << 24) >>> 0) & (p === 32 ? 0xffffffff : (~((1 << (32 - p)) - 1) >>> 0));
    const text = [network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join('.');
    return { cidr: `${text}/${p}`, world: p < 8 };
  });
  it('holds for random lists and changes', () => {
    fc.assert(
      fc.property(fc.uniqueArray(v4, { selector: (e) => e.cidr, maxLength: 6 }), fc.array(fc.boolean(), { maxLength: 6 }), (added, kept) => {
        const entries = added.filter((_, i) => kept[i] ?? true);
        const d = decide(internetCandidates({ added: added.map((a) => a.cidr) }, policy), entries.map((e) => e.cidr), [appSsh]);
        const expected = entries.filter((e) => e.world).map((e) => e.cidr);
        if (expected.length === 0) expect(d.status).not.toBe('drift');
        else expect(d.status === 'drift' ? [...d.drift.cidrs].sort() : d.status).toEqual([...expected].sort());
      }),
      { numRuns: 300 },
    );
  });
});

describe('tier entries: ranges of tiers that may not reach a group naming the list (policy.tiers)', () => {
  const DB = 'sg-0a1b2c3d4e5f67003';
  const dbGroup = (tags: Record<string, string> = { Tier: 'Database' }): ReferencingGroup => ({
    group: group(DB, tags),
    rules: [rule(DB, { fromPort: 3306, toPort: 3306 })],
  });
  const views = new Map([
    [
      DB,
      {
        groupTiers: new Map<string, string>(),
        subnets: [
          { subnetId: 'subnet-0a1b2c3d4e5f6b001', cidrs: ['10.0.1.0/24'], tier: 'web' },
          { subnetId: 'subnet-0a1b2c3d4e5f6b011', cidrs: ['10.0.11.0/24', '2001:db8:0:11::/64'], tier: 'application' },
        ],
      },
    ],
  ]);
  const find = (candidates: string[], entries: string[], groups: ReferencingGroup[], over: { policy?: typeof policy } = {}) =>
    findTierEntries(candidates, list(), entries, assoc(...groups.map((g) => g.group.groupId)), groups, over.policy ?? policy, NOW, views);

  it('candidates: the added entries that are not the internet; none without tiers', () => {
    expect(tierEntryCandidates({ added: ['10.0.1.0/24', '0.0.0.0/0', '10.0.1.0/24', 'not-a-cidr', '2001:db8::/64'] }, policy)).toEqual(['10.0.1.0/24', '2001:db8::/64']);
    expect(tierEntryCandidates({ added: ['10.0.1.0/24'] }, parsePolicy({ tiers: { chain: [] } }))).toEqual([]);
  });

  it('a web subnet’s range on a list the database tier names: that entry, the group, where it lands', () => {
    expect(find(['10.0.1.0/24'], ['203.0.113.0/24', '10.0.1.0/24'], [dbGroup()])).toStrictEqual({
      kind: 'prefix-list-tier-entry',
      prefixListId: PL,
      cidrs: ['10.0.1.0/24'],
      groupIds: [DB],
      reached: { '10.0.1.0/24': `web (subnet-0a1b2c3d4e5f6b001) into ${DB} (database)` },
      referencedBy: [DB],
    });
  });

  it('none: the application tier’s range (IPv4 or IPv6) reaches the database tier as the chain allows; an entry gone; a group in no tier, exempt, or not read', () => {
    expect(find(['10.0.11.0/24', '2001:db8:0:11::/64'], ['10.0.11.0/24', '2001:db8:0:11::/64'], [dbGroup()])).toBeUndefined();
    expect(find(['10.0.1.0/24'], ['203.0.113.0/24'], [dbGroup()])).toBeUndefined();
    expect(find(['10.0.1.0/24'], ['10.0.1.0/24'], [dbGroup({})])).toBeUndefined();
    expect(find(['10.0.1.0/24'], ['10.0.1.0/24'], [dbGroup({ Tier: 'Database', 'layerguard:exempt': 'until=2025-03-20;reason=migration' })])).toBeUndefined();
    expect(findTierEntries(['10.0.1.0/24'], list(), ['10.0.1.0/24'], assoc(DB), [dbGroup()], policy, NOW, new Map())).toBeUndefined();
  });

  it('a rule that admits the internet through the list is the internet decision’s; an egress rule is none', () => {
    const open = { ...dbGroup(), rules: [rule(DB, { fromPort: 3306, toPort: 3306 }), rule(DB, { fromPort: 22, toPort: 22, isEgress: true })] };
    expect(find(['10.0.1.0/24'], ['0.0.0.0/0', '10.0.1.0/24'], [open])).toBeUndefined();
    const egressOnly = { ...dbGroup(), rules: [rule(DB, { isEgress: true })] };
    expect(find(['10.0.1.0/24'], ['10.0.1.0/24'], [egressOnly])).toBeUndefined();
  });

  it('only the added entries still in the list, each one: not another entry of the list, not a candidate that is gone', () => {
    expect(find(['10.0.99.0/24'], ['10.0.1.0/24'], [dbGroup()])).toBeUndefined();
    expect(find(['10.0.1.0/24', '10.0.2.0/24'], ['10.0.1.0/24'], [dbGroup()])?.cidrs).toEqual(['10.0.1.0/24']);
  });

  it('through a rule that names the list on ingress only: a group naming it by an egress rule, with ingress from elsewhere, is not reached', () => {
    const elsewhere = { ...dbGroup(), rules: [rule(DB, { isEgress: true }), rule(DB, { prefixListId: 'pl-0a1b2c3d4e5f6a999' }), rule(DB, { prefixListId: undefined, cidrIpv4: '10.0.11.0/24' })] };
    expect(find(['10.0.1.0/24'], ['10.0.1.0/24'], [elsewhere])).toBeUndefined();
  });

  it('two groups: only the one the entry reaches into is named; an entry reaching two groups names both, two entries are both described', () => {
    const APP_GROUP: ReferencingGroup = { group: group(APP, { Tier: 'Application' }), rules: [rule(APP, { fromPort: 8080, toPort: 8080 })] };
    const both = new Map([...views, [APP, views.get(DB) as NonNullable<ReturnType<typeof views.get>>]]);
    const onlyDb = findTierEntries(['10.0.11.0/24'], list(), ['10.0.11.0/24'], assoc(DB, APP), [dbGroup(), APP_GROUP], policy, NOW, both);
    expect(onlyDb).toBeUndefined(); // the application tier's range: the database tier may be reached from it, the application tier from itself
    const DB2 = 'sg-0a1b2c3d4e5f67013';
    const second: ReferencingGroup = { group: group(DB2, { Tier: 'Database' }), rules: [rule(DB2, { fromPort: 5432, toPort: 5432 })] };
    const withDb2 = new Map([...both, [DB2, views.get(DB) as NonNullable<ReturnType<typeof views.get>>]]);
    const drift = findTierEntries(['10.0.1.0/24', '10.0.1.128/25'], list(), ['10.0.1.0/24', '10.0.1.128/25'], assoc(DB, APP, DB2), [dbGroup(), APP_GROUP, second], policy, NOW, withDb2);
    expect(drift?.groupIds).toEqual([DB, DB2]);
    expect(drift?.reached['10.0.1.0/24']).toBe(`web (subnet-0a1b2c3d4e5f6b001) into ${DB} (database); web (subnet-0a1b2c3d4e5f6b001) into ${DB2} (database)`);
    expect(drift && describeTierEntries(drift)).toMatch(/^pl-0a1b2c3d4e5f6a001 gained 10\.0\.1\.0\/24 \(.*\), 10\.0\.1\.128\/25 \(.*\): ranges of tiers/);
  });

  it('the reason names each entry and where it lands', () => {
    const drift = find(['10.0.1.0/24'], ['10.0.1.0/24'], [dbGroup()]);
    expect(drift && describeTierEntries(drift)).toBe(
      `${PL} gained 10.0.1.0/24 (web (subnet-0a1b2c3d4e5f6b001) into ${DB} (database)): ranges of tiers that may not reach those groups' tiers`,
    );
    expect(drift && describeTierEntries(drift, 'holds')).toMatch(/ holds 10\.0\.1\.0\/24 /);
  });
});
