import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import {
  buildRulePatterns,
  DEFAULT_MAX_PATTERN_SIZE,
  matchingRules,
  type RuleSpec,
} from '../../functions/core/patterns.js';
import { DEFAULT_POLICY as TIERED_DEFAULT, type PolicyInput, parsePolicy as parseTiered } from '../../functions/core/policy.js';

// Most of this file is about the world-open filter: policies without tiers, whose security-group
// pattern filters CIDRs by the world-open bounds. The default, with tiers judged, is tested at the end.
const parsePolicy = (input: PolicyInput = {}) => parseTiered({ tiers: { chain: [] }, ...input });
const DEFAULT_POLICY = parsePolicy();
import { loadEvent } from '../support/events.js';

const ruleOf = (rules: RuleSpec[], name: RuleSpec['name']): RuleSpec => {
  const rule = rules.find((r) => r.name === name);
  if (!rule) throw new Error(`no ${name} rule`);
  return rule;
};

const detailOf = (rule: RuleSpec | undefined): Record<string, unknown> =>
  (rule?.pattern.detail ?? {}) as Record<string, unknown>;

/** An EventBridge CloudTrail event with the given detail fields. */
const event = (detail: Record<string, unknown>, source = 'aws.ec2') => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source,
  account: '111122223333',
  region: 'eu-west-1',
  time: '2026-01-01T00:00:00Z',
  resources: [],
  detail: {
    eventSource: 'ec2.amazonaws.com',
    eventID: 'x',
    awsRegion: 'eu-west-1',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', userName: 'alice' },
    ...detail,
  },
});

/** A session of `role` in `account`, as CloudTrail records it (the issuer's ARN holds the account). */
const assumed = (role: string, account = '111122223333') => ({
  type: 'AssumedRole',
  arn: `arn:aws:sts::${account}:assumed-role/${role}/session`,
  accountId: account,
  sessionContext: {
    sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: role },
  },
});

/** The roles a stack named LayerGuard creates in 111122223333, eu-west-1 (infra/constructs/functions.ts). */
const OWN_ROLES = ['security-group', 'route-table', 'runbook'].map((fn) => `LayerGuard-${fn}-eu-west-1`);
const OWN_ARNS = OWN_ROLES.map((role) => `arn:aws:iam::111122223333:role/${role}`);
const POLICY = parsePolicy({ ownRoleArns: OWN_ARNS });
const OWN_FILTER = {
  $or: [
    { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } },
    { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': OWN_ARNS }] } } },
  ],
};

const ingress = (cidrs: { v4?: string[]; v6?: string[] }) => ({
  eventName: 'AuthorizeSecurityGroupIngress',
  requestParameters: {
    groupId: 'sg-0123456789abcdef0',
    ipPermissions: {
      items: [
        {
          ipProtocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          ipRanges: cidrs.v4 ? { items: cidrs.v4.map((cidrIp) => ({ cidrIp })) } : {},
          ipv6Ranges: cidrs.v6 ? { items: cidrs.v6.map((cidrIpv6) => ({ cidrIpv6 })) } : {},
        },
      ],
    },
  },
});

const modify = (rule: Record<string, unknown>) => ({
  eventName: 'ModifySecurityGroupRules',
  requestParameters: {
    ModifySecurityGroupRulesRequest: {
      GroupId: 'sg-0123456789abcdef0',
      SecurityGroupRule: { SecurityGroupRuleId: 'sgr-1', SecurityGroupRule: rule },
    },
  },
});

