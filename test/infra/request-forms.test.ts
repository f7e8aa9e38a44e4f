import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Change, toChange } from '../../functions/core/change.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import { FORBIDDEN_TARGET_KINDS, type ForbiddenTargetKind } from '../../functions/core/policy.js';
import { OPAQUE_TARGET_KINDS, TARGET_FIELD_OF, TARGET_ID_FIELDS, TARGET_ID_PREFIXES } from '../../functions/core/route-table.js';
import { tierCandidates, worldOpenCandidates } from '../../functions/core/security-group.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { resolveInPlace, resourcesOf, ruleNameOf, synth } from './support.js';

/*
 * Every request form EC2 accepts for each watched call, recorded as CloudTrail records it (camelCase
 * requestParameters, lists as `{ items: [...] }`, ModifySecurityGroupRules' request as sent), against
 * the patterns AS DEPLOYED (read from the synthesised template, as samples.test.ts does) and through
 * `toChange`. The forms come from the SDK's request types (@aws-sdk/client-ec2
 * dist-types/models/*.d.ts): the first block reads those types and fails if the SDK defines a source
 * or target field that the forms below do not cover.
 */

const MODELS = new URL('../../node_modules/@aws-sdk/client-ec2/dist-types/models/', import.meta.url);

/** The member names of an interface in the SDK's model types. */
function sdkFields(file: string, name: string): string[] {
  const text = readFileSync(new URL(file, MODELS), 'utf8');
  const start = text.indexOf(`export interface ${name} {`);
  if (start < 0) throw new Error(`${name} is not in ${file}`);
  const body = text.slice(start, text.indexOf('\n}', start));
  return [...body.matchAll(/^ {4}([A-Z][A-Za-z0-9]*)\??:/gm)].map((m) => m[1] as string);
}
const camel = (field: string): string => field[0]?.toLowerCase() + field.slice(1);

type RuleName = 'security-group' | 'route-table' | 'network-acl' | 'prefix-list';
const deployedRules = (config: Record<string, unknown>) =>
  Object.entries(resourcesOf(synth(config).template, 'AWS::Events::Rule'))
    .filter(([, rule]) => rule.Properties.EventBusName === undefined)
    .map(([id, rule]) => ({
      name: ruleNameOf(id) as RuleName,
      pattern: resolveInPlace(rule.Properties.EventPattern),
    }));

// The default stack, and one whose policy forbids every target kind (so every kind's forms are matched).
const DEFAULT = deployedRules({});
// A stack that judges no tiers: its security-group rule filters IPv4 CIDRs by the world-open bounds.
const UNTIERED = deployedRules({ policy: { tiers: { chain: [] } } });
// Forbidding every kind takes the route pattern past the default quota of 2,048 characters (with the
// own roles' ARNs), where it would fall back to every route change; such a stack raises the quota
// to 4,096 ("Amazon EventBridge quotas": event pattern size, adjustable).
const EVERY_KIND = deployedRules({
  policy: { isolated: { forbiddenTargets: [...FORBIDDEN_TARGET_KINDS] } },
  eventPatternSizeLimit: 4096,
});
const matched = (rules: typeof DEFAULT, record: Record<string, unknown>): RuleName[] =>
  rules.filter((r) => matchesPattern(r.pattern, delivered(record))).map((r) => r.name);

