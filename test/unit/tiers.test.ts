import { describe, expect, it } from 'vitest';
import type { SecurityGroup, SgRule, Subnet } from '../../functions/core/network.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { evaluateSecurityGroup, findTierSkipRules, planSgRevert, tierCandidates } from '../../functions/core/security-group.js';
import {
  allowedFrom,
  describeLandings,
  findTierSkips,
  landingsOf,
  mayReach,
  NO_TIER_VIEW,
  type TierView,
  tierOf,
  tierSubnets,
} from '../../functions/core/tiers.js';

/*
 * Tier-to-tier reachability, SEC05-BP01 example 3 (../shared/reference/sec05-bp01-create-network-layers.md):
 * the database tier's group admits only the application tier's, the application tier's only the web tier's.
 * The default chain is web → application → database, by the `Tier` tag on groups and subnets.
 */

const NOW = new Date('2026-12-03T12:00:00Z');
const policy = DEFAULT_POLICY;
const VPC = 'vpc-0a1b2c3d4e5f60001';
const group = (groupId: string, tier?: string, tags: Record<string, string> = {}): SecurityGroup => ({
  groupId,
  groupName: groupId,
  vpcId: VPC,
  tags: tier ? { Tier: tier, ...tags } : tags,
});
const WEB = group('sg-0a1b2c3d4e5f67001', 'Web');
const APP = group('sg-0a1b2c3d4e5f67002', 'Application');
const DB = group('sg-0a1b2c3d4e5f67003', 'Database');
const BASTION = group('sg-0a1b2c3d4e5f67009');
const rule = (ruleId: string, over: Partial<SgRule>): SgRule => ({ ruleId, groupId: DB.groupId, isEgress: false, protocol: 'tcp', fromPort: 3306, toPort: 3306, ...over });
const subnet = (subnetId: string, cidrIpv4: string, tier?: string): Subnet => ({ subnetId, vpcId: VPC, cidrIpv4, tags: tier ? { Tier: tier } : {} });
const SUBNETS = [
  subnet('subnet-0a1b2c3d4e5f6b001', '10.0.0.0/24', 'Web'),
  subnet('subnet-0a1b2c3d4e5f6b002', '10.0.1.0/24', 'Web'),
  subnet('subnet-0a1b2c3d4e5f6b011', '10.0.10.0/24', 'Application'),
  subnet('subnet-0a1b2c3d4e5f6b021', '10.0.20.0/24', 'Database'),
  subnet('subnet-0a1b2c3d4e5f6b099', '10.0.99.0/24'),
];
const view: TierView = {
  groupTiers: new Map([
    [WEB.groupId, 'web'],
    [APP.groupId, 'application'],
    [DB.groupId, 'database'],
  ]),
  subnets: tierSubnets(SUBNETS, policy),
};
const lists = new Map([
  ['pl-0a1b2c3d4e5f6a001', ['10.0.0.0/24', '203.0.113.0/24']],
  ['pl-0a1b2c3d4e5f6a002', ['10.0.10.0/24']],
]);