const route = (eventName: string, target: Record<string, string>) => ({
  eventName,
  requestParameters: { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0', ...target },
});

const rules = buildRulePatterns(POLICY, { gameday: false });
const sg = ruleOf(rules, 'security-group');
const rt = ruleOf(rules, 'route-table');

describe('buildRulePatterns', () => {
  it('builds one rule per kind of drift; the network-ACL rule invokes the route-table function, the prefix-list rule the security-group function', () => {
    expect(rules.map((r) => [r.name, r.handler])).toEqual([
      ['security-group', 'security-group'],
      ['route-table', 'route-table'],
      ['network-acl', 'route-table'],
      ['prefix-list', 'security-group'],
    ]);
    // At the default quota (2048) the response's rule set does not fit beside the request forms.
    expect(rules.map((r) => r.notes.length)).toEqual([1, 1, 1, 1]);
    expect(rt.notes[0]).toMatch(/the handler keeps only default routes/);
    expect(sg.notes[0]).toMatch(/only the request is matched/);
  });

  it('writes the security-group pattern out in full', () => {
    // EventBridge's suffix matching ("Content filtering in Amazon EventBridge event patterns"): a CIDR
    // ending /0 ... /7 is broader than the default IPv4 bound of 8, /0 ... /15 than the IPv6 bound of 16.
    const suffixes = (n: number) => Array.from({ length: n }, (_, i) => ({ suffix: `/${i}` }));
    const v4 = suffixes(8);
    const v6 = suffixes(16);
    expect(v4[7]).toEqual({ suffix: '/7' });
    const request = [
      {
        ipPermissions: {
          items: {
            $or: [
              { ipRanges: { items: { cidrIp: v4 } } },
              { ipv6Ranges: { items: { cidrIpv6: v6 } } },
              // A managed prefix list, whatever it holds: the handler judges it by its entries.
              { prefixListIds: { items: { prefixListId: [{ exists: true }] } } },
            ],
          },
        },
      },
      { cidrIp: v4 },
      {
        ModifySecurityGroupRulesRequest: {
          SecurityGroupRule: { SecurityGroupRule: { $or: [{ CidrIpv4: v4 }, { CidrIpv6: v6 }, { PrefixListId: [{ exists: true }] }] } },
        },
      },
    ];
    expect(sg.pattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ec2.amazonaws.com'],
        eventName: ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'],
        errorCode: [{ exists: false }],
        userIdentity: OWN_FILTER,
        requestParameters: { $or: request },
      },
    });
    // With the quota raised to 4096, the response's rule set is matched too.
    const [raised] = buildRulePatterns(DEFAULT_POLICY, { gameday: true, maxPatternSize: 4096 });
    expect(raised?.notes).toEqual([]);
    expect(detailOf(raised).$or).toEqual([
      { requestParameters: { $or: request } },
      { responseElements: { securityGroupRuleSet: { items: { $or: [{ cidrIpv4: v4 }, { cidrIpv6: v6 }, { prefixListId: [{ exists: true }] }] } } } },
    ]);
    expect(v4.map((s) => s.suffix)).toEqual(['/0', '/1', '/2', '/3', '/4', '/5', '/6', '/7']);
    expect(v6).toHaveLength(16);
  });

  it('writes the route-table pattern out in full', () => {
    expect(rt.pattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ec2.amazonaws.com'],
        errorCode: [{ exists: false }],
        userIdentity: OWN_FILTER,
        $or: [
          {
            eventName: ['CreateRoute', 'ReplaceRoute'],
            // By id prefix in every target field, as routeTargetOf classifies a target.
            requestParameters: {
              $or: [
                'gatewayId',
                'natGatewayId',
                'egressOnlyInternetGatewayId',
                'transitGatewayId',
                'vpcPeeringConnectionId',
                'carrierGatewayId',
                'instanceId',
                'networkInterfaceId',
                'vpcEndpointId',
                'localGatewayId',
                // SEC05-BP01's internet paths: internet, egress-only internet, NAT and carrier gateways.
              ].map((field) => ({ [field]: [{ prefix: 'igw-' }, { prefix: 'eigw-' }, { prefix: 'nat-' }, { prefix: 'cagw-' }] })),
            },
          },
          {
            // Opaque targets (the handler keeps only default routes to them).
            eventName: ['CreateRoute', 'ReplaceRoute'],
            requestParameters: {
              $or: [
                { networkInterfaceId: [{ exists: true }] },
                { instanceId: [{ exists: true }] },
                { vpcEndpointId: [{ exists: true }] },
              ],
            },
          },
          { eventName: ['AssociateRouteTable'], requestParameters: { subnetId: [{ exists: true }] } },
          { eventName: ['ReplaceRouteTableAssociation', 'DisassociateRouteTable'] },
        ],
      },
    });
  });

  it('stays within the default EventBridge pattern size quota (2048)', () => {
    for (const gameday of [false, true]) {
      for (const r of buildRulePatterns(DEFAULT_POLICY, { gameday })) {
        expect(JSON.stringify(r.pattern).length).toBeLessThanOrEqual(DEFAULT_MAX_PATTERN_SIZE);
      }
    }
  });

  it('adds the game-day source only when game days are on', () => {
    const on = buildRulePatterns(DEFAULT_POLICY, { gameday: true });
    expect(on.map((r) => r.pattern.source)).toEqual([
      ['aws.ec2', 'layerguard.gameday'],
      ['aws.ec2', 'layerguard.gameday'],
      ['aws.ec2', 'layerguard.gameday'],
      ['aws.ec2', 'layerguard.gameday'],
    ]);
    const gameEvent = event(ingress({ v4: ['0.0.0.0/0'] }), 'layerguard.gameday');
    expect(matchingRules(on, gameEvent)).toEqual(['security-group']);
    expect(matchingRules(rules, gameEvent)).toEqual([]);
  });

  it('filters on the policy scope', () => {
    const scoped = buildRulePatterns(
      parsePolicy({ scope: { accounts: ['111122223333'], regions: ['eu-west-1'] } }),
      { gameday: false },
    );
    expect(scoped[0]?.pattern.account).toEqual(['111122223333']);
    expect(scoped[0]?.pattern.region).toEqual(['eu-west-1']);
    expect(matchingRules(scoped, event(ingress({ v4: ['0.0.0.0/0'] })))).toEqual(['security-group']);
    expect(matchingRules(scoped, { ...event(ingress({ v4: ['0.0.0.0/0'] })), region: 'us-east-1' })).toEqual(
      [],
    );
  });

  it('follows the prefix bounds of the policy', () => {
    const strict = buildRulePatterns(parsePolicy({ worldOpen: { ipv4MinPrefix: 16, ipv6MinPrefix: 32 } }), {
      gameday: false,
    });
    expect(matchingRules(strict, event(ingress({ v4: ['10.0.0.0/12'] })))).toEqual(['security-group']);
    expect(matchingRules(rules, event(ingress({ v4: ['10.0.0.0/12'] })))).toEqual([]);
  });

  it('drops the CIDR filter, and says so, when the pattern would exceed the size quota', () => {
    const wide = parsePolicy({ worldOpen: { ipv4MinPrefix: 32, ipv6MinPrefix: 128 } });
    const [big] = buildRulePatterns(wide, { gameday: false });
    expect(JSON.stringify(big?.pattern).length).toBeLessThanOrEqual(DEFAULT_MAX_PATTERN_SIZE);
    expect(detailOf(big).$or).toBeUndefined();
    expect(detailOf(big).requestParameters).toBeUndefined();
    expect(big?.notes.join()).toMatch(/limit 2048/);
    expect(matchingRules([big as RuleSpec], event(ingress({ v4: ['10.0.0.0/24'] })))).toEqual([
      'security-group',
    ]);
    const [raised] = buildRulePatterns(parsePolicy({ worldOpen: { ipv4MinPrefix: 32, ipv6MinPrefix: 40 } }), {
      gameday: false,
      maxPatternSize: 4096,
    });
    expect(detailOf(raised).requestParameters).toBeDefined();
  });

  it('keeps every call when the policy names no own role (the CLI, with the caller\'s credentials)', () => {
    const none = buildRulePatterns(DEFAULT_POLICY, { gameday: false });
    expect(detailOf(none[0]).userIdentity).toBeUndefined();
    const detail = { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: assumed(OWN_ROLES[0] as string) };
    expect(matchingRules(none, event(detail))).toEqual(['security-group']);
  });

  it('stays within the size quota with the own roles of a long stack name in a long region', () => {
    const long = ['security-group', 'route-table', 'runbook'].map(
      (fn) => `arn:aws-us-gov:iam::111122223333:role/${'L'.repeat(32)}-${fn}-ap-southeast-7`,
    );
    for (const r of buildRulePatterns(parsePolicy({ ownRoleArns: long }), { gameday: true })) {
      expect(JSON.stringify(r.pattern).length).toBeLessThanOrEqual(DEFAULT_MAX_PATTERN_SIZE);
      // The filter is kept: the request's CIDRs (security groups), the targets (route tables); the
      // prefix-list rule has none to keep (its tests below).
      if (r.name !== 'prefix-list') expect(detailOf(r).$or ?? detailOf(r).requestParameters).toBeDefined();
      expect(r.notes.join()).not.toMatch(/every (ingress|route) change goes to the handler/);
    }
  });

  it('builds a branch per forbidden route target', () => {
    const all = parsePolicy({
      isolated: {
        forbiddenTargets: [
          'internet-gateway',
          'nat-gateway',
          'egress-only-internet-gateway',
          'transit-gateway',
          'vpc-peering-connection',
          'carrier-gateway',
        ],
      },
    });
    const [, routes] = buildRulePatterns(all, { gameday: false });
    const targets: Array<Record<string, string>> = [
      { gatewayId: 'igw-1' },
      { natGatewayId: 'nat-1' },
      { egressOnlyInternetGatewayId: 'eigw-1' },
      { carrierGatewayId: 'cagw-1' },
      { transitGatewayId: 'tgw-1' },
      { vpcPeeringConnectionId: 'pcx-1' },
    ];
    for (const target of targets) {
      expect(matchingRules([routes as RuleSpec], event(route('CreateRoute', target)))).toEqual([
        'route-table',
      ]);
    }
    expect(matchingRules([routes as RuleSpec], event(route('CreateRoute', { gatewayId: 'vgw-1' })))).toEqual(
      [],
    );
  });

  it('no branch for opaque default routes when the policy allows them', () => {
    const [, allow] = buildRulePatterns(parsePolicy({ isolated: { unknownDefaultRoute: 'allow' } }), { gameday: false });
    expect(matchingRules([allow as RuleSpec], event(route('CreateRoute', { networkInterfaceId: 'eni-1' })))).toEqual([]);
  });
});