let counter = 0;
function record(eventName: string, requestParameters: unknown, responseElements: unknown = { _return: true }) {
  counter += 1;
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' },
    eventTime: '2025-03-14T09:12:44Z',
    eventSource: 'ec2.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.24',
    userAgent: 'aws-cli/2.24.21',
    requestParameters,
    responseElements,
    requestID: `req-${counter}`,
    eventID: `form-${counter}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
  };
}
const delivered = (detail: Record<string, unknown>) => ({
  version: '0',
  id: `eb-${String(detail.eventID)}`,
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2025-03-14T09:12:44Z',
  region: 'us-east-1',
  resources: [],
  detail,
});
const changeOf = (r: Record<string, unknown>): Change => toChange(parseTrigger(delivered(r)).record);

const GROUP = 'sg-0a1b2c3d4e5f67002';
const RULE = 'sgr-0a1b2c3d4e5f6e101';

describe('the forms below cover every source and target field of the SDK request types', () => {
  it('AuthorizeSecurityGroupIngressRequest (models_0.d.ts): IpPermissions or the flat form', () => {
    expect(sdkFields('models_0.d.ts', 'AuthorizeSecurityGroupIngressRequest').sort()).toEqual(
      [
        'CidrIp',
        'DryRun',
        'FromPort',
        'GroupId',
        'GroupName',
        'IpPermissions',
        'IpProtocol',
        'SourceSecurityGroupName',
        'SourceSecurityGroupOwnerId',
        'TagSpecifications',
        'ToPort',
      ].sort(),
    );
    expect(sdkFields('models_0.d.ts', 'IpPermission').sort()).toEqual(
      ['FromPort', 'IpProtocol', 'IpRanges', 'Ipv6Ranges', 'PrefixListIds', 'ToPort', 'UserIdGroupPairs'].sort(),
    );
  });

  it('SecurityGroupRuleRequest (models_7.d.ts): one source of four', () => {
    expect(sdkFields('models_7.d.ts', 'SecurityGroupRuleRequest').sort()).toEqual(
      ['CidrIpv4', 'CidrIpv6', 'Description', 'FromPort', 'IpProtocol', 'PrefixListId', 'ReferencedGroupId', 'ToPort'].sort(),
    );
  });

  it.each([
    ['CreateRouteRequest', 'models_2.d.ts'],
    ['ReplaceRouteRequest', 'models_8.d.ts'],
  ])('%s (%s): every target id field is classified by prefix', (name, file) => {
    const fields = sdkFields(file, name);
    const destinations = fields.filter((f) => f.startsWith('Destination'));
    expect(destinations.sort()).toEqual(['DestinationCidrBlock', 'DestinationIpv6CidrBlock', 'DestinationPrefixListId']);
    // ARNs (a core network, an ODB network) and the LocalTarget flag carry no id with a prefix.
    const nonId = ['RouteTableId', 'DryRun', 'LocalTarget', 'CoreNetworkArn', 'OdbNetworkArn'];
    const targets = fields.filter((f) => !f.startsWith('Destination') && !nonId.includes(f)).map(camel);
    expect(targets.sort()).toEqual([...TARGET_ID_FIELDS].sort());
  });

  it('AssociateRouteTableRequest (models_0.d.ts) and ReplaceRouteTableAssociationRequest (models_8.d.ts)', () => {
    expect(sdkFields('models_0.d.ts', 'AssociateRouteTableRequest').sort()).toEqual(
      ['DryRun', 'GatewayId', 'PublicIpv4Pool', 'RouteTableId', 'SubnetId'].sort(),
    );
    expect(sdkFields('models_8.d.ts', 'ReplaceRouteTableAssociationRequest').sort()).toEqual(
      ['AssociationId', 'DryRun', 'RouteTableId'].sort(),
    );
  });
});

describe('AuthorizeSecurityGroupIngress: every form of one world-open rule', () => {
  // tcp/22 from the internet; each CIDR spelling EC2 stores as the canonical one (IpRange.CidrIp, models_0.d.ts).
  const v4 = ['0.0.0.0/0', '10.9.9.9/0', '203.0.113.77/0'];
  const v6 = ['::/0', '2001:DB8::1/0', '0:0:0:0:0:0:0:0/0'];
  const permission = (ranges: Record<string, unknown>) => ({
    ipProtocol: 'tcp',
    fromPort: 22,
    toPort: 22,
    groups: {},
    ipRanges: {},
    ipv6Ranges: {},
    prefixListIds: {},
    ...ranges,
  });
  const ruleSet = (source: Record<string, string>) => ({
    _return: true,
    securityGroupRuleSet: {
      items: [{ groupId: GROUP, securityGroupRuleId: RULE, isEgress: false, ipProtocol: 'tcp', fromPort: 22, toPort: 22, ...source }],
    },
  });
  const by = [{ groupId: GROUP }, { groupName: 'launch-wizard-1' }];
  const forms = [
    ...v4.map((cidr) => ({ name: `IpPermissions.IpRanges ${cidr}`, request: { ipPermissions: { items: [permission({ ipRanges: { items: [{ cidrIp: cidr }] } })] } }, source: { cidrIpv4: '0.0.0.0/0' } })),
    ...v6.map((cidr) => ({ name: `IpPermissions.Ipv6Ranges ${cidr}`, request: { ipPermissions: { items: [permission({ ipv6Ranges: { items: [{ cidrIpv6: cidr }] } })] } }, source: { cidrIpv6: '::/0' } })),
    // The flat form: IPv4 only ("To specify an IPv6 address range, use IP permissions instead").
    ...v4.map((cidr) => ({ name: `flat CidrIp ${cidr}`, request: { ipPermissions: {}, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: cidr }, source: { cidrIpv4: '0.0.0.0/0' } })),
  ];
  const cases = forms.flatMap((f) =>
    by.flatMap((group) => [
      { ...f, group, withRuleSet: true, label: `${f.name}, ${Object.keys(group)[0]}, with rule set` },
      { ...f, group, withRuleSet: false, label: `${f.name}, ${Object.keys(group)[0]}, without rule set` },
    ]),
  );

  it.each(cases)('$label', ({ request, source, group, withRuleSet }) => {
    const r = record(
      'AuthorizeSecurityGroupIngress',
      { ...group, ...request },
      withRuleSet ? ruleSet(source) : { _return: true },
    );
    expect(matched(DEFAULT, r)).toEqual(['security-group']);
    const rule = { protocol: 'tcp', fromPort: 22, toPort: 22, ...source };
    expect(changeOf(r)).toStrictEqual({
      kind: 'sg-ingress',
      eventName: 'AuthorizeSecurityGroupIngress',
      ...(withRuleSet || 'groupId' in group ? { groupId: GROUP } : {}),
      ...('groupName' in group ? { groupName: group.groupName } : {}),
      rules: [withRuleSet ? { ruleId: RULE, ...rule } : rule],
    });
  });

  it('a record whose request form is unknown is still matched by its response rule set (without tiers: the quota raised to 4096; with them, the default, at 2048)', () => {
    const raised = deployedRules({ policy: { tiers: { chain: [] } }, eventPatternSizeLimit: 4096 });
    const r = record('AuthorizeSecurityGroupIngress', { groupId: GROUP, somethingNew: { cidr: '0.0.0.0/0' } }, ruleSet({ cidrIpv4: '0.0.0.0/0' }));
    expect(matched(raised, r)).toEqual(['security-group']);
    expect(matched(UNTIERED, r)).toEqual([]);
    expect(matched(DEFAULT, r)).toEqual(['security-group']);
  });

  it('a managed prefix list, in the request and in the response: the rule fires and the rule is a candidate (the handler reads its entries)', () => {
    const PL = 'pl-0a1b2c3d4e5f6a003';
    const request = { groupId: GROUP, ipPermissions: { items: [permission({ prefixListIds: { items: [{ prefixListId: PL }] } })] } };
    const both = record('AuthorizeSecurityGroupIngress', request, ruleSet({ prefixListId: PL }));
    const requestOnly = record('AuthorizeSecurityGroupIngress', request);
    for (const r of [both, requestOnly]) {
      expect(matched(DEFAULT, r)).toEqual(['security-group']);
      const change = changeOf(r) as Extract<Change, { kind: 'sg-ingress' }>;
      expect(worldOpenCandidates(change.rules, DEFAULT_POLICY).map((c) => c.prefixListId)).toEqual([PL]);
    }
    const modify = record('ModifySecurityGroupRules', {
      ModifySecurityGroupRulesRequest: {
        GroupId: GROUP,
        SecurityGroupRule: { SecurityGroupRuleId: RULE, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListId: PL } },
      },
    });
    expect(matched(DEFAULT, modify)).toEqual(['security-group']);
    expect((changeOf(modify) as Extract<Change, { kind: 'sg-ingress' }>).rules).toStrictEqual([
      { ruleId: RULE, protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: PL },
    ]);
  });

  it.each([
    ['a group pair', { ipPermissions: { items: [permission({ groups: { items: [{ groupId: 'sg-0a1b2c3d4e5f67001' }] } })] } }],
    ['a source group by name (flat)', { ipPermissions: {}, sourceSecurityGroupName: 'web', sourceSecurityGroupOwnerId: '111122223333' }],
    ['a narrow flat CIDR', { ipPermissions: {}, ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: '10.0.11.7/24' }],
  ])('%s: no CIDR broader than the bounds, so no world-open candidate; without tiers no rule fires, with them (the default) the rule fires and a tier candidate is judged', (_name, request) => {
    const r = record('AuthorizeSecurityGroupIngress', { groupId: GROUP, ...request });
    expect(matched(UNTIERED, r)).toEqual([]);
    expect(matched(DEFAULT, r)).toEqual(['security-group']);
    const change = changeOf(r) as Extract<Change, { kind: 'sg-ingress' }>;
    expect(change.rules.length).toBeGreaterThan(0);
    expect(worldOpenCandidates(change.rules, DEFAULT_POLICY)).toEqual([]);
    expect(tierCandidates(change.rules, DEFAULT_POLICY)).toEqual(change.rules);
  });
});

describe('ModifySecurityGroupRules: every form of one rule edited to admit the internet', () => {
  const update = (source: Record<string, string>) => ({
    SecurityGroupRuleId: RULE,
    SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, ...source },
  });
  it.each([
    ['CidrIpv4', { CidrIpv4: '10.9.9.9/0' }, { cidrIpv4: '0.0.0.0/0' }],
    ['CidrIpv6', { CidrIpv6: '2001:DB8::/0' }, { cidrIpv6: '::/0' }],
  ])('%s, one rule (an object) and several (an array)', (_name, source, canonical) => {
    const rule = { ruleId: RULE, protocol: 'tcp', fromPort: 22, toPort: 22, ...canonical };
    for (const SecurityGroupRule of [update(source), [update(source), update(source)]]) {
      const r = record('ModifySecurityGroupRules', { ModifySecurityGroupRulesRequest: { GroupId: GROUP, SecurityGroupRule } });
      expect(matched(DEFAULT, r)).toEqual(['security-group']);
      const change = changeOf(r) as Extract<Change, { kind: 'sg-ingress' }>;
      expect(change.rules).toStrictEqual(Array.isArray(SecurityGroupRule) ? [rule, rule] : [rule]);
    }
  });
});

describe('CreateRoute and ReplaceRoute: every destination, and every forbidden target in its field or in gatewayId', () => {
  const RTB = 'rtb-0a1b2c3d4e5f64003';
  const destinations = [
    { request: { destinationCidrBlock: '0.0.0.0/0' }, change: { cidrIpv4: '0.0.0.0/0' } },
    { request: { destinationCidrBlock: '10.9.9.9/0' }, change: { cidrIpv4: '0.0.0.0/0' } },
    { request: { destinationIpv6CidrBlock: '::/0' }, change: { cidrIpv6: '::/0' } },
    { request: { destinationIpv6CidrBlock: '2001:DB8:0:0::/0' }, change: { cidrIpv6: '::/0' } },
    { request: { destinationPrefixListId: 'pl-0a1b2c3d4e5f6a002' }, change: { prefixListId: 'pl-0a1b2c3d4e5f6a002' } },
  ];
  const kinds = Object.keys(TARGET_ID_PREFIXES) as ForbiddenTargetKind[];
  const cases = ['CreateRoute', 'ReplaceRoute'].flatMap((eventName) =>
    kinds.flatMap((kind) => {
      const id = `${TARGET_ID_PREFIXES[kind]}0a1b2c3d4e5f66001`;
      // A gateway's id is also taken in GatewayId (EC2 stores a NAT gateway's given there as a NAT route:
      // events/cloudtrail/CreateRoute/nat-id-in-gateway-id.json); an interface, an instance and an
      // endpoint are named only in fields of their own.
      const opaque = (OPAQUE_TARGET_KINDS as readonly string[]).includes(kind);
      const fields = opaque ? [TARGET_FIELD_OF[kind]] : [...new Set([TARGET_FIELD_OF[kind], 'gatewayId'])];
      return fields.flatMap((field) =>
        destinations.map((d) => ({ eventName, kind, id, field, d, label: `${eventName} ${JSON.stringify(d.request)} -> ${field}: ${id}` })),
      );
    }),
  );

  it.each(cases)('$label', ({ eventName, kind, id, field, d }) => {
    const r = record(eventName, { routeTableId: RTB, ...d.request, [field]: id });
    expect(matched(EVERY_KIND, r)).toEqual(['route-table']);
    // The default policy forbids every internet path; its rule matches exactly the kinds it forbids, in
    // any field, and the opaque kinds in their own fields (isolated.unknownDefaultRoute: alert; the
    // handler keeps only the default routes).
    const forbidden = DEFAULT_POLICY.isolated.forbiddenTargets.includes(kind);
    const opaque = (OPAQUE_TARGET_KINDS as readonly string[]).includes(kind) && field === TARGET_FIELD_OF[kind];
    expect(matched(DEFAULT, r)).toEqual(forbidden || opaque ? ['route-table'] : []);
    expect(changeOf(r)).toStrictEqual({
      kind: 'route',
      eventName,
      routeTableId: RTB,
      destination: d.change,
      target: { [TARGET_FIELD_OF[kind]]: id },
    });
  });

  it.each([
    ['a virtual private gateway', { gatewayId: 'vgw-0a1b2c3d' }],
    ['a local gateway', { localGatewayId: 'lgw-0a1b2c3d' }],
    ['a core network', { coreNetworkArn: 'arn:aws:networkmanager::111122223333:core-network/core-network-0a1b' }],
  ])('%s is no forbidden kind: no rule fires', (_name, target) => {
    const r = record('CreateRoute', { routeTableId: RTB, destinationCidrBlock: '0.0.0.0/0', ...target });
    expect(matched(EVERY_KIND, r)).toEqual([]);
  });
});

describe('AssociateRouteTable and ReplaceRouteTableAssociation', () => {
  const RTB = 'rtb-0a1b2c3d4e5f64001';
  it('a subnet association (SubnetId) fires; a gateway (edge) association (GatewayId) does not', () => {
    const subnet = record(
      'AssociateRouteTable',
      { routeTableId: RTB, subnetId: 'subnet-0a1b2c3d4e5f63001' },
      { associationId: 'rtbassoc-0a1b2c3d4e5f68099', associationState: { state: 'associated' } },
    );
    expect(matched(DEFAULT, subnet)).toEqual(['route-table']);
    expect(changeOf(subnet)).toStrictEqual({
      kind: 'association',
      eventName: 'AssociateRouteTable',
      routeTableId: RTB,
      subnetId: 'subnet-0a1b2c3d4e5f63001',
      associationId: 'rtbassoc-0a1b2c3d4e5f68099',
    });
    const edge = record('AssociateRouteTable', { routeTableId: RTB, gatewayId: 'igw-0a1b2c3d4e5f65001' });
    expect(matched(DEFAULT, edge)).toEqual([]);
  });

  it('ReplaceRouteTableAssociation (AssociationId, RouteTableId) fires', () => {
    const r = record(
      'ReplaceRouteTableAssociation',
      { associationId: 'rtbassoc-0a1b2c3d4e5f68031', routeTableId: RTB },
      { newAssociationId: 'rtbassoc-0a1b2c3d4e5f68098' },
    );
    expect(matched(DEFAULT, r)).toEqual(['route-table']);
    expect(changeOf(r)).toStrictEqual({
      kind: 'association',
      eventName: 'ReplaceRouteTableAssociation',
      routeTableId: RTB,
      previousAssociationId: 'rtbassoc-0a1b2c3d4e5f68031',
      associationId: 'rtbassoc-0a1b2c3d4e5f68098',
    });
  });
});

describe('ModifyManagedPrefixList', () => {
  const PL = 'pl-0a1b2c3d4e5f6a001';
  it('the SDK request (models_7.d.ts): entries come only through AddEntries and RemoveEntries, each a Cidr (and a Description)', () => {
    expect(sdkFields('models_7.d.ts', 'ModifyManagedPrefixListRequest').sort()).toEqual(
      ['AddEntries', 'CurrentVersion', 'DryRun', 'IpamPrefixListResolverSyncEnabled', 'MaxEntries', 'PrefixListId', 'PrefixListName', 'RemoveEntries'].sort(),
    );
    expect(sdkFields('models_0.d.ts', 'AddPrefixListEntry').sort()).toEqual(['Cidr', 'Description']);
    expect(sdkFields('models_7.d.ts', 'RemovePrefixListEntry')).toEqual(['Cidr']);
  });

  // The query API's AddEntry.N / RemoveEntry.N (EC2 API Reference), wrapped as CloudTrail records this call
  // (the published KodeKloud record: ModifyManagedPrefixListRequest, AddEntry with `cidr` and `tag`).
  const wrapped = (body: Record<string, unknown>) => record('ModifyManagedPrefixList', { ModifyManagedPrefixListRequest: { PrefixListId: PL, ...body } });
  it.each<[string, Record<string, unknown>, RuleName[], string[], string[]]>([
    ['one entry (an object, cidr)', wrapped({ CurrentVersion: '3', AddEntry: { cidr: '0.0.0.0/0', tag: '1' } }), ['prefix-list'], ['0.0.0.0/0'], []],
    ['several (an array, Cidr), host bits', wrapped({ AddEntry: [{ Cidr: '10.0.0.0/24', tag: '1' }, { Cidr: '10.9.9.9/0', tag: '2' }] }), ['prefix-list'], ['10.0.0.0/24', '0.0.0.0/0'], []],
    ['IPv6', wrapped({ AddEntry: { cidr: '::/0', tag: '1' } }), ['prefix-list'], ['::/0'], []],
    ['added and removed', wrapped({ AddEntry: { cidr: '0.0.0.0/1', tag: '1' }, RemoveEntry: { cidr: '203.0.113.0/24', tag: '1' } }), ['prefix-list'], ['0.0.0.0/1'], ['203.0.113.0/24']],
    ['only removed', wrapped({ RemoveEntry: [{ cidr: '0.0.0.0/0', tag: '1' }] }),  ['prefix-list'], [], ['0.0.0.0/0']],
    ['only renamed', wrapped({ PrefixListName: 'office' }),  ['prefix-list'], [], []],
    ['a narrow entry', wrapped({ AddEntry: { cidr: '198.51.100.0/24', tag: '1' } }),  ['prefix-list'], ['198.51.100.0/24'], []],
    ['the lower-camel form (items)', record('ModifyManagedPrefixList', { prefixListId: PL, currentVersion: 2, addEntry: { items: [{ cidr: '0.0.0.0/0', description: 'x' }] } }), ['prefix-list'], ['0.0.0.0/0'], []],
    // Every call reaches the handler (patterns.ts: no CIDR filter can be deployed); the change read from it
    // is what the handler judges: nothing added, or only narrow entries, is no drift.
  ])('%s', (_name, r, rules, added, removed) => {
    expect(matched(DEFAULT, r)).toEqual(rules);
    const change = changeOf(r);
    expect(change).toMatchObject({ kind: 'prefix-list-entries', prefixListId: PL, added, removed });
  });
});