describe('tiers: which tier a group or subnet is in, and which may reach which', () => {
  it('by the chain’s tags, the first tier that matches; none without a tag', () => {
    expect(tierOf(WEB.tags, policy)).toBe('web');
    expect(tierOf(DB.tags, policy)).toBe('database');
    expect(tierOf({}, policy)).toBeUndefined();
    expect(tierOf({ Tier: 'database' }, policy)).toBeUndefined(); // tags compare exactly
  });

  it('a tier may be reached from itself and the tier before it, never from further out or from within', () => {
    expect(mayReach('application', 'database', policy)).toBe(true);
    expect(mayReach('database', 'database', policy)).toBe(true);
    expect(mayReach('web', 'database', policy)).toBe(false);
    expect(mayReach('web', 'application', policy)).toBe(true);
    expect(mayReach('database', 'application', policy)).toBe(false);
    expect(mayReach('application', 'web', policy)).toBe(false);
    expect(allowedFrom('database', policy)).toEqual(['application', 'database']);
    expect(allowedFrom('web', policy)).toEqual(['web']);
  });

  it('the subnets of a tier with their CIDRs of both families; a subnet of no tier is left out', () => {
    const ipv6Only: Subnet = { subnetId: 'subnet-0a1b2c3d4e5f6b030', vpcId: VPC, cidrIpv6: ['2001:db8:0:30::/64'], tags: { Tier: 'Database' } };
    const dual: Subnet = { ...subnet('subnet-0a1b2c3d4e5f6b003', '10.0.3.0/24', 'Web'), cidrIpv6: ['2001:db8:0:3::/64'] };
    expect(tierSubnets([...SUBNETS, ipv6Only, dual], policy)).toEqual([
      { subnetId: 'subnet-0a1b2c3d4e5f6b001', cidrs: ['10.0.0.0/24'], tier: 'web' },
      { subnetId: 'subnet-0a1b2c3d4e5f6b002', cidrs: ['10.0.1.0/24'], tier: 'web' },
      { subnetId: 'subnet-0a1b2c3d4e5f6b011', cidrs: ['10.0.10.0/24'], tier: 'application' },
      { subnetId: 'subnet-0a1b2c3d4e5f6b021', cidrs: ['10.0.20.0/24'], tier: 'database' },
      { subnetId: 'subnet-0a1b2c3d4e5f6b030', cidrs: ['2001:db8:0:30::/64'], tier: 'database' },
      { subnetId: 'subnet-0a1b2c3d4e5f6b003', cidrs: ['10.0.3.0/24', '2001:db8:0:3::/64'], tier: 'web' },
    ]);
  });

  it('an IPv6 source lands in the subnets whose IPv6 blocks it covers, never in an IPv4 one', () => {
    const dual: TierView = {
      groupTiers: new Map(),
      subnets: tierSubnets([{ ...subnet('subnet-0a1b2c3d4e5f6b003', '10.0.3.0/24', 'Web'), cidrIpv6: ['2001:db8:0:3::/64'] }], policy),
    };
    expect(landingsOf(rule('sgr-6', { cidrIpv6: '2001:db8:0:3::1/128' }), dual, lists)).toEqual([{ tier: 'web', via: 'subnet-0a1b2c3d4e5f6b003' }]);
    expect(landingsOf(rule('sgr-6', { cidrIpv6: '2001:db8:0:4::/64' }), dual, lists)).toEqual([]);
    expect(landingsOf(rule('sgr-6', { cidrIpv6: '::ffff:10.0.3.0/120' }), dual, lists)).toEqual([]);
  });

  it('a policy of its own chain and tags', () => {
    const own = parsePolicy({ tiers: { chain: [{ name: 'edge', tags: [{ key: 'layer', value: 'dmz' }] }, { name: 'core', tags: [{ key: 'layer', value: 'core' }, { key: 'layer', value: 'data' }] }] } });
    expect(tierOf({ layer: 'data' }, own)).toBe('core');
    expect(mayReach('edge', 'core', own)).toBe(true);
    expect(tierOf(WEB.tags, own)).toBeUndefined();
  });

  it('refuses a chain that names a tier twice, a tier without tags, a bad name', () => {
    expect(() => parsePolicy({ tiers: { chain: [{ name: 'web', tags: [{ key: 'a', value: 'b' }] }, { name: 'web', tags: [{ key: 'a', value: 'c' }] }] } })).toThrow(
      'invalid policy: tiers.chain: each tier is named once',
    );
    expect(() => parsePolicy({ tiers: { chain: [{ name: 'web', tags: [] }] } })).toThrow(/^invalid policy: tiers\.chain\.0\.tags: /);
    expect(() => parsePolicy({ tiers: { chain: [{ name: 'Web Tier', tags: [{ key: 'a', value: 'b' }] }] } })).toThrow(
      'invalid policy: tiers.chain.0.name: a tier name is lower case, like web or application',
    );
    expect(() => parsePolicy({ tiers: { addressSpace: ['10.0.0.0'] } })).toThrow('invalid policy: tiers.addressSpace.0: an IPv4 CIDR like 10.0.0.0/8');
  });
});