describe('the security-group pattern', () => {
  const own = assumed('LayerGuard-security-group-eu-west-1');
  it.each([
    ['0.0.0.0/0 ingress', ingress({ v4: ['0.0.0.0/0'] }), true],
    ['half the internet (0.0.0.0/1)', ingress({ v4: ['0.0.0.0/1'] }), true],
    ['a /7', ingress({ v4: ['10.0.0.0/7'] }), true],
    ['a /8 (the bound itself is allowed)', ingress({ v4: ['10.0.0.0/8'] }), false],
    ['a /31 (suffix /1 must not match it)', ingress({ v4: ['10.0.0.0/31'] }), false],
    ['a narrow /24', ingress({ v4: ['10.0.11.0/24'] }), false],
    ['one world-open range among narrow ones', ingress({ v4: ['10.0.0.0/24', '0.0.0.0/0'] }), true],
    ['::/0 ingress', ingress({ v6: ['::/0'] }), true],
    ['an IPv6 /15', ingress({ v6: ['2000::/15'] }), true],
    ['an IPv6 /16', ingress({ v6: ['2001::/16'] }), false],
    ['an IPv6 /64', ingress({ v6: ['2001:db8::/64'] }), false],
    ['ModifySecurityGroupRules to 0.0.0.0/0', modify({ IpProtocol: 'tcp', CidrIpv4: '0.0.0.0/0' }), true],
    ['ModifySecurityGroupRules to ::/0', modify({ IpProtocol: 'tcp', CidrIpv6: '::/0' }), true],
    ['ModifySecurityGroupRules to a /24', modify({ IpProtocol: 'tcp', CidrIpv4: '10.0.12.0/24' }), false],
    [
      'a failed call',
      { ...ingress({ v4: ['0.0.0.0/0'] }), errorCode: 'Client.UnauthorizedOperation' },
      false,
    ],
    ["LayerGuard's own call", { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: own }, false],
    ["another of LayerGuard's roles", { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: assumed('LayerGuard-runbook-eu-west-1') }, false],
    [
      'a role named like LayerGuard (layerguard-ci-deployer)',
      { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: assumed('layerguard-ci-deployer') },
      true,
    ],
    [
      "LayerGuard's role name in another account",
      { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: assumed('LayerGuard-security-group-eu-west-1', '444455556666') },
      true,
    ],
    [
      'an assumed role whose record names no issuer',
      { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/x/s' } },
      true,
    ],
    ['a call with no userIdentity', { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: undefined }, true],
    ["another role's call", { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: assumed('admin') }, true],
    ['a root call', { ...ingress({ v4: ['0.0.0.0/0'] }), userIdentity: { type: 'Root' } }, true],
    ['egress', { ...ingress({ v4: ['0.0.0.0/0'] }), eventName: 'AuthorizeSecurityGroupEgress' }, false],
  ] as const)('%s -> %s', (_name, detail, expected) => {
    expect(matchesPattern(sg.pattern, event(detail))).toBe(expected);
    expect(matchesPattern(rt.pattern, event(detail))).toBe(false);
  });
});

describe('the route-table pattern', () => {
  it.each([
    ['CreateRoute to an internet gateway', route('CreateRoute', { gatewayId: 'igw-0abc' }), true],
    ['ReplaceRoute to an internet gateway', route('ReplaceRoute', { gatewayId: 'igw-0abc' }), true],
    ['CreateRoute to a virtual private gateway', route('CreateRoute', { gatewayId: 'vgw-0abc' }), false],
    // SEC05-BP01 ("no routes to or from the internet"): every internet path is forbidden by default.
    ['CreateRoute to a NAT gateway', route('CreateRoute', { natGatewayId: 'nat-1' }), true],
    ['CreateRoute to an egress-only internet gateway', route('CreateRoute', { egressOnlyInternetGatewayId: 'eigw-1' }), true],
    ['CreateRoute to a carrier gateway', route('CreateRoute', { carrierGatewayId: 'cagw-1' }), true],
    ['CreateRoute to a transit gateway (allowed by default)', route('CreateRoute', { transitGatewayId: 'tgw-1' }), false],
    // A default route to a target whose kind its id cannot tell: the handler alerts on it.
    ['a default route to a network interface', route('CreateRoute', { networkInterfaceId: 'eni-1' }), true],
    ['a default route to an instance', route('CreateRoute', { instanceId: 'i-1' }), true],
    ['a default route to a Gateway Load Balancer endpoint', route('CreateRoute', { vpcEndpointId: 'vpce-1' }), true],
    [
      'an IPv6 default route to a network interface',
      { eventName: 'CreateRoute', requestParameters: { routeTableId: 'rtb-1', destinationIpv6CidrBlock: '::/0', networkInterfaceId: 'eni-1' } },
      true,
    ],
    [
      'a /0 with host bits to a network interface (EC2 stores it as 0.0.0.0/0)',
      { eventName: 'CreateRoute', requestParameters: { routeTableId: 'rtb-1', destinationCidrBlock: '10.9.9.9/0', networkInterfaceId: 'eni-1' } },
      true,
    ],
    [
      // Matched (the size quota leaves no room for the destination); the handler ignores it from the request alone.
      'a narrower route to a network interface',
      { eventName: 'CreateRoute', requestParameters: { routeTableId: 'rtb-1', destinationCidrBlock: '10.1.0.0/16', networkInterfaceId: 'eni-1' } },
      true,
    ],
    ['DeleteRoute', route('DeleteRoute', { gatewayId: 'igw-0abc' }), false],
    [
      'AssociateRouteTable with a subnet',
      {
        eventName: 'AssociateRouteTable',
        requestParameters: { routeTableId: 'rtb-1', subnetId: 'subnet-1' },
      },
      true,
    ],
    [
      'AssociateRouteTable with a gateway (edge association)',
      { eventName: 'AssociateRouteTable', requestParameters: { routeTableId: 'rtb-1', gatewayId: 'igw-1' } },
      false,
    ],
    [
      'ReplaceRouteTableAssociation',
      {
        eventName: 'ReplaceRouteTableAssociation',
        requestParameters: { associationId: 'rtbassoc-1', routeTableId: 'rtb-1' },
      },
      true,
    ],
    [
      'a failed call',
      { ...route('CreateRoute', { gatewayId: 'igw-1' }), errorCode: 'InvalidRouteTableID.NotFound' },
      false,
    ],
    [
      "LayerGuard's own call",
      { ...route('ReplaceRoute', { gatewayId: 'igw-1' }), userIdentity: assumed('LayerGuard-route-table-eu-west-1') },
      false,
    ],
    [
      'a role named like LayerGuard (layerguard-ci-deployer)',
      { ...route('ReplaceRoute', { gatewayId: 'igw-1' }), userIdentity: assumed('layerguard-ci-deployer') },
      true,
    ],
    [
      "LayerGuard's role name in another account",
      {
        ...route('ReplaceRoute', { gatewayId: 'igw-1' }),
        userIdentity: assumed('LayerGuard-route-table-eu-west-1', '444455556666'),
      },
      true,
    ],
  ] as const)('%s -> %s', (_name, detail, expected) => {
    expect(matchesPattern(rt.pattern, event(detail))).toBe(expected);
    expect(matchesPattern(sg.pattern, event(detail))).toBe(false);
  });
});

describe('the network-ACL rule', () => {
  const nacl = ruleOf(rules, 'network-acl');
  const entry = (over: Record<string, unknown>, eventName = 'CreateNetworkAclEntry') => ({
    eventName,
    // As CloudTrail records the request (panther-labs/pypanther aws_network_acl_permissive_entry.py).
    requestParameters: { networkAclId: 'acl-1', ruleNumber: 90, egress: false, ruleAction: 'allow', icmpTypeCode: {}, portRange: {}, aclProtocol: '-1', ...over },
  });
  const matches = (detail: Record<string, unknown>) => matchesPattern(nacl.pattern, event(detail));

  it.each<[string, Record<string, unknown>, boolean]>([
    ['allow from 0.0.0.0/0', entry({ cidrBlock: '0.0.0.0/0' }), true],
    ['allow from 0.0.0.0/7 (broader than the /8 bound)', entry({ cidrBlock: '0.0.0.0/7' }), true],
    ['allow from 10.0.0.0/8 (the bound)', entry({ cidrBlock: '10.0.0.0/8' }), false],
    ['allow from ::/0', entry({ ipv6CidrBlock: '::/0' }), true],
    ['allow from 2001:db8::/15', entry({ ipv6CidrBlock: '2001:db8::/15' }), true],
    ['allow from 2001:db8::/32', entry({ ipv6CidrBlock: '2001:db8::/32' }), false],
    ['deny from 0.0.0.0/0', entry({ cidrBlock: '0.0.0.0/0', ruleAction: 'deny' }), false],
    ['ReplaceNetworkAclEntry allow from 0.0.0.0/0', entry({ cidrBlock: '0.0.0.0/0' }, 'ReplaceNetworkAclEntry'), true],
    // The direction is the handler's to judge (see the rule's notes).
    ['egress allow to 0.0.0.0/0', entry({ cidrBlock: '0.0.0.0/0', egress: true }), true],
    ['any ReplaceNetworkAclAssociation', { eventName: 'ReplaceNetworkAclAssociation', requestParameters: { associationId: 'aclassoc-1', networkAclId: 'acl-1' } }, true],
    ['a failed call', { ...entry({ cidrBlock: '0.0.0.0/0' }), errorCode: 'Client.UnauthorizedOperation' }, false],
    ['a network ACL created (not watched)', { eventName: 'CreateNetworkAcl', requestParameters: { vpcId: 'vpc-1' } }, false],
  ])('%s: %s', (_name, detail, expected) => expect(matches(detail)).toBe(expected));

  it('matches no other rule, and no other rule matches an ACL event', () => {
    const detail = entry({ cidrBlock: '0.0.0.0/0' });
    expect(matchingRules(rules, event(detail))).toEqual(['network-acl']);
  });

  it('fits the default size quota', () => {
    expect(sizeOf(nacl)).toBeLessThanOrEqual(2048);
    expect(nacl.notes).toEqual(['the direction of an entry (egress) is judged by the handler: egress entries match too']);
  });

  it('over the quota, every entry change goes to the handler', () => {
    const tight = ruleOf(buildRulePatterns(POLICY, { gameday: false, maxPatternSize: 300 }), 'network-acl');
    expect(matchesPattern(tight.pattern, event(entry({ cidrBlock: '10.0.0.0/24' })))).toBe(true);
    expect(tight.notes[1]).toMatch(/every entry change goes to the handler/);
  });

  it('over the quota, still matches only the successful ACL calls of others, by their names', () => {
    const tight = ruleOf(buildRulePatterns(POLICY, { gameday: false, maxPatternSize: 300 }), 'network-acl');
    expect(tight.pattern).toEqual({
      source: ['aws.ec2'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['ec2.amazonaws.com'],
        errorCode: [{ exists: false }],
        userIdentity: OWN_FILTER,
        eventName: ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'ReplaceNetworkAclAssociation'],
      },
    });
    const tightMatches = (detail: Record<string, unknown>, source?: string) => matchesPattern(tight.pattern, event(detail, source));
    expect(tightMatches({ eventName: 'ReplaceNetworkAclAssociation', requestParameters: { associationId: 'aclassoc-1', networkAclId: 'acl-1' } })).toBe(true);
    expect(tightMatches(entry({ cidrBlock: '10.0.0.0/24', ruleAction: 'deny' }))).toBe(true);
    expect(tightMatches({ eventName: 'CreateNetworkAcl', requestParameters: { vpcId: 'vpc-1' } })).toBe(false);
    expect(tightMatches({ ...entry({ cidrBlock: '0.0.0.0/0' }), errorCode: 'Client.UnauthorizedOperation' })).toBe(false);
    expect(tightMatches({ ...entry({ cidrBlock: '0.0.0.0/0' }), userIdentity: assumed('LayerGuard-route-table-eu-west-1') })).toBe(false);
    expect(tightMatches(entry({ cidrBlock: '0.0.0.0/0' }), 'aws.s3')).toBe(false);
  });

  it('keeps the CIDR filter when the pattern is exactly the quota (EventBridge allows a pattern of the quota)', () => {
    const full = sizeOf(nacl);
    const at = ruleOf(buildRulePatterns(POLICY, { gameday: false, maxPatternSize: full }), 'network-acl');
    expect(at.pattern).toEqual(nacl.pattern);
    expect(at.notes).toHaveLength(1);
    const below = ruleOf(buildRulePatterns(POLICY, { gameday: false, maxPatternSize: full - 1 }), 'network-acl');
    expect(below.notes[1]).toBe(
      `the CIDR filter would make the pattern ${full} characters (limit ${full - 1}); every entry change goes to the handler`,
    );
  });
});

