import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalCidr } from '../../functions/core/cidr.js';
import { type RequestedRule, toChange } from '../../functions/core/change.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import type { SecurityGroup, SgRule } from '../../functions/core/network.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import {
  describeRule,
  evaluateSecurityGroup,
  findWorldOpenRules,
  isAllowedPublic,
  isPublicTier,
  isSamePermission,
  isWorldOpen,
  normaliseProtocol,
  planSgRevert,
  prefixListsOf,
  worldOpenCandidates,
  worldOpenEntries,
} from '../../functions/core/security-group.js';
import { loadEvent } from '../support/events.js';

const NOW = new Date('2025-03-14T12:00:00Z');
const policy = DEFAULT_POLICY;

const web: SecurityGroup = {
  groupId: 'sg-0a1b2c3d4e5f67001',
  groupName: 'web-tier',
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  tags: { Name: 'web-tier', Tier: 'Web' },
};
const app: SecurityGroup = {
  groupId: 'sg-0a1b2c3d4e5f67002',
  groupName: 'app-tier',
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  tags: { Name: 'app-tier', Tier: 'Application' },
};
const db: SecurityGroup = {
  groupId: 'sg-0a1b2c3d4e5f67003',
  groupName: 'db-tier',
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  tags: { Tier: 'Database' },
};
const exempt: SecurityGroup = {
  groupId: 'sg-0a1b2c3d4e5f67004',
  groupName: 'vendor-load-test',
  tags: { 'layerguard:exempt': 'until=2025-04-30;reason=vendor load test' },
};
const expired: SecurityGroup = {
  ...app,
  tags: { ...app.tags, 'layerguard:exempt': 'until=2025-01-31;reason=vendor load test' },
};