describe('landingsOf: where a rule’s source lands', () => {
  it.each<[string, Partial<SgRule>, Array<{ tier: string; via: string }>]>([
    ['a web group', { referencedGroupId: WEB.groupId }, [{ tier: 'web', via: WEB.groupId }]],
    ['a group of no tier (a bastion’s)', { referencedGroupId: BASTION.groupId }, []],
    ['a web subnet’s CIDR', { cidrIpv4: '10.0.1.0/24' }, [{ tier: 'web', via: 'subnet-0a1b2c3d4e5f6b002' }]],
    ['a host in a web subnet (host bits)', { cidrIpv4: '10.0.0.7/32' }, [{ tier: 'web', via: 'subnet-0a1b2c3d4e5f6b001' }]],
    [
      'the whole VPC: every tier',
      { cidrIpv4: '10.0.0.0/16' },
      [
        { tier: 'web', via: 'subnet-0a1b2c3d4e5f6b001' },
        { tier: 'web', via: 'subnet-0a1b2c3d4e5f6b002' },
        { tier: 'application', via: 'subnet-0a1b2c3d4e5f6b011' },
        { tier: 'database', via: 'subnet-0a1b2c3d4e5f6b021' },
      ],
    ],
    ['a subnet of no tier', { cidrIpv4: '10.0.99.0/24' }, []],
    ['a peered network', { cidrIpv4: '172.31.0.0/16' }, []],
    ['a prefix list with a web subnet among its entries', { prefixListId: 'pl-0a1b2c3d4e5f6a001' }, [{ tier: 'web', via: 'subnet-0a1b2c3d4e5f6b001' }]],
    ['a prefix list not read', { prefixListId: 'pl-0a1b2c3d4e5f6afff' }, []],
  ])('%s', (_name, source, expected) => expect(landingsOf(rule('sgr-1', source), view, lists)).toEqual(expected));

  it('describes each landing once', () => {
    expect(describeLandings([{ tier: 'web', via: 'sg-1' }, { tier: 'web', via: 'sg-1' }, { tier: 'web', via: 'subnet-1' }])).toBe('web (sg-1), web (subnet-1)');
  });
});

describe('findTierSkips: the rules that let a tier skip one', () => {
  const rules = [
    rule('sgr-from-app', { referencedGroupId: APP.groupId }),
    rule('sgr-from-web', { referencedGroupId: WEB.groupId }),
    rule('sgr-from-web-subnet', { cidrIpv4: '10.0.1.0/24' }),
    rule('sgr-from-db', { referencedGroupId: DB.groupId }),
    rule('sgr-from-bastion', { referencedGroupId: BASTION.groupId, fromPort: 22, toPort: 22 }),
    rule('sgr-from-peer', { cidrIpv4: '172.31.0.0/16' }),
    rule('sgr-egress-to-web', { referencedGroupId: WEB.groupId, isEgress: true }),
  ];

  it('the database group: the web group and a web subnet skip the application tier; the rest may stay', () => {
    expect(findTierSkips('database', rules, policy, view, lists).map((k) => [k.rule.ruleId, describeLandings(k.landings)])).toEqual([
      ['sgr-from-web', `web (${WEB.groupId})`],
      ['sgr-from-web-subnet', 'web (subnet-0a1b2c3d4e5f6b002)'],
    ]);
  });

  it('a VPC-wide CIDR on the database group lands in the web tier too; only the landings that may not reach it are kept', () => {
    const [skip] = findTierSkips('database', [rule('sgr-vpc', { cidrIpv4: '10.0.0.0/16' })], policy, view, lists);
    expect(skip?.landings).toEqual([
      { tier: 'web', via: 'subnet-0a1b2c3d4e5f6b001' },
      { tier: 'web', via: 'subnet-0a1b2c3d4e5f6b002' },
    ]);
  });

  it('the application group may admit the web tier; the web group has no tier before it', () => {
    expect(findTierSkips('application', [rule('sgr-w', { referencedGroupId: WEB.groupId })], policy, view, lists)).toEqual([]);
    expect(findTierSkips('web', [rule('sgr-a', { referencedGroupId: APP.groupId })], policy, view, lists).map((k) => k.rule.ruleId)).toEqual(['sgr-a']);
  });

  it('a group in no tier, no view, or no chain: nothing', () => {
    expect(findTierSkipRules(BASTION, rules, policy, view, lists)).toEqual([]);
    expect(findTierSkips('database', rules, policy, NO_TIER_VIEW, lists)).toEqual([]);
    expect(findTierSkipRules(DB, rules, parsePolicy({ tiers: { chain: [] } }), view, lists)).toEqual([]);
  });

  it('findTierSkipRules leaves world-open rules to the world-open decision', () => {
    const world = rule('sgr-world', { cidrIpv4: '0.0.0.0/0' });
    expect(findTierSkipRules(DB, [world, ...rules], policy, view, lists).map((r) => r.ruleId)).toEqual(['sgr-from-web', 'sgr-from-web-subnet']);
  });
});