describe('the prefix-list rule', () => {
  const pl = ruleOf(rules, 'prefix-list');
  // As CloudTrail records ModifyManagedPrefixList (change.ts: the published KodeKloud record): wrapped, the
  // query API's AddEntry, one item an object and several an array, `cidr` there and `Cidr` as the API names it.
  const modify = (addEntry: unknown, extra: Record<string, unknown> = {}) => ({
    eventName: 'ModifyManagedPrefixList',
    requestParameters: { ModifyManagedPrefixListRequest: { PrefixListId: 'pl-0a1b2c3d4e5f6a001', CurrentVersion: '1', AddEntry: addEntry } },
    ...extra,
  });
  const matches = (detail: Record<string, unknown>) => matchesPattern(pl.pattern, event(detail));

  // A CIDR filter needs both `cidr` and `Cidr` under `$or`, and Event Ruler refuses a field named `cidr`
  // inside `$or` (event-pattern.ts): every successful call by anyone else goes to the handler.
  it.each<[string, Record<string, unknown>, boolean]>([
    ['0.0.0.0/0 (cidr, one object)', modify({ cidr: '0.0.0.0/0', tag: '1' }), true],
    ['0.0.0.0/0 (Cidr)', modify({ Cidr: '0.0.0.0/0', tag: '1' }), true],
    ['a /7 among narrow entries (an array)', modify([{ cidr: '10.1.0.0/24', tag: '1' }, { cidr: '0.0.0.0/7', tag: '2' }]), true],
    ['a /24 (the handler drops it with no call)', modify({ cidr: '203.0.113.0/24', tag: '1' }), true],
    ['entries only removed (the handler drops it)', { eventName: 'ModifyManagedPrefixList', requestParameters: { ModifyManagedPrefixListRequest: { PrefixListId: 'pl-1', RemoveEntry: { cidr: '0.0.0.0/0', tag: '1' } } } }, true],
    ['another role', modify({ cidr: '0.0.0.0/0', tag: '1' }, { userIdentity: assumed('admin') }), true],
    ['the lower-camel form', { eventName: 'ModifyManagedPrefixList', requestParameters: { prefixListId: 'pl-1', addEntry: { items: [{ cidr: '10.0.0.0/24' }] } } }, true],
    ['a failed call', modify({ cidr: '0.0.0.0/0', tag: '1' }, { errorCode: 'Client.InvalidParameterValue' }), false],
    ['a prefix list created (not watched)', { eventName: 'CreateManagedPrefixList', requestParameters: { CreateManagedPrefixListRequest: { Entry: { cidr: '0.0.0.0/0' } } } }, false],
    ["LayerGuard's own removal", modify({ cidr: '0.0.0.0/0', tag: '1' }, { userIdentity: assumed('LayerGuard-security-group-eu-west-1') }), false],
  ])('%s', (_name, detail, expected) => expect(matches(detail)).toBe(expected));

  it('matches no other rule, and no other rule matches a prefix-list event', () => {
    expect(matchingRules(rules, event(modify({ cidr: '0.0.0.0/0', tag: '1' })))).toEqual(['prefix-list']);
  });

  it('names no request field, so no field named cidr can reach $or; says why in its notes', () => {
    expect(detailOf(pl).requestParameters).toBeUndefined();
    expect(JSON.stringify(pl.pattern)).not.toMatch(/"cidr"/i);
    expect(pl.notes).toEqual([
      'every ModifyManagedPrefixList goes to the handler: a CIDR filter would need a field named `cidr` inside `$or`, which EventBridge refuses',
    ]);
  });
});