const rule = (groupId: string, ruleId: string, fields: Partial<SgRule>): SgRule => ({
  ruleId,
  groupId,
  isEgress: false,
  protocol: 'tcp',
  ...fields,
});
const exemptRule = rule(exempt.groupId, 'sgr-0a1b2c3d4e5f6e10e', { fromPort: 8080, toPort: 8080, cidrIpv4: '0.0.0.0/0' });
const egressAll = (groupId: string, ruleId: string): SgRule =>
  rule(groupId, ruleId, { isEgress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' });

/** The candidates of a sample, as the handler computes them. */
const candidatesOf = (file: string): RequestedRule[] => {
  const change = toChange(parseTrigger(loadEvent(file)).record);
  if (change.kind !== 'sg-ingress') throw new Error(`${file} is not a security group sample`);
  return worldOpenCandidates(change.rules, policy);
};

describe('normaliseProtocol', () => {
  it.each([
    ['tcp', 'tcp'],
    ['TCP', 'tcp'],
    ['6', 'tcp'],
    ['17', 'udp'],
    ['1', 'icmp'],
    ['58', 'icmpv6'],
    ['-1', '-1'],
    ['all', '-1'],
    ['ALL', '-1'],
    ['50', '50'],
  ])('%s → %s', (protocol, expected) => {
    expect(normaliseProtocol(protocol)).toBe(expected);
  });
});

describe('isWorldOpen at the bounds (default: IPv4 /8, IPv6 /16)', () => {
  it.each<[string, Partial<SgRule>, boolean]>([
    ['IPv4 /0', { cidrIpv4: '0.0.0.0/0' }, true],
    ['IPv4 /1 (half the internet)', { cidrIpv4: '128.0.0.0/1' }, true],
    ['IPv4 /7', { cidrIpv4: '10.0.0.0/7' }, true],
    ['IPv4 /8', { cidrIpv4: '10.0.0.0/8' }, false],
    ['IPv4 /24', { cidrIpv4: '10.0.11.0/24' }, false],
    ['IPv4 /32', { cidrIpv4: '203.0.113.7/32' }, false],
    ['IPv6 ::/0', { cidrIpv6: '::/0' }, true],
    ['IPv6 /15', { cidrIpv6: '2000::/15' }, true],
    ['IPv6 /16', { cidrIpv6: '2001::/16' }, false],
    ['IPv6 /64', { cidrIpv6: '2001:db8::/64' }, false],
    ['a prefix list', { prefixListId: 'pl-0a1b2c3d4e5f6a001' }, false],
    ['a group reference', { referencedGroupId: 'sg-0a1b2c3d4e5f67001' }, false],
    ['egress to 0.0.0.0/0: never', { isEgress: true, cidrIpv4: '0.0.0.0/0' }, false],
    ['egress to ::/0: never', { isEgress: true, cidrIpv6: '::/0' }, false],
  ])('%s: %s', (_name, fields, expected) => {
    expect(isWorldOpen(rule(app.groupId, 'sgr-0a1b2c3d4e5f69001', fields), policy)).toBe(expected);
  });

  it('follows the policy’s bounds', () => {
    const strict = parsePolicy({ worldOpen: { ipv4MinPrefix: 16, ipv6MinPrefix: 48 } });
    expect(isWorldOpen({ protocol: 'tcp', cidrIpv4: '10.0.0.0/8' }, strict)).toBe(true);
    expect(isWorldOpen({ protocol: 'tcp', cidrIpv4: '10.0.0.0/16' }, strict)).toBe(false);
    expect(isWorldOpen({ protocol: 'tcp', cidrIpv6: '2001:db8::/32' }, strict)).toBe(true);
    const loose = parsePolicy({ worldOpen: { ipv4MinPrefix: 1, ipv6MinPrefix: 1 } });
    expect(isWorldOpen({ protocol: 'tcp', cidrIpv4: '0.0.0.0/1' }, loose)).toBe(false);
    expect(isWorldOpen({ protocol: 'tcp', cidrIpv4: '0.0.0.0/0' }, loose)).toBe(true);
  });
});

describe('isPublicTier and isAllowedPublic', () => {
  it('the web tier is public, the others are not', () => {
    expect(isPublicTier(web, policy)).toBe(true);
    expect(isPublicTier(app, policy)).toBe(false);
    expect(isPublicTier({ ...web, tags: {} }, policy)).toBe(false);
  });

  it.each<[string, SecurityGroup, Partial<SgRule>, boolean]>([
    ['web, tcp 80', web, { protocol: 'tcp', fromPort: 80, toPort: 80 }, true],
    ['web, tcp 443', web, { protocol: 'tcp', fromPort: 443, toPort: 443 }, true],
    ['web, protocol 6 on 443', web, { protocol: '6', fromPort: 443, toPort: 443 }, true],
    ['web, tcp 22', web, { protocol: 'tcp', fromPort: 22, toPort: 22 }, false],
    [
      'web, tcp 80-443 (a range around the allowed ports)',
      web,
      { protocol: 'tcp', fromPort: 80, toPort: 443 },
      false,
    ],
    ['web, all traffic (-1)', web, { protocol: '-1', fromPort: -1, toPort: -1 }, false],
    ['web, all traffic without ports', web, { protocol: '-1' }, false],
    ['web, udp 443 (QUIC is not on the list)', web, { protocol: 'udp', fromPort: 443, toPort: 443 }, false],
    ['app, tcp 443', app, { protocol: 'tcp', fromPort: 443, toPort: 443 }, false],
  ])('%s: %s', (_name, group, fields, expected) => {
    expect(
      isAllowedPublic(
        rule(group.groupId, 'sgr-0a1b2c3d4e5f69001', { cidrIpv4: '0.0.0.0/0', ...fields }),
        group,
        policy,
      ),
    ).toBe(expected);
  });

  it('follows the policy’s tags and ports', () => {
    const custom = parsePolicy({
      publicTier: {
        groupTags: [{ key: 'Exposure', value: 'internet' }],
        allowedPorts: [{ protocol: 'udp', port: 443 }],
      },
    });
    const edge = { ...app, tags: { Exposure: 'internet' } };
    expect(
      isAllowedPublic({ protocol: 'udp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }, edge, custom),
    ).toBe(true);
    expect(
      isAllowedPublic({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }, edge, custom),
    ).toBe(false);
    expect(
      isAllowedPublic({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }, web, custom),
    ).toBe(false);
  });
});

describe('ICMP in the public tier\'s allowed list (type in FromPort, code in ToPort, -1 for any)', () => {
  // EC2: "If the protocol is ICMP, this is the ICMP type or -1" (FromPort) and "the ICMP code or -1"
  // (ToPort): AuthorizeSecurityGroupIngressRequest, @aws-sdk/client-ec2 models_0.d.ts.
  const pmtu = parsePolicy({
    publicTier: {
      allowedPorts: [
        { protocol: 'tcp', port: 443 },
        { protocol: 'icmp', type: 3, code: 4 }, // fragmentation needed (path-MTU discovery, IPv4)
        { protocol: 'icmpv6', type: 2 }, // packet too big (path-MTU discovery, IPv6), any code
      ],
    },
  });
  it.each<[string, Partial<SgRule>, boolean]>([
    ['icmp 3/4 from 0.0.0.0/0', { protocol: 'icmp', fromPort: 3, toPort: 4, cidrIpv4: '0.0.0.0/0' }, true],
    ['icmp as protocol 1, 3/4', { protocol: '1', fromPort: 3, toPort: 4, cidrIpv4: '0.0.0.0/0' }, true],
    ['icmp 3, any code (more than allowed)', { protocol: 'icmp', fromPort: 3, toPort: -1, cidrIpv4: '0.0.0.0/0' }, false],
    ['icmp 3/1 (another code)', { protocol: 'icmp', fromPort: 3, toPort: 1, cidrIpv4: '0.0.0.0/0' }, false],
    ['icmp any type', { protocol: 'icmp', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' }, false],
    ['icmp echo (8)', { protocol: 'icmp', fromPort: 8, toPort: -1, cidrIpv4: '0.0.0.0/0' }, false],
    ['icmpv6 2, any code', { protocol: 'icmpv6', fromPort: 2, toPort: -1, cidrIpv6: '::/0' }, true],
    ['icmpv6 as protocol 58, 2/0', { protocol: '58', fromPort: 2, toPort: 0, cidrIpv6: '::/0' }, true],
    ['icmpv6 128 (echo)', { protocol: 'icmpv6', fromPort: 128, toPort: -1, cidrIpv6: '::/0' }, false],
    ['tcp 3-4 is not icmp', { protocol: 'tcp', fromPort: 3, toPort: 4, cidrIpv4: '0.0.0.0/0' }, false],
  ])('%s -> %s', (_name, fields, expected) => {
    expect(isAllowedPublic(rule(web.groupId, 'sgr-0a1b2c3d4e5f69001', fields), web, pmtu)).toBe(expected);
    expect(isAllowedPublic(rule(app.groupId, 'sgr-0a1b2c3d4e5f69001', fields), app, pmtu)).toBe(false);
  });

  it('refuses an ICMP entry with a port, or a tcp entry with a type', () => {
    expect(() => parsePolicy({ publicTier: { allowedPorts: [{ protocol: 'icmp', port: 8 }] } })).toThrow(/allowedPorts/);
    expect(() => parsePolicy({ publicTier: { allowedPorts: [{ protocol: 'tcp', type: 3 }] } })).toThrow(/allowedPorts/);
    expect(() => parsePolicy({ publicTier: { allowedPorts: [{ protocol: 'icmp', type: 256 }] } })).toThrow(/allowedPorts/);
  });
});

describe('private IPv6 (fc00::/7, RFC 4193) is never world-open, whatever the bound', () => {
  const loose = parsePolicy({ worldOpen: { ipv6MinPrefix: 128 } });
  it.each<[string, boolean]>([
    ['fc00::/7', false],
    ['fd00::/8', false],
    ['fd12:3456:789a::/48', false],
    ['FD00::/8', false],
    ['fc00::/6', true], // wider than fc00::/7: reaches public space too
    ['fe80::/10', true],
    ['2001:db8::/32', true],
    ['::/0', true],
  ])('%s under an IPv6 bound of /128 -> world-open %s', (cidr, expected) => {
    expect(isWorldOpen({ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: cidr }, loose)).toBe(expected);
  });
});

describe('isSamePermission', () => {
  const live = rule(app.groupId, 'sgr-0a1b2c3d4e5f69001', {
    protocol: 'tcp',
    fromPort: 22,
    toPort: 22,
    cidrIpv4: '0.0.0.0/0',
  });
  it.each<[string, SgRule, RequestedRule, boolean]>([
    ['the same permission', live, { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }, true],
    [
      'the protocol as a number',
      live,
      { protocol: '6', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
      true,
    ],
    ['another port', live, { protocol: 'tcp', fromPort: 2222, toPort: 2222, cidrIpv4: '0.0.0.0/0' }, false],
    ['another source', live, { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/1' }, false],
    ['another family', live, { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '::/0' }, false],
    ['another protocol', live, { protocol: 'udp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }, false],
    [
      'an egress rule',
      { ...live, isEgress: true },
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
      false,
    ],
    [
      'all traffic: EC2 omits ports, CloudTrail says -1',
      rule(app.groupId, 'r', { protocol: '-1', cidrIpv6: '::/0' }),
      { protocol: '-1', fromPort: -1, toPort: -1, cidrIpv6: '::/0' },
      true,
    ],
    [
      'all traffic written as "all"',
      rule(app.groupId, 'r', { protocol: '-1', cidrIpv4: '0.0.0.0/0' }),
      { protocol: 'all', cidrIpv4: '0.0.0.0/0' },
      true,
    ],
    [
      'ports missing on both sides',
      rule(app.groupId, 'r', { protocol: '50', cidrIpv4: '0.0.0.0/0' }),
      { protocol: '50', cidrIpv4: '0.0.0.0/0' },
      true,
    ],
    // Networks, not text: EC2 stores the canonical form (IpRange.CidrIp, models_0.d.ts).
    ['host bits in the request', live, { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.9.9.9/0' }, true],
    [
      'host bits in the live rule (moto stores them as given)',
      rule(app.groupId, 'r', { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '203.0.113.77/24' }),
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '203.0.113.0/24' },
      true,
    ],
    [
      'IPv6 expanded and upper case',
      rule(app.groupId, 'r', { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '2001:db8::/32' }),
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '2001:0DB8:0000:0000:0000:0000:0000:0001/32' },
      true,
    ],
    [
      'a neighbouring network',
      rule(app.groupId, 'r', { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '203.0.113.0/24' }),
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '203.0.114.0/24' },
      false,
    ],
    [
      'ports -1 on one side only',
      rule(app.groupId, 'r', { protocol: 'icmp', cidrIpv4: '0.0.0.0/0' }),
      { protocol: 'icmp', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' },
      true,
    ],
    // "specifying -1 ... allows traffic on all ports, regardless of any port range you specify"
    // (IpPermission.IpProtocol, @aws-sdk/client-ec2 models_0.d.ts): the live rule keeps -1, not the ports asked for.
    [
      'all traffic asked with ports: the ports do not matter',
      rule(app.groupId, 'r', { protocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' }),
      { protocol: '-1', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
      true,
    ],
    ['another start port', live, { protocol: 'tcp', fromPort: 20, toPort: 22, cidrIpv4: '0.0.0.0/0' }, false],
    ['another end port', live, { protocol: 'tcp', fromPort: 22, toPort: 23, cidrIpv4: '0.0.0.0/0' }, false],
    [
      'another prefix list',
      rule(app.groupId, 'r', { protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-0a1b2c3d4e5f6a001' }),
      { protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-0a1b2c3d4e5f6a002' },
      false,
    ],
    [
      'another referenced group',
      rule(app.groupId, 'r', { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: web.groupId }),
      { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: db.groupId },
      false,
    ],
  ])('%s: %s', (_name, liveRule, requested, expected) => {
    expect(isSamePermission(liveRule, requested)).toBe(expected);
  });
});

describe('worldOpenCandidates over the samples', () => {
  it.each<[string, string[]]>([
    ['AuthorizeSecurityGroupIngress/world-open-ssh', ['sgr-0a1b2c3d4e5f6e101']],
    ['AuthorizeSecurityGroupIngress/split-world', ['sgr-0a1b2c3d4e5f6e104', 'sgr-0a1b2c3d4e5f6e105']],
    ['AuthorizeSecurityGroupIngress/multi-permission', ['sgr-0a1b2c3d4e5f6e106']],
    ['AuthorizeSecurityGroupIngress/ipv6-world-all-traffic', ['sgr-0a1b2c3d4e5f6e103']],
    ['AuthorizeSecurityGroupIngress/narrow-cidr', []],
    ['AuthorizeSecurityGroupIngress/group-reference', []],
    // A prefix list is a candidate: only its live entries can say whether it is the internet.
    ['AuthorizeSecurityGroupIngress/prefix-list', ['sgr-0a1b2c3d4e5f6e10b']],
    ['AuthorizeSecurityGroupIngress/prefix-list-world', ['sgr-0a1b2c3d4e5f6e121']],
    ['ModifySecurityGroupRules/multiple-rules', ['sgr-0a1b2c3d4e5f69201']],
    ['ModifySecurityGroupRules/narrow', []],
    // The request cannot tell egress from ingress: the live rule decides (see evaluateSecurityGroup).
    ['ModifySecurityGroupRules/egress-rule', ['sgr-0a1b2c3d4e5f69309']],
  ])('%s → %j', (file, ruleIds) => {
    expect(candidatesOf(file).map((r) => r.ruleId)).toEqual(ruleIds);
  });

  it('keeps the requested rule of an older record (no rule ids)', () => {
    expect(candidatesOf('AuthorizeSecurityGroupIngress/no-rule-ids')).toEqual([
      { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
    ]);
  });
});

describe('describeRule', () => {
  it.each<[RequestedRule, string]>([
    [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }, 'tcp/22 from 0.0.0.0/0'],
    [{ protocol: '6', fromPort: 1024, toPort: 65535, cidrIpv6: '::/0' }, 'tcp/1024-65535 from ::/0'],
    [{ protocol: '-1', cidrIpv6: '::/0' }, 'all traffic from ::/0'],
    [
      { protocol: 'tcp', fromPort: 443, toPort: 443, prefixListId: 'pl-0a1b2c3d4e5f6a001' },
      'tcp/443 from pl-0a1b2c3d4e5f6a001',
    ],
    [
      { protocol: 'tcp', fromPort: 5432, toPort: 5432, referencedGroupId: 'sg-0a1b2c3d4e5f67002' },
      'tcp/5432 from sg-0a1b2c3d4e5f67002',
    ],
    [{ protocol: 'tcp', fromPort: 22, toPort: 22 }, 'tcp/22 from ?'],
    [{ protocol: 'icmp', fromPort: 8, toPort: -1, cidrIpv4: '0.0.0.0/0' }, 'icmp type 8, any code from 0.0.0.0/0'],
    [{ protocol: '1', fromPort: 3, toPort: 4, cidrIpv4: '0.0.0.0/0' }, 'icmp type 3, code 4 from 0.0.0.0/0'],
    [{ protocol: 'icmp', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' }, 'icmp, any type from 0.0.0.0/0'],
    [{ protocol: '58', fromPort: 2, toPort: 0, cidrIpv6: '::/0' }, 'icmpv6 type 2, code 0 from ::/0'],
    // Rules without ports: "For icmpv6, the port range is optional; if you omit the port range, traffic for
    // all types and codes is allowed"; a protocol number other than tcp, udp, icmp or icmpv6 "allows traffic
    // on all ports" (IpPermission.IpProtocol, @aws-sdk/client-ec2 models_0.d.ts).
    [{ protocol: 'icmpv6', cidrIpv6: '::/0' }, 'icmpv6, any type from ::/0'],
    [{ protocol: 'icmp', fromPort: 8, cidrIpv4: '0.0.0.0/0' }, 'icmp type 8, any code from 0.0.0.0/0'],
    [{ protocol: '50', cidrIpv4: '0.0.0.0/0' }, '50, all ports from 0.0.0.0/0'],
    [{ protocol: 'tcp', fromPort: 22, cidrIpv4: '0.0.0.0/0' }, 'tcp/22 from 0.0.0.0/0'],
  ])('%j → %s', (r, expected) => {
    expect(describeRule(r)).toBe(expected);
  });
});

describe('evaluateSecurityGroup', () => {
  const ssh = rule(app.groupId, 'sgr-0a1b2c3d4e5f6e101', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' });
  const fromWeb = rule(app.groupId, 'sgr-0a1b2c3d4e5f69001', {
    fromPort: 8080,
    toPort: 8080,
    referencedGroupId: web.groupId,
  });
  const appRules = [fromWeb, ssh, egressAll(app.groupId, 'sgr-0a1b2c3d4e5f69002')];

  const cases: {
    name: string;
    candidates: () => RequestedRule[];
    group: SecurityGroup | undefined;
    live: SgRule[];
    expected: ReturnType<typeof evaluateSecurityGroup>;
  }[] = [
    {
      name: 'drift: the world-open rule the event added, by rule id; nothing else in the group',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/world-open-ssh'),
      group: app,
      live: appRules,
      expected: {
        status: 'drift',
        drifts: [{ kind: 'sg-world-open', groupId: app.groupId, tier: 'application', rules: [ssh] }],
        reason: `${app.groupId} admits tcp/22 from 0.0.0.0/0`,
      },
    },
    {
      name: 'drift: found by permission when the record has no rule ids',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/no-rule-ids'),
      group: app,
      live: [fromWeb, { ...ssh, ruleId: 'sgr-0a1b2c3d4e5f69555' }],
      expected: {
        status: 'drift',
        drifts: [{
          kind: 'sg-world-open',
          groupId: app.groupId,
          tier: 'application',
          rules: [{ ...ssh, ruleId: 'sgr-0a1b2c3d4e5f69555' }],
        }],
        reason: `${app.groupId} admits tcp/22 from 0.0.0.0/0`,
      },
    },
    {
      name: 'drift: the internet in two halves',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/split-world'),
      group: app,
      live: [
        rule(app.groupId, 'sgr-0a1b2c3d4e5f6e104', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/1' }),
        rule(app.groupId, 'sgr-0a1b2c3d4e5f6e105', { fromPort: 22, toPort: 22, cidrIpv4: '128.0.0.0/1' }),
      ],
      expected: {
        status: 'drift',
        drifts: [{
          kind: 'sg-world-open',
          groupId: app.groupId,
          tier: 'application',
          rules: [
            rule(app.groupId, 'sgr-0a1b2c3d4e5f6e104', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/1' }),
            rule(app.groupId, 'sgr-0a1b2c3d4e5f6e105', { fromPort: 22, toPort: 22, cidrIpv4: '128.0.0.0/1' }),
          ],
        }],
        reason: `${app.groupId} admits tcp/22 from 0.0.0.0/1, tcp/22 from 128.0.0.0/1`,
      },
    },
    {
      name: 'drift on the web tier: tcp/22 is not an allowed port',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/web-tier-22'),
      group: web,
      live: [rule(web.groupId, 'sgr-0a1b2c3d4e5f6e10d', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' })],
      expected: {
        status: 'drift',
        drifts: [{
          kind: 'sg-world-open',
          groupId: web.groupId,
          tier: 'web',
          rules: [
            rule(web.groupId, 'sgr-0a1b2c3d4e5f6e10d', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }),
          ],
        }],
        reason: `${web.groupId} admits tcp/22 from 0.0.0.0/0`,
      },
    },
    {
      name: 'mixed on the web tier: 443 is allowed, 22 is drift; only 22 is reverted',
      candidates: () => [
        {
          ruleId: 'sgr-0a1b2c3d4e5f6e10c',
          protocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: '0.0.0.0/0',
        },
        { ruleId: 'sgr-0a1b2c3d4e5f6e10d', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
      ],
      group: web,
      live: [
        rule(web.groupId, 'sgr-0a1b2c3d4e5f6e10c', { fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }),
        rule(web.groupId, 'sgr-0a1b2c3d4e5f6e10d', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }),
      ],
      expected: {
        status: 'drift',
        drifts: [{
          kind: 'sg-world-open',
          groupId: web.groupId,
          tier: 'web',
          rules: [
            rule(web.groupId, 'sgr-0a1b2c3d4e5f6e10d', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }),
          ],
        }],
        reason: `${web.groupId} admits tcp/22 from 0.0.0.0/0; 1 on allowed ports kept: the public tier (tagged Tier=Web)`,
      },
    },
    {
      name: 'drift on a group whose exemption has expired, and the reason says so',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/world-open-ssh'),
      group: expired,
      live: appRules,
      expected: {
        status: 'drift',
        drifts: [{ kind: 'sg-world-open', groupId: app.groupId, tier: 'application', rules: [ssh] }],
        reason: `${app.groupId} admits tcp/22 from 0.0.0.0/0 (exemption expired on 2025-01-31)`,
      },
    },
    {
      name: 'exempt: a valid exemption tag, even for world-open ssh',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/exempt-group'),
      group: exempt,
      live: [exemptRule],
      expected: {
        status: 'exempt',
        reason: `${exempt.groupId} is exempt until 2025-04-30: vendor load test`,
        // Set aside, not dropped: the drift is what a suppressed finding reports.
        setAside: [{ kind: 'sg-world-open', groupId: exempt.groupId, rules: [exemptRule] }],
      },
    },
    {
      name: 'ignored: the web tier on 443 from the world',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/web-tier-443'),
      group: web,
      live: [
        rule(web.groupId, 'sgr-0a1b2c3d4e5f6e10c', { fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' }),
      ],
      expected: {
        status: 'ignored',
        reason: `${web.groupId} is the public tier (tagged Tier=Web) and the rule is on an allowed port`,
      },
    },
    {
      name: 'ignored: ModifySecurityGroupRules edited an egress rule (the request cannot say so)',
      candidates: () => candidatesOf('ModifySecurityGroupRules/egress-rule'),
      group: db,
      live: [egressAll(db.groupId, 'sgr-0a1b2c3d4e5f69309')],
      expected: { status: 'ignored', reason: 'the rule is egress: LayerGuard guards ingress only' },
    },
    {
      name: 'already compliant: the rule is already gone',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/world-open-ssh'),
      group: app,
      live: [fromWeb],
      expected: { status: 'already-compliant', reason: 'the world-open rules are already gone' },
    },
    {
      name: 'already compliant: the group is gone',
      candidates: () => candidatesOf('AuthorizeSecurityGroupIngress/world-open-ssh'),
      group: undefined,
      live: [],
      expected: { status: 'already-compliant', reason: 'the security group no longer exists' },
    },
    {
      name: 'already compliant: the rule was modified since to a narrow CIDR',
      candidates: () => candidatesOf('ModifySecurityGroupRules/world-open-db-port'),
      group: db,
      live: [
        rule(db.groupId, 'sgr-0a1b2c3d4e5f69301', { fromPort: 3306, toPort: 3306, cidrIpv4: '10.0.11.0/24' }),
      ],
      expected: { status: 'already-compliant', reason: 'the world-open rules are already gone' },
    },
    {
      name: 'already compliant: no candidates at all',
      candidates: () => [],
      group: app,
      live: appRules,
      expected: { status: 'already-compliant', reason: 'the world-open rules are already gone' },
    },
  ];

  it.each(cases)('$name', ({ candidates, group, live, expected }) => {
    expect(evaluateSecurityGroup(candidates(), group, live, policy, NOW)).toStrictEqual(expected);
  });

  it('an exemption read on the last day still holds, and not the day after', () => {
    const until = { ...app, tags: { 'layerguard:exempt': 'until=2025-03-14;reason=cutover' } };
    const candidates = candidatesOf('AuthorizeSecurityGroupIngress/world-open-ssh');
    expect(
      evaluateSecurityGroup(candidates, until, appRules, policy, new Date('2025-03-14T23:59:59Z')).status,
    ).toBe('exempt');
    expect(
      evaluateSecurityGroup(candidates, until, appRules, policy, new Date('2025-03-15T00:00:00Z')).status,
    ).toBe('drift');
  });

  it('counts a rule matched by two candidates once', () => {
    const c = candidatesOf('AuthorizeSecurityGroupIngress/world-open-ssh');
    const decision = evaluateSecurityGroup([...c, ...c], app, appRules, policy, NOW);
    expect(decision.status === 'drift' && decision.drifts[0]?.rules).toEqual([ssh]);
  });
});

describe('findWorldOpenRules (sweep)', () => {
  it('finds every world-open ingress rule the policy does not allow, and nothing else', () => {
    const rules = [
      rule(web.groupId, 'sgr-0a1b2c3d4e5f69001', { fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0' }),
      rule(web.groupId, 'sgr-0a1b2c3d4e5f69002', { fromPort: 443, toPort: 443, cidrIpv6: '::/0' }),
      rule(web.groupId, 'sgr-0a1b2c3d4e5f69003', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }),
      rule(web.groupId, 'sgr-0a1b2c3d4e5f69004', { protocol: '-1', cidrIpv6: '::/0' }),
      rule(web.groupId, 'sgr-0a1b2c3d4e5f69005', { fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' }),
      egressAll(web.groupId, 'sgr-0a1b2c3d4e5f69006'),
    ];
    expect(findWorldOpenRules(web, rules, policy).map((r) => r.ruleId)).toEqual([
      'sgr-0a1b2c3d4e5f69003',
      'sgr-0a1b2c3d4e5f69004',
    ]);
    expect(findWorldOpenRules(app, rules, policy).map((r) => r.ruleId)).toEqual([
      'sgr-0a1b2c3d4e5f69001',
      'sgr-0a1b2c3d4e5f69002',
      'sgr-0a1b2c3d4e5f69003',
      'sgr-0a1b2c3d4e5f69004',
    ]);
  });
});

describe('planSgRevert', () => {
  it('revokes exactly the drift’s rules, by id', () => {
    const rules = [
      rule(db.groupId, 'sgr-0a1b2c3d4e5f6e106', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }),
      rule(db.groupId, 'sgr-0a1b2c3d4e5f6e110', { fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0' }),
    ];
    expect(planSgRevert({ kind: 'sg-world-open', groupId: db.groupId, rules })).toStrictEqual({
      type: 'revoke-ingress',
      groupId: db.groupId,
      ruleIds: ['sgr-0a1b2c3d4e5f6e106', 'sgr-0a1b2c3d4e5f6e110'],
    });
  });

  it('plans the multi-permission sample’s revert without the narrow rule', () => {
    const live = [
      rule(db.groupId, 'sgr-0a1b2c3d4e5f6e106', { fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }),
      rule(db.groupId, 'sgr-0a1b2c3d4e5f6e107', { fromPort: 5432, toPort: 5432, cidrIpv4: '10.0.11.0/24' }),
    ];
    const decision = evaluateSecurityGroup(
      candidatesOf('AuthorizeSecurityGroupIngress/multi-permission'),
      db,
      live,
      policy,
      NOW,
    );
    if (decision.status !== 'drift') throw new Error(`expected drift, got ${decision.status}`);
    expect(planSgRevert(decision.drifts)).toStrictEqual({
      type: 'revoke-ingress',
      groupId: db.groupId,
      ruleIds: ['sgr-0a1b2c3d4e5f6e106'],
    });
  });
});

describe('a managed prefix list is judged by its entries', () => {
  const OFFICE = 'pl-0a1b2c3d4e5f6a001';
  const EVERYWHERE = 'pl-0a1b2c3d4e5f6a003';
  const lists = new Map<string, readonly string[]>([
    [OFFICE, ['203.0.113.0/24', '10.8.0.0/16']],
    [EVERYWHERE, ['10.8.0.0/16', '0.0.0.0/0']],
    ['pl-0a1b2c3d4e5f6a004', ['::/0']],
    ['pl-0a1b2c3d4e5f6a005', ['fc00::/7']],
    ['pl-0a1b2c3d4e5f6a006', ['0.0.0.0/1', '128.0.0.0/1']],
    ['pl-0a1b2c3d4e5f6a007', []],
  ]);
  const fromList = (prefixListId: string, port = 22, ruleId = 'sgr-0a1b2c3d4e5f6e201'): SgRule => ({
    ruleId,
    groupId: app.groupId,
    isEgress: false,
    protocol: 'tcp',
    fromPort: port,
    toPort: port,
    prefixListId,
  });

  it.each([
    [OFFICE, false, []],
    [EVERYWHERE, true, ['0.0.0.0/0']],
    ['pl-0a1b2c3d4e5f6a004', true, ['::/0']],
    // Private IPv6 (RFC 4193) is never the internet, in a list as in a rule.
    ['pl-0a1b2c3d4e5f6a005', false, []],
    // The internet in pieces, each broader than the /8 bound.
    ['pl-0a1b2c3d4e5f6a006', true, ['0.0.0.0/1', '128.0.0.0/1']],
    ['pl-0a1b2c3d4e5f6a007', false, []],
    // A list that was not read is not known to admit anything.
    ['pl-0a1b2c3d4e5f6a0ff', false, []],
  ])('%s: world-open %s, entries %j', (id, open, entries) => {
    expect(isWorldOpen(fromList(id), policy, lists)).toBe(open);
    expect(worldOpenEntries(fromList(id), policy, lists)).toEqual(entries);
  });

  it('without the entries, a prefix-list rule is never world-open, and is still a candidate of the event', () => {
    expect(isWorldOpen(fromList(EVERYWHERE), policy)).toBe(false);
    const { ruleId: _r, groupId: _g, isEgress: _e, ...requested } = fromList(EVERYWHERE);
    expect(worldOpenCandidates([requested], policy)).toEqual([requested]);
    expect(worldOpenCandidates([{ ...requested, prefixListId: undefined, referencedGroupId: app.groupId }], policy)).toEqual([]);
  });

  it('judges an IPv6 entry by its prefix against the IPv6 bound, as a rule\'s own CIDR', () => {
    // The default policy's IPv6 bound is /16: an office's /48 or /56 is not the internet, 2000::/3 (all global unicast) is.
    const v6 = new Map([
      [OFFICE, ['2001:db8:1234::/48', '2600:1f18:aa00::/56']],
      [EVERYWHERE, ['2001:db8:1234::/48', '2000::/3']],
    ]);
    expect(isWorldOpen(fromList(OFFICE), policy, v6)).toBe(false);
    expect(worldOpenEntries(fromList(OFFICE), policy, v6)).toEqual([]);
    expect(worldOpenEntries(fromList(EVERYWHERE), policy, v6)).toEqual(['2000::/3']);
    const bound = parsePolicy({ worldOpen: { ipv6MinPrefix: 64 } });
    expect(worldOpenEntries(fromList(OFFICE), bound, v6)).toEqual(['2001:db8:1234::/48', '2600:1f18:aa00::/56']);
  });

  it('an entry that is no CIDR admits nothing, and does not hide one that is the internet', () => {
    const odd = new Map([
      [OFFICE, ['not-a-cidr']],
      [EVERYWHERE, ['not-a-cidr', '0.0.0.0/0']],
    ]);
    expect(isWorldOpen(fromList(OFFICE), policy, odd)).toBe(false);
    expect(worldOpenEntries(fromList(EVERYWHERE), policy, odd)).toEqual(['0.0.0.0/0']);
  });

  it('names every entry of the internet, and every list of none, in its reason', () => {
    const split = fromList('pl-0a1b2c3d4e5f6a006');
    expect(describeRule(split, policy, lists)).toBe('tcp/22 from pl-0a1b2c3d4e5f6a006 (0.0.0.0/1, 128.0.0.0/1)');
    const office = fromList(OFFICE, 22, 'sgr-0a1b2c3d4e5f6e301');
    const empty = fromList('pl-0a1b2c3d4e5f6a007', 23, 'sgr-0a1b2c3d4e5f6e302');
    expect(evaluateSecurityGroup([office, empty], app, [office, empty], policy, NOW, lists)).toEqual({
      status: 'ignored',
      reason: `no entry of ${OFFICE}, pl-0a1b2c3d4e5f6a007 is open to the internet`,
    });
  });

  it('a rule of the internet since pointed at office ranges is ignored for that list; a narrow CIDR candidate is no list', () => {
    const asked = fromList(EVERYWHERE);
    const repointed = { ...asked, prefixListId: OFFICE };
    expect(evaluateSecurityGroup([asked], app, [repointed], policy, NOW, lists)).toEqual({
      status: 'ignored',
      reason: `no entry of ${OFFICE} is open to the internet`,
    });
    const narrow = { ...asked, prefixListId: undefined, cidrIpv4: '10.8.1.0/24' };
    expect(evaluateSecurityGroup([narrow], app, [narrow], policy, NOW, lists)).toEqual({ status: 'ignored', reason: 'no rule asked for is open to the internet' });
  });

  it('egress to a list of the internet is not ingress drift', () => {
    expect(isWorldOpen({ ...fromList(EVERYWHERE), isEgress: true }, policy, lists)).toBe(false);
  });

  it('follows the policy bounds: a /12 entry is the internet under a /16 bound, not under the default /8', () => {
    const wide = new Map([[OFFICE, ['100.64.0.0/10']]]);
    expect(isWorldOpen(fromList(OFFICE), policy, wide)).toBe(false);
    expect(isWorldOpen(fromList(OFFICE), parsePolicy({ worldOpen: { ipv4MinPrefix: 16 } }), wide)).toBe(true);
  });

  it('drift: the rule is revoked by id, and the reason names the entries that are the internet', () => {
    const rule = fromList(EVERYWHERE);
    const decision = evaluateSecurityGroup([rule], app, [rule], policy, NOW, lists);
    expect(decision).toEqual({
      status: 'drift',
      drifts: [{ kind: 'sg-world-open', groupId: app.groupId, tier: 'application', rules: [rule] }],
      reason: `${app.groupId} admits tcp/22 from ${EVERYWHERE} (0.0.0.0/0)`,
    });
    expect(planSgRevert((decision as Extract<typeof decision, { status: 'drift' }>).drifts)).toEqual({
      type: 'revoke-ingress',
      groupId: app.groupId,
      ruleIds: [rule.ruleId],
    });
  });

  it('ignored, with the list named, when no entry is the internet', () => {
    const rule = fromList(OFFICE);
    expect(evaluateSecurityGroup([rule], app, [rule], policy, NOW, lists)).toEqual({
      status: 'ignored',
      reason: `no entry of ${OFFICE} is open to the internet`,
    });
  });

  it('the event must ask for the internet itself: a rule from office ranges since edited to 0.0.0.0/0 is that edit\'s event to judge', () => {
    const asked = fromList(OFFICE);
    const edited: SgRule = { ...asked, prefixListId: undefined, cidrIpv4: '0.0.0.0/0' };
    expect(evaluateSecurityGroup([asked], app, [edited], policy, NOW, lists)).toEqual({
      status: 'ignored',
      reason: `no entry of ${OFFICE} is open to the internet`,
    });
    // And the other way: a list of the internet whose rule was since narrowed to a private CIDR is not drift.
    const open = fromList(EVERYWHERE);
    const narrowed: SgRule = { ...open, prefixListId: undefined, cidrIpv4: '10.8.1.0/24' };
    expect(evaluateSecurityGroup([open], app, [narrowed], policy, NOW, lists).status).toBe('already-compliant');
  });

  it('already-compliant when the rule is gone, whatever the list holds', () => {
    expect(evaluateSecurityGroup([fromList(EVERYWHERE)], app, [], policy, NOW, lists).status).toBe('already-compliant');
  });

  it('the public tier may admit a list of the internet on its allowed ports only', () => {
    const https = { ...fromList(EVERYWHERE, 443), groupId: web.groupId };
    const ssh = { ...fromList(EVERYWHERE, 22, 'sgr-0a1b2c3d4e5f6e202'), groupId: web.groupId };
    expect(evaluateSecurityGroup([https], web, [https], policy, NOW, lists).status).toBe('ignored');
    expect(findWorldOpenRules(web, [https, ssh], policy, lists)).toEqual([ssh]);
  });

  it('the sweep finds a prefix-list rule only with the entries read', () => {
    const rule = fromList(EVERYWHERE);
    expect(findWorldOpenRules(app, [rule], policy)).toEqual([]);
    expect(findWorldOpenRules(app, [rule], policy, lists)).toEqual([rule]);
  });

  it('prefixListsOf: each list of the ingress once; egress and other sources name none', () => {
    expect(
      prefixListsOf([
        fromList(OFFICE),
        fromList(OFFICE, 443),
        fromList(EVERYWHERE),
        { ...fromList('pl-0a1b2c3d4e5f6a004'), isEgress: true },
        { ...fromList(OFFICE), prefixListId: undefined, cidrIpv4: '0.0.0.0/0' },
      ]),
    ).toEqual([OFFICE, EVERYWHERE]);
  });

  it('property: a list is the internet exactly when one of its entries is a world-open CIDR', () => {
    const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}.0.0.0/${p}`);
    fc.assert(
      fc.property(fc.array(v4, { maxLength: 6 }), (cidrs) => {
        const canonical = cidrs.map((c) => canonicalCidr(c) as string);
        const one = new Map([[OFFICE, canonical]]);
        const expected = canonical.some((c) => isWorldOpen({ ...fromList(OFFICE), prefixListId: undefined, cidrIpv4: c }, policy));
        expect(isWorldOpen(fromList(OFFICE), policy, one)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
