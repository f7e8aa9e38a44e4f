import { describe, expect, it } from 'vitest';
import { parseNetwork, sameNetwork } from './reference/networks.js';
import * as model from './reference/sec05.js';

/**
 * The reference model the properties judge LayerGuard with is itself checked here, against the
 * texts it is written from (each case names its source), so that an oracle mistake is caught on its
 * own and not mistaken for a product defect.
 */

const policy: model.PolicyView = {
  mode: 'enforce',
  worldOpen: { ipv4MinPrefix: 8, ipv6MinPrefix: 16 },
  publicTier: {
    groupTags: [{ key: 'Tier', value: 'Web' }],
    allowedPorts: [
      { protocol: 'tcp', port: 443 },
      { protocol: 'icmp', type: 3, code: 4 },
    ],
  },
  exemption: { tagKey: 'layerguard:exempt' },
  isolated: {
    subnetTags: [{ key: 'Tier', value: 'Database' }],
    subnetIds: [],
    forbiddenTargets: ['internet-gateway', 'nat-gateway'],
  },
};

describe('networks (RFC 4632 blocks; RFC 4291 section 2.2 text forms)', () => {
  it.each([
    ['host bits are not part of the network (EC2 stores 10.9.9.9/0 as 0.0.0.0/0)', '10.9.9.9/0', '0.0.0.0/0'],
    ['a /24 with a host address', '203.0.113.77/24', '203.0.113.0/24'],
    ['IPv6 compressed and written out', '2001:db8::/32', '2001:0db8:0000:0000:0000:0000:0000:0000/32'],
    ['IPv6 upper and lower case', '2001:DB8::/32', '2001:db8::/32'],
    ['a dotted IPv4 tail', '::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
  ])('%s', (_name, a, b) => {
    expect(sameNetwork(a, b)).toBe(true);
  });

  it.each([
    ['different prefixes', '0.0.0.0/0', '0.0.0.0/1'],
    ['different families', '0.0.0.0/0', '::/0'],
    ['different networks', '10.0.0.0/8', '11.0.0.0/8'],
  ])('%s are different networks', (_name, a, b) => {
    expect(sameNetwork(a, b)).toBe(false);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '256.0.0.0/8', '1.2.3/8', '::/129', '1::2::3/64', '12345::/16', '10.0.0.0/', ''])(
    '%j is not a block',
    (text) => expect(parseNetwork(text)).toBeUndefined(),
  );
});

describe('security groups (SEC05-BP01; EC2 security group rules)', () => {
  const rule = (r: Partial<model.RuleView>): model.RuleView => ({ protocol: 'tcp', fromPort: 22, toPort: 22, ...r });
  it('the internet, and a block of it broader than the bound', () => {
    expect(model.admitsInternet(rule({ cidrIpv4: '0.0.0.0/0' }), policy)).toBe(true);
    expect(model.admitsInternet(rule({ cidrIpv4: '10.9.9.9/0' }), policy)).toBe(true);
    expect(model.admitsInternet(rule({ cidrIpv4: '128.0.0.0/1' }), policy)).toBe(true);
    expect(model.admitsInternet(rule({ cidrIpv4: '10.0.0.0/8' }), policy)).toBe(false);
    expect(model.admitsInternet(rule({ cidrIpv6: '::/0' }), policy)).toBe(true);
    expect(model.admitsInternet(rule({ cidrIpv4: '0.0.0.0/0', isEgress: true }), policy)).toBe(false);
  });

  it('a managed prefix list admits the internet when one of its entries is such a block; an unknown list admits nothing', () => {
    const lists = new Map([
      ['pl-1', ['203.0.113.0/24', '0.0.0.0/0']],
      ['pl-2', ['10.0.0.0/8', 'fd00::/8']],
      ['pl-3', ['::/0']],
    ]);
    expect(model.admitsInternet(rule({ prefixListId: 'pl-1' }), policy, lists)).toBe(true);
    expect(model.admitsInternet(rule({ prefixListId: 'pl-2' }), policy, lists)).toBe(false);
    expect(model.admitsInternet(rule({ prefixListId: 'pl-3' }), policy, lists)).toBe(true);
    expect(model.admitsInternet(rule({ prefixListId: 'pl-9' }), policy, lists)).toBe(false);
    expect(model.admitsInternet(rule({ prefixListId: 'pl-1', isEgress: true }), policy, lists)).toBe(false);
  });

  it('private IPv6 (fc00::/7, RFC 4193) is never the internet, whatever the bound', () => {
    expect(model.admitsInternet(rule({ cidrIpv6: 'fc00::/7' }), policy)).toBe(false);
    expect(model.admitsInternet(rule({ cidrIpv6: 'fd00::/8' }), policy)).toBe(false);
    expect(model.admitsInternet(rule({ cidrIpv6: '8000::/1' }), policy)).toBe(true);
  });

  it('the public tier on an allowed port or ICMP message only (ICMP: FromPort is the type, ToPort the code)', () => {
    const web = { Tier: 'Web' };
    expect(model.allowedOnPublicTier(rule({ fromPort: 443, toPort: 443, protocol: '6' }), web, policy)).toBe(true);
    expect(model.allowedOnPublicTier(rule({ fromPort: 443, toPort: 443 }), { Tier: 'App' }, policy)).toBe(false);
    expect(model.allowedOnPublicTier(rule({ fromPort: 0, toPort: 65535 }), web, policy)).toBe(false);
    expect(model.allowedOnPublicTier(rule({ protocol: 'icmp', fromPort: 3, toPort: 4 }), web, policy)).toBe(true);
    expect(model.allowedOnPublicTier(rule({ protocol: '1', fromPort: 3, toPort: -1 }), web, policy)).toBe(false);
    expect(model.allowedOnPublicTier(rule({ protocol: '-1' }), web, policy)).toBe(false);
  });

  it('the same permission whatever the spelling of its protocol and network', () => {
    const live = rule({ cidrIpv4: '0.0.0.0/0' });
    expect(model.samePermission(live, rule({ protocol: '6', cidrIpv4: '10.9.9.9/0' }))).toBe(true);
    expect(model.samePermission(live, rule({ cidrIpv4: '0.0.0.0/1' }))).toBe(false);
    expect(model.samePermission(rule({ protocol: '-1', fromPort: undefined }), rule({ protocol: 'all', fromPort: -1, toPort: -1 }))).toBe(true);
  });
});

describe('exemptions (a real UTC calendar day, at most the cap from now)', () => {
  const now = new Date('2026-06-15T12:00:00Z');
  const tags = (v: string) => ({ 'layerguard:exempt': v });
  it.each([
    ['today, with a reason', 'until=2026-06-15;reason=load test', true],
    ['yesterday', 'until=2026-06-14;reason=x', false],
    ['no reason', 'until=2026-06-20', false],
    ['a day that does not exist', 'until=2026-02-30;reason=x', false],
    ['29 February of a leap year (2028)', 'until=2028-02-29;reason=x', false], // beyond the cap
    ['another form of the date', 'until=06/20/2026;reason=x', false],
    ['the last day of the cap (90 days)', 'until=2026-09-13;reason=x', true],
    ['a day past the cap', 'until=2026-09-14;reason=x', false],
  ])('%s', (_name, value, exempt) => {
    expect(model.isExempt(tags(value), policy, now)).toBe(exempt);
  });
});

describe('routes (target kinds by id prefix, "Resource IDs", Amazon EC2 User Guide)', () => {
  it.each([
    [{ gatewayId: 'igw-1' }, 'internet-gateway'],
    [{ gatewayId: 'nat-1' }, 'nat-gateway'],
    [{ natGatewayId: 'NAT-1' }, 'nat-gateway'],
    [{ egressOnlyInternetGatewayId: 'eigw-1' }, 'egress-only-internet-gateway'],
    [{ carrierGatewayId: 'cagw-1' }, 'carrier-gateway'],
    [{ gatewayId: 'vgw-1' }, 'virtual-private-gateway'],
    [{ gatewayId: 'local' }, 'local'],
    [{ networkInterfaceId: 'eni-1' }, 'unknown'],
    [{ gatewayId: 'vpce-1' }, 'unknown'],
  ] as const)('%j is %s', (route, kind) => expect(model.targetKind(route)).toBe(kind));

  it('destinations compare as networks', () => {
    expect(model.destinationKey({ cidrIpv4: '10.9.9.9/0' })).toBe(model.destinationKey({ cidrIpv4: '0.0.0.0/0' }));
    expect(model.destinationKey({ prefixListId: 'PL-1' })).toBe(model.destinationKey({ prefixListId: 'pl-1' }));
  });

  it('a subnet without an explicit association uses the main table', () => {
    const vpc: model.VpcView = {
      tables: new Map<string, { tags: Record<string, string>; routes: Record<string, unknown>[] }>([
        ['rtb-main', { tags: {}, routes: [{ cidrIpv4: '0.0.0.0/0', gatewayId: 'igw-1' }] }],
        ['rtb-db', { tags: { Tier: 'Database' }, routes: [] }],
      ]),
      subnets: new Map<string, Record<string, string>>([
        ['subnet-a', { Tier: 'Database' }],
        ['subnet-b', { Tier: 'Database' }],
      ]),
      explicit: new Map([['subnet-b', 'rtb-db']]),
      mainTableId: 'rtb-main',
    };
    expect(model.usersOf(vpc, 'rtb-main')).toEqual(['subnet-a']);
    expect(model.isolatedHomes(vpc, policy)).toEqual(['rtb-db']);
    expect(model.exposedSubnets(vpc, policy, new Date())).toEqual([
      { subnetId: 'subnet-a', tableId: 'rtb-main', route: model.destinationKey({ cidrIpv4: '0.0.0.0/0' }) },
    ]);
  });
});