describe('policy inputs', () => {
  it('accepts any valid policy', () => {
    const input: PolicyInput = { mode: 'dry-run' };
    expect(buildRulePatterns(parsePolicy(input), { gameday: false })).toHaveLength(4);
  });
});

const sizeOf = (rule: RuleSpec | undefined): number => JSON.stringify(rule?.pattern).length;

describe('the pattern size quota', () => {
  // EventBridge quota "Event pattern size": 2048 characters by default, a pattern of exactly the quota is allowed.
  it('keeps the fullest pattern whose size equals the quota', () => {
    const [fullSg, fullRt] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: 100_000 });
    const [sgAtFull, rtAtFull] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: sizeOf(fullSg) });
    expect(sgAtFull?.pattern).toEqual(fullSg?.pattern);
    expect(sgAtFull?.notes).toEqual([]);
    const [requestOnly] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: sizeOf(fullSg) - 1 });
    expect(detailOf(requestOnly).$or).toBeUndefined();
    expect(detailOf(requestOnly).requestParameters).toBeDefined();
    expect(requestOnly?.notes).toEqual([
      `matching the response's rule set too would make the pattern ${sizeOf(fullSg)} characters (limit ${sizeOf(fullSg) - 1}); ` +
        'only the request is matched (every request form the SDK defines)',
    ]);
    const [atRequest] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: sizeOf(requestOnly) });
    expect(atRequest?.pattern).toEqual(requestOnly?.pattern);
    const [bare] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: sizeOf(requestOnly) - 1 });
    expect(detailOf(bare).requestParameters).toBeUndefined();
    expect(bare?.notes).toEqual([
      `the CIDR filter would make the pattern ${sizeOf(requestOnly)} characters (limit ${sizeOf(requestOnly) - 1}); ` +
        'every ingress change goes to the handler, which evaluates the CIDRs',
    ]);
    expect(rtAtFull?.pattern).toEqual(fullRt?.pattern);
    const [, rtAtQuota] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: sizeOf(fullRt) });
    expect(rtAtQuota?.pattern).toEqual(fullRt?.pattern);
    expect(rtAtQuota?.notes).toHaveLength(1);
  });

  it('over the quota, sends every CreateRoute and ReplaceRoute to the handler, and says so', () => {
    const [, fullRt] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: 100_000 });
    const limit = sizeOf(fullRt) - 1;
    const [, over] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, maxPatternSize: limit });
    expect(detailOf(over).$or).toEqual([
      { eventName: ['CreateRoute', 'ReplaceRoute'] },
      {
        eventName: ['CreateRoute', 'ReplaceRoute'],
        requestParameters: {
          $or: [{ networkInterfaceId: [{ exists: true }] }, { instanceId: [{ exists: true }] }, { vpcEndpointId: [{ exists: true }] }],
        },
      },
      { eventName: ['AssociateRouteTable'], requestParameters: { subnetId: [{ exists: true }] } },
      { eventName: ['ReplaceRouteTableAssociation', 'DisassociateRouteTable'] },
    ]);
    expect(over?.notes).toEqual([
      'routes to a network interface, instance or endpoint match whatever their destination: the handler keeps only default routes',
      `the target filter would make the pattern ${sizeOf(fullRt)} characters (limit ${limit}); ` +
        'every route change goes to the handler, which classifies the target',
    ]);
    const vgw = event(route('CreateRoute', { gatewayId: 'vgw-1' }));
    expect(matchingRules([over as RuleSpec], vgw)).toEqual(['route-table']);
    expect(matchingRules([fullRt as RuleSpec], vgw)).toEqual([]);
    const [, allowOver] = buildRulePatterns(parsePolicy({ isolated: { unknownDefaultRoute: 'allow' } }), {
      gameday: false,
      maxPatternSize: 200,
    });
    expect(allowOver?.notes).toHaveLength(1);
    expect(allowOver?.notes[0]).toMatch(/every route change goes to the handler/);
  });

  it('notes nothing for the route-table rule when opaque default routes are allowed and the pattern fits', () => {
    const [, allow] = buildRulePatterns(parsePolicy({ isolated: { unknownDefaultRoute: 'allow' } }), { gameday: false });
    expect(allow?.notes).toEqual([]);
  });
});