describe('tierCandidates: the requested rules a tier view may find skipping, from the request alone', () => {
  it('a group, a prefix list, an IPv4 CIDR in the tiers’ address space, any IPv6 CIDR; not a public IPv4 CIDR, none without tiers', () => {
    const requested = [
      { protocol: 'tcp', referencedGroupId: WEB.groupId },
      { protocol: 'tcp', prefixListId: 'pl-0a1b2c3d4e5f6a001' },
      { protocol: 'tcp', cidrIpv4: '10.0.1.0/24' },
      { protocol: 'tcp', cidrIpv4: '192.168.7.0/24' },
      { protocol: 'tcp', cidrIpv4: '203.0.113.0/24' },
      { protocol: 'tcp', cidrIpv6: '2001:db8::/64' },
    ];
    // An IPv6 CIDR is always one: a VPC's IPv6 blocks are public space, no range tells them apart.
    expect(tierCandidates(requested, policy)).toEqual([...requested.slice(0, 4), requested[5]]);
    expect(tierCandidates(requested, parsePolicy({ tiers: { chain: [] } }))).toEqual([]);
  });
});

describe('evaluateSecurityGroup with a tier view', () => {
  const fromWeb = rule('sgr-0a1b2c3d4e5f6e201', { referencedGroupId: WEB.groupId });
  const fromApp = rule('sgr-0a1b2c3d4e5f6e202', { referencedGroupId: APP.groupId });
  const world = rule('sgr-0a1b2c3d4e5f6e203', { cidrIpv4: '0.0.0.0/0', fromPort: 22, toPort: 22 });
  const asked = (r: SgRule) => ({ ruleId: r.ruleId, protocol: r.protocol, fromPort: r.fromPort, toPort: r.toPort, referencedGroupId: r.referencedGroupId, cidrIpv4: r.cidrIpv4 });

  it('drift: the web group admitted to the database tier; revoked by id', () => {
    const d = evaluateSecurityGroup([asked(fromWeb)], DB, [fromApp, fromWeb], policy, NOW, lists, view);
    expect(d).toStrictEqual({
      status: 'drift',
      drifts: [{ kind: 'sg-tier-skip', groupId: DB.groupId, tier: 'database', rules: [fromWeb], reached: { [fromWeb.ruleId]: `web (${WEB.groupId})` } }],
      reason: `${DB.groupId} admits tcp/3306 from ${WEB.groupId} (in web (${WEB.groupId})): the database tier may be reached from application and database only`,
    });
    if (d.status === 'drift') expect(planSgRevert(d.drifts)).toStrictEqual({ type: 'revoke-ingress', groupId: DB.groupId, ruleIds: [fromWeb.ruleId] });
  });

  it('both kinds in one request: one drift each, one revoke of both', () => {
    const d = evaluateSecurityGroup([asked(world), asked(fromWeb)], DB, [world, fromWeb], policy, NOW, lists, view);
    expect(d.status === 'drift' && d.drifts.map((x) => x.kind)).toEqual(['sg-world-open', 'sg-tier-skip']);
    expect(d.reason).toBe(
      `${DB.groupId} admits tcp/22 from 0.0.0.0/0; it also admits tcp/3306 from ${WEB.groupId} (in web (${WEB.groupId})): the database tier may be reached from application and database only`,
    );
    if (d.status === 'drift') expect(planSgRevert(d.drifts)).toMatchObject({ ruleIds: [world.ruleId, fromWeb.ruleId] });
  });

  it('the application group admitted to the database tier: ignored, and the reason says why', () => {
    expect(evaluateSecurityGroup([asked(fromApp)], DB, [fromApp], policy, NOW, lists, view)).toStrictEqual({
      status: 'ignored',
      reason: 'no rule asked for is open to the internet; no source is in a tier the database tier may not be reached from (only application and database)',
    });
  });

  it('a group in no tier: ignored, and the reason says so', () => {
    const onBastion = { ...fromWeb, groupId: BASTION.groupId };
    expect(evaluateSecurityGroup([asked(onBastion)], BASTION, [onBastion], policy, NOW, lists, view).reason).toBe(
      `no rule asked for is open to the internet; ${BASTION.groupId} is in no tier of the policy`,
    );
  });

  it('an exempt group is never judged, a gone rule is no drift', () => {
    const exempt = group(DB.groupId, 'Database', { 'layerguard:exempt': 'until=2026-12-20;reason=migration' });
    expect(evaluateSecurityGroup([asked(fromWeb)], exempt, [fromWeb], policy, NOW, lists, view).status).toBe('exempt');
    expect(evaluateSecurityGroup([asked(fromWeb)], DB, [fromApp], policy, NOW, lists, view).status).toBe('ignored');
  });
});