describe('rule descriptions', () => {
  it('say what each rule matches, with the policy bounds and forbidden targets', () => {
    const policy = parsePolicy({
      worldOpen: { ipv4MinPrefix: 12, ipv6MinPrefix: 40 },
      isolated: { forbiddenTargets: ['internet-gateway', 'nat-gateway'] },
    });
    expect(buildRulePatterns(policy, { gameday: false }).map((r) => r.description)).toEqual([
      'LayerGuard: ingress opened to a CIDR broader than /12 (IPv4) or /40 (IPv6), or to a managed prefix list, by anyone but LayerGuard',
      'LayerGuard: routes to internet-gateway, nat-gateway and route-table association changes (and removals), by anyone but LayerGuard',
      'LayerGuard: network ACL entries that allow a CIDR broader than /12 (IPv4) or /40 (IPv6), and subnets moved between network ACLs, by anyone but LayerGuard',
      'LayerGuard: managed prefix lists modified, by anyone but LayerGuard',
    ]);
  });
});

describe('the own-role exclusion with an organisation member role', () => {
  // CloudTrail userIdentity of an AssumedRole caller: arn is the session ARN
  // arn:<partition>:sts::<account>:assumed-role/<role>/<session>, sessionContext.sessionIssuer.arn the role's ARN
  // ("CloudTrail userIdentity element", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
  const member = { name: 'LayerGuardMember', partition: 'aws' };
  const noIssuer = { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } };
  const notMemberSession = {
    $or: [
      { arn: [{ 'anything-but': { wildcard: 'arn:aws:sts::*:assumed-role/LayerGuardMember/*' } }] },
      { arn: [{ exists: false }] },
    ],
  };

  it('writes the exclusion out in full', () => {
    const [withArns] = buildRulePatterns(POLICY, { gameday: false, memberRole: member });
    expect(detailOf(withArns).userIdentity).toEqual({
      $or: [noIssuer, { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': OWN_ARNS }] } }, ...notMemberSession }],
    });
    const [memberOnly] = buildRulePatterns(DEFAULT_POLICY, { gameday: false, memberRole: member });
    expect(detailOf(memberOnly).userIdentity).toEqual({
      $or: [noIssuer, { sessionContext: { sessionIssuer: { arn: [{ exists: true }] } }, ...notMemberSession }],
    });
  });

  // The sample world-open SSH ingress, made by different callers.
  const sample = loadEvent<{ detail: Record<string, unknown> }>('AuthorizeSecurityGroupIngress/world-open-ssh.json');
  const by = (userIdentity: unknown) => ({ ...sample, detail: { ...sample.detail, userIdentity } });
  it.each([
    ['the member role in another account', assumed('LayerGuardMember', '444455556666'), false],
    ['the member role in the management account', assumed('LayerGuardMember'), false],
    ['another role', assumed('admin', '444455556666'), true],
    ['an IAM user', { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/alice' }, true],
    [
      'a session whose record has an issuer but no session ARN',
      { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::444455556666:role/admin' } } },
      true,
    ],
  ] as const)('%s -> %s', (_name, userIdentity, expected) => {
    for (const policy of [POLICY, DEFAULT_POLICY]) {
      const [rule] = buildRulePatterns(policy, { gameday: false, memberRole: member });
      expect(matchesPattern(rule?.pattern, by(userIdentity))).toBe(expected);
    }
  });

  it('keeps a role of the same name in another partition', () => {
    const [rule] = buildRulePatterns(POLICY, { gameday: false, memberRole: { name: 'LayerGuardMember', partition: 'aws-cn' } });
    expect(matchesPattern(rule?.pattern, by(assumed('LayerGuardMember', '444455556666')))).toBe(true);
  });
});

describe('the security-group pattern with tiers judged (the default policy)', () => {
  // Tier-to-tier reachability: any CIDR may name another tier's subnets and any group may be
  // another tier's, which only the handler can read (the VPC's subnets, the group's tags).
  const tiered = buildRulePatterns(parseTiered({ ownRoleArns: OWN_ARNS }), { gameday: false });
  const sg = ruleOf(tiered, 'security-group');
  const matches = (detail: Record<string, unknown>) => matchesPattern(sg.pattern, event(detail));
  const pair = (group: Record<string, unknown>) => ({
    eventName: 'AuthorizeSecurityGroupIngress',
    requestParameters: { groupId: 'sg-0123456789abcdef0', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 3306, toPort: 3306, groups: { items: [group] }, ipRanges: {}, ipv6Ranges: {} }] } },
  });

  it.each<[string, Record<string, unknown>, boolean]>([
    ['a narrow IPv4 CIDR (a web subnet?)', ingress({ v4: ['10.0.1.0/24'] }), true],
    ['a public IPv4 CIDR (the handler drops it with no call)', ingress({ v4: ['203.0.113.0/24'] }), true],
    ['the internet', ingress({ v4: ['0.0.0.0/0'] }), true],
    ['a group by id (the SDK’s UserIdGroupPair.GroupId)', pair({ groupId: 'sg-0a1b2c3d4e5f67001' }), true],
    ['a group by name (default VPC)', pair({ groupName: 'web-tier' }), true],
    ['the flat form, a group by name', { eventName: 'AuthorizeSecurityGroupIngress', requestParameters: { groupId: 'sg-1', ipPermissions: {}, sourceSecurityGroupName: 'web-tier' } }, true],
    ['ModifySecurityGroupRules to a group', modify({ IpProtocol: 'tcp', ReferencedGroupId: 'sg-0a1b2c3d4e5f67001' }), true],
    ['ModifySecurityGroupRules to a narrow CIDR', modify({ IpProtocol: 'tcp', CidrIpv4: '10.0.1.0/24' }), true],
    ['a narrow IPv6 CIDR (a subnet’s IPv6 block?)', ingress({ v6: ['2001:db8::/64'] }), true],
    ['an empty groups object and no range', { eventName: 'AuthorizeSecurityGroupIngress', requestParameters: { groupId: 'sg-1', ipPermissions: { items: [{ ipProtocol: 'tcp', groups: {}, ipRanges: {}, ipv6Ranges: {} }] } } }, false],
  ])('%s', (_name, detail, expected) => expect(matches(detail)).toBe(expected));

  it('matches the rule EC2 created with a referenced group, whatever the request form (response)', () => {
    const full = ruleOf(buildRulePatterns(parseTiered({ ownRoleArns: OWN_ARNS }), { gameday: false, maxPatternSize: 4096 }), 'security-group');
    const detail = {
      eventName: 'AuthorizeSecurityGroupIngress',
      requestParameters: { groupId: 'sg-1', ipPermissions: {} },
      responseElements: { securityGroupRuleSet: { items: [{ securityGroupRuleId: 'sgr-1', referencedGroupInfo: { groupId: 'sg-0a1b2c3d4e5f67001' } }] } },
    };
    expect(matchesPattern(full.pattern, event(detail))).toBe(true);
    expect(full.notes).toEqual([]);
  });

  it('fits the default quota whole (request forms and the response), with and without an organisation’s member role', () => {
    for (const options of [{ gameday: false }, { gameday: true, memberRole: { name: 'LayerGuardMember', partition: 'aws' } }]) {
      const r = ruleOf(buildRulePatterns(parseTiered({ ownRoleArns: OWN_ARNS }), options), 'security-group');
      expect(JSON.stringify(r.pattern).length).toBeLessThanOrEqual(DEFAULT_MAX_PATTERN_SIZE);
      expect(detailOf(r).$or).toHaveLength(2);
      expect(r.notes).toEqual([]);
    }
    expect(sg.description).toBe(
      'LayerGuard: ingress opened to any CIDR, a managed prefix list or a security group (tiers are judged), by anyone but LayerGuard',
    );
    expect(TIERED_DEFAULT.tiers.chain.map((t) => t.name)).toEqual(['web', 'application', 'database']);
  });
});