describe('evaluateSecurityGroup: the reasons when no tier is skipped, exactly', () => {
  const narrowOn = (group: SecurityGroup) => rule('sgr-0a1b2c3d4e5f6e301', { groupId: group.groupId, cidrIpv4: '10.0.10.0/24' });
  const asked = (r: SgRule) => ({ ruleId: r.ruleId, protocol: r.protocol, fromPort: r.fromPort, toPort: r.toPort, cidrIpv4: r.cidrIpv4, prefixListId: r.prefixListId });
  const untiered = parsePolicy({ tiers: { chain: [] } });

  it('no chain: nothing said of tiers', () => {
    const r = narrowOn(BASTION);
    expect(evaluateSecurityGroup([asked(r)], BASTION, [r], untiered, NOW, lists, view).reason).toBe('no rule asked for is open to the internet');
  });

  it('a candidate whose rule is gone: nothing said of tiers, even for a group in no tier', () => {
    const r = narrowOn(BASTION);
    expect(evaluateSecurityGroup([asked(r)], BASTION, [], policy, NOW, lists, view).reason).toBe('no rule asked for is open to the internet');
    const listRule = rule('sgr-0a1b2c3d4e5f6e302', { groupId: BASTION.groupId, prefixListId: 'pl-0a1b2c3d4e5f6a002' });
    expect(evaluateSecurityGroup([asked(listRule)], BASTION, [], policy, NOW, lists, view).reason).toBe('no entry of pl-0a1b2c3d4e5f6a002 is open to the internet');
  });

  it('an egress rule named by the request: egress, whatever the group’s tier', () => {
    const out = rule('sgr-0a1b2c3d4e5f6e303', { cidrIpv4: '10.0.1.0/24', isEgress: true });
    expect(evaluateSecurityGroup([asked(out)], DB, [out], policy, NOW, lists, view)).toStrictEqual({ status: 'ignored', reason: 'the rule is egress: LayerGuard guards ingress only' });
  });

  it('two skips in one reason, one of them through a prefix list', () => {
    const viaList = rule('sgr-0a1b2c3d4e5f6e304', { prefixListId: 'pl-0a1b2c3d4e5f6a001' });
    const viaGroup = rule('sgr-0a1b2c3d4e5f6e305', { referencedGroupId: WEB.groupId });
    const d = evaluateSecurityGroup([asked(viaList), { ...asked(viaGroup), referencedGroupId: WEB.groupId }], DB, [viaList, viaGroup], policy, NOW, lists, view);
    expect(d.reason).toBe(
      `${DB.groupId} admits tcp/3306 from pl-0a1b2c3d4e5f6a001 (in web (subnet-0a1b2c3d4e5f6b001)), tcp/3306 from ${WEB.groupId} (in web (${WEB.groupId})): ` +
        'the database tier may be reached from application and database only',
    );
  });
});

describe('the tiers’ policy: names and address space of the documented shape only', () => {
  it.each([['web tier'], ['a'.repeat(33)], ['-web'], ['web!']])('refuses the tier name %j', (name) => {
    expect(() => parsePolicy({ tiers: { chain: [{ name, tags: [{ key: 'a', value: 'b' }] }] } })).toThrow('a tier name is lower case, like web or application');
  });
  it.each([['x10.0.0.0/8'], ['10.0.0.0/8x'], ['10.0.0.0/8 '], ['10.0.0/8'], ['256.0.0.0/8'], ['10.0.0.0/33']])('refuses the address space %j', (cidr) => {
    expect(() => parsePolicy({ tiers: { addressSpace: [cidr] } })).toThrow('an IPv4 CIDR like 10.0.0.0/8');
  });
  it('accepts a name of 32 characters', () => {
    expect(parsePolicy({ tiers: { chain: [{ name: `a${'b'.repeat(31)}`, tags: [{ key: 'a', value: 'b' }] }] } }).tiers.chain[0]?.name).toHaveLength(32);
  });
});
