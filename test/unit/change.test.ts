import { describe, expect, it } from 'vitest';
import { type Change, toChange } from '../../functions/core/change.js';
import { type CloudTrailRecord, parseTrigger } from '../../functions/core/cloudtrail.js';
import { UnsupportedEventError } from '../../functions/core/errors.js';
import { loadEvent, manifest, recordOf } from '../support/events.js';

type Json = Record<string, unknown>;

const APP = 'sg-0a1b2c3d4e5f67002';
const DB = 'sg-0a1b2c3d4e5f67003';
const WEB = 'sg-0a1b2c3d4e5f67001';
const EXEMPT = 'sg-0a1b2c3d4e5f67004';
const IGW = 'igw-0a1b2c3d4e5f65001';
const NAT = 'nat-0a1b2c3d4e5f66001';
const RTB = {
  main: 'rtb-0a1b2c3d4e5f64000',
  public: 'rtb-0a1b2c3d4e5f64001',
  private: 'rtb-0a1b2c3d4e5f64002',
  db: 'rtb-0a1b2c3d4e5f64003',
};

type Rules = Extract<Change, { kind: 'sg-ingress' }>['rules'];

const ingress = (groupId: string, rules: Rules): Change => ({
  kind: 'sg-ingress',
  eventName: 'AuthorizeSecurityGroupIngress',
  groupId,
  rules,
});
const modify = (groupId: string, rules: Rules): Change => ({
  kind: 'sg-ingress',
  eventName: 'ModifySecurityGroupRules',
  groupId,
  rules,
});
const createRoute = (routeTableId: string, destination: Json, target: Json): Change =>
  ({ kind: 'route', eventName: 'CreateRoute', routeTableId, destination, target }) as Change;

/** The exact Change of every sample that parses (the manifest's other samples are rejected earlier). */
const aclEntry = (
  eventName: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry',
  entry: Extract<Change, { kind: 'nacl-entry' }>['entry'],
  networkAclId = 'acl-0a1b2c3d4e5f6a003',
): Change => ({ kind: 'nacl-entry', eventName, networkAclId, entry });

const prefixList = (
  over: { currentVersion?: number; added?: string[]; removed?: string[] },
  prefixListId = 'pl-0a1b2c3d4e5f6a001',
): Change => ({ kind: 'prefix-list-entries', eventName: 'ModifyManagedPrefixList', prefixListId, added: [], removed: [], ...over });

const EXPECTED: Record<string, Change> = {
  'AuthorizeSecurityGroupIngress/world-open-ssh.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e101', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/world-open-rdp.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e102', protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/ipv6-world-all-traffic.json': ingress(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e103', protocol: '-1', fromPort: -1, toPort: -1, cidrIpv6: '::/0' },
  ]),
  'AuthorizeSecurityGroupIngress/split-world.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e104', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/1' },
    { ruleId: 'sgr-0a1b2c3d4e5f6e105', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '128.0.0.0/1' },
  ]),
  'AuthorizeSecurityGroupIngress/multi-permission.json': ingress(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e106', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
    {
      ruleId: 'sgr-0a1b2c3d4e5f6e107',
      protocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      cidrIpv4: '10.0.11.0/24',
    },
  ]),
  // No securityGroupRuleSet in the response: the requested permissions, without rule ids.
  'AuthorizeSecurityGroupIngress/no-rule-ids.json': ingress(APP, [
    { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/group-name-only.json': {
    kind: 'sg-ingress',
    eventName: 'AuthorizeSecurityGroupIngress',
    // The request names the group only by name; the response's rule set carries its id.
    groupId: 'sg-0a1b2c3d4e5f67005',
    groupName: 'launch-wizard-3',
    rules: [
      { ruleId: 'sgr-0a1b2c3d4e5f6e108', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
    ],
  },
  'AuthorizeSecurityGroupIngress/narrow-cidr.json': ingress(APP, [
    {
      ruleId: 'sgr-0a1b2c3d4e5f6e109',
      protocol: 'tcp',
      fromPort: 8080,
      toPort: 8080,
      cidrIpv4: '10.0.11.0/24',
    },
  ]),
  'AuthorizeSecurityGroupIngress/group-reference.json': ingress(DB, [
    {
      ruleId: 'sgr-0a1b2c3d4e5f6e10a',
      protocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      referencedGroupId: APP,
    },
  ]),
  'AuthorizeSecurityGroupIngress/tier-skip-web-group-on-db.json': ingress(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e401', protocol: 'tcp', fromPort: 3306, toPort: 3306, referencedGroupId: 'sg-0a1b2c3d4e5f67001' },
  ]),
  'AuthorizeSecurityGroupIngress/tier-skip-web-subnet-on-db.json': ingress(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e402', protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '10.0.1.0/24' },
  ]),
  'AuthorizeSecurityGroupIngress/peered-cidr-on-db.json': ingress(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e403', protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '172.31.0.0/16' },
  ]),
  'AuthorizeSecurityGroupIngress/prefix-list.json': ingress(APP, [
    {
      ruleId: 'sgr-0a1b2c3d4e5f6e10b',
      protocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      prefixListId: 'pl-0a1b2c3d4e5f6a001',
    },
  ]),
  'AuthorizeSecurityGroupIngress/web-tier-443.json': ingress(WEB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e10c', protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/web-tier-22.json': ingress(WEB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e10d', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/exempt-group.json': ingress(EXEMPT, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e10e', protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '0.0.0.0/0' },
  ]),
  // A failed call has no response: the request is what it asked for (the guards ignore it anyway).
  'AuthorizeSecurityGroupIngress/failed-call.json': ingress(DB, [
    { protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/own-action.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e10f', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/role-named-like-layerguard.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e1a1', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/own-role-name-other-account.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e1a2', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/bare-record.json': ingress(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e110', protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0' },
  ]),
  'ModifySecurityGroupRules/world-open-db-port.json': modify(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f69301', protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0' },
  ]),
  'ModifySecurityGroupRules/prefix-list-world.json': modify(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f69301', protocol: 'tcp', fromPort: 3306, toPort: 3306, prefixListId: 'pl-0a1b2c3d4e5f6a003' },
  ]),
  'AuthorizeSecurityGroupIngress/prefix-list-world.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e121', protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: 'pl-0a1b2c3d4e5f6a003' },
  ]),
  'ModifySecurityGroupRules/narrow.json': modify(DB, [
    {
      ruleId: 'sgr-0a1b2c3d4e5f69301',
      protocol: 'tcp',
      fromPort: 3306,
      toPort: 3306,
      cidrIpv4: '10.0.12.0/24',
    },
  ]),
  'ModifySecurityGroupRules/multiple-rules.json': modify(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f69201', protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '0.0.0.0/0' },
    {
      ruleId: 'sgr-0a1b2c3d4e5f69202',
      protocol: 'tcp',
      fromPort: 8443,
      toPort: 8443,
      cidrIpv4: '10.0.12.0/24',
    },
  ]),
  // The request does not say the rule is egress: only the live rule does.
  'ModifySecurityGroupRules/egress-rule.json': modify(DB, [
    { ruleId: 'sgr-0a1b2c3d4e5f69309', protocol: '-1', cidrIpv4: '0.0.0.0/0' },
  ]),
  'CreateRoute/igw-on-database-table.json': createRoute(
    RTB.db,
    { cidrIpv4: '0.0.0.0/0' },
    { gatewayId: IGW },
  ),
  'CreateRoute/igw-on-main-table.json': createRoute(RTB.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
  'CreateRoute/igw-on-public-table.json': createRoute(RTB.public, { cidrIpv6: '::/0' }, { gatewayId: IGW }),
  'CreateRoute/nat-on-database-table.json': createRoute(
    RTB.db,
    { cidrIpv4: '0.0.0.0/0' },
    { natGatewayId: NAT },
  ),
  // The same change as nat-on-database-table.json: the id's prefix says what the target is.
  'CreateRoute/nat-id-in-gateway-id.json': createRoute(RTB.db, { cidrIpv4: '0.0.0.0/0' }, { natGatewayId: NAT }),
  // EC2 stores 10.9.9.9/0 as 0.0.0.0/0 (CreateRouteRequest.DestinationCidrBlock, models_2.d.ts).
  'CreateRoute/host-bits-destination.json': createRoute(RTB.db, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
  'AuthorizeSecurityGroupIngress/flat-form-world-ssh.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e111', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  'AuthorizeSecurityGroupIngress/flat-form-no-rule-set.json': ingress(DB, [
    { protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  // Stratus Red Team's own detonation log: the flat form with host bits in a /0 (anonymised by its authors).
  'AuthorizeSecurityGroupIngress/public-stratus-open-port-22.json': ingress('sg-003dc7f1f1c686164', [
    { ruleId: 'sgr-09b3e3d2ca1edf2a2', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
  // EC2 stores 10.9.9.9/0 as 0.0.0.0/0 (IpRange.CidrIp, models_0.d.ts).
  'AuthorizeSecurityGroupIngress/host-bits-cidr.json': ingress(DB, [
    { protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIpv4: '0.0.0.0/0' },
  ]),
  'CreateRoute/ipv6-igw-on-database-table.json': createRoute(
    RTB.db,
    { cidrIpv6: '::/0' },
    { gatewayId: IGW },
  ),
  'CreateRoute/prefix-list-igw.json': createRoute(
    RTB.db,
    { prefixListId: 'pl-0a1b2c3d4e5f6a002' },
    { gatewayId: IGW },
  ),
  'CreateRoute/failed-call.json': createRoute(RTB.db, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
  'ReplaceRoute/nat-to-igw-on-database-table.json': {
    kind: 'route',
    eventName: 'ReplaceRoute',
    routeTableId: RTB.db,
    destination: { cidrIpv4: '0.0.0.0/0' },
    target: { gatewayId: IGW },
  },
  'AssociateRouteTable/database-subnet-to-public-table.json': {
    kind: 'association',
    eventName: 'AssociateRouteTable',
    routeTableId: RTB.public,
    subnetId: 'subnet-0a1b2c3d4e5f63002',
    associationId: 'rtbassoc-0a1b2c3d4e5f68101',
  },
  'AssociateRouteTable/app-subnet-to-private-table.json': {
    kind: 'association',
    eventName: 'AssociateRouteTable',
    routeTableId: RTB.private,
    subnetId: 'subnet-0a1b2c3d4e5f62002',
    associationId: 'rtbassoc-0a1b2c3d4e5f68103',
  },
  // Refused: no response, so no association id.
  'AssociateRouteTable/failed-call.json': {
    kind: 'association',
    eventName: 'AssociateRouteTable',
    routeTableId: RTB.public,
    subnetId: 'subnet-0a1b2c3d4e5f63001',
  },
  'ReplaceRouteTableAssociation/database-subnet-to-public-table.json': {
    kind: 'association',
    eventName: 'ReplaceRouteTableAssociation',
    routeTableId: RTB.public,
    previousAssociationId: 'rtbassoc-0a1b2c3d4e5f68031',
    associationId: 'rtbassoc-0a1b2c3d4e5f68102',
  },
  // The request names only the association; the subnet is found on live state.
  'DisassociateRouteTable/database-subnet-off-database-table.json': {
    kind: 'disassociation',
    eventName: 'DisassociateRouteTable',
    associationId: 'rtbassoc-0a1b2c3d4e5f68031',
  },
  'DisassociateRouteTable/app-subnet-off-private-table.json': {
    kind: 'disassociation',
    eventName: 'DisassociateRouteTable',
    associationId: 'rtbassoc-0a1b2c3d4e5f68021',
  },
  'DisassociateRouteTable/failed-call.json': {
    kind: 'disassociation',
    eventName: 'DisassociateRouteTable',
    associationId: 'rtbassoc-0a1b2c3d4e5f680ff',
  },
  // CloudTrail's wrapped form (ModifyManagedPrefixListRequest, AddEntry one object or an array, `cidr` or `Cidr`, CurrentVersion as text).
  'ModifyManagedPrefixList/world-added-to-office-list.json': prefixList({ currentVersion: 1, added: ['0.0.0.0/0'] }),
  'ModifyManagedPrefixList/split-world-bare.json': prefixList({ currentVersion: 1, added: ['0.0.0.0/1', '128.0.0.0/1'], removed: ['10.8.0.0/16'] }),
  'ModifyManagedPrefixList/private-cidrs-added.json': prefixList({ currentVersion: 1, added: ['10.20.0.0/16', '192.168.0.0/16'] }),
  'ModifyManagedPrefixList/web-subnet-added.json': prefixList({ currentVersion: 1, added: ['10.0.1.0/24'] }),
  'ModifyManagedPrefixList/failed-call.json': prefixList({ currentVersion: 7, added: ['0.0.0.0/0'] }),
  'ModifyManagedPrefixList/aws-managed-list.json': prefixList({ added: ['0.0.0.0/0'] }, 'pl-63a5400a'),
  'CreateNetworkAclEntry/world-mysql-on-database-acl.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 90, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 3306, to: 3306 } }),
  'CreateNetworkAclEntry/ipv6-world-all-traffic.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 95, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv6: '::/0' }),
  // EC2 stores 10.9.9.9/0 as 0.0.0.0/0 (the SDK's CreateNetworkAclEntryRequest.CidrBlock: "We modify the specified CIDR block to its canonical form").
  'CreateNetworkAclEntry/host-bits-cidr.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 96, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 22, to: 22 } }),
  'CreateNetworkAclEntry/narrow-cidr.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 110, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '10.0.0.0/16', portRange: { from: 5432, to: 5432 } }),
  'CreateNetworkAclEntry/egress-world.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 120, egress: true, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 443, to: 443 } }),
  'CreateNetworkAclEntry/deny-world.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 80, egress: false, ruleAction: 'deny', protocol: '-1', cidrIpv4: '0.0.0.0/0' }),
  'CreateNetworkAclEntry/web-tier-default-acl.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 130, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 443, to: 443 } }, 'acl-0a1b2c3d4e5f6a000'),
  'CreateNetworkAclEntry/failed-call.json': aclEntry('CreateNetworkAclEntry', { ruleNumber: 90, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 3306, to: 3306 } }),
  'ReplaceNetworkAclEntry/world-all-on-database-acl.json': aclEntry('ReplaceNetworkAclEntry', { ruleNumber: 100, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv4: '0.0.0.0/0' }),
  'ReplaceNetworkAclAssociation/database-subnet-to-default-acl.json': {
    kind: 'nacl-association',
    eventName: 'ReplaceNetworkAclAssociation',
    networkAclId: 'acl-0a1b2c3d4e5f6a000',
    previousAssociationId: 'aclassoc-0a1b2c3d4e5f6b031',
    associationId: 'aclassoc-0a1b2c3d4e5f6b102',
  },
  'ReplaceNetworkAclAssociation/app-subnet-to-database-acl.json': {
    kind: 'nacl-association',
    eventName: 'ReplaceNetworkAclAssociation',
    networkAclId: 'acl-0a1b2c3d4e5f6a003',
    previousAssociationId: 'aclassoc-0a1b2c3d4e5f6b021',
    associationId: 'aclassoc-0a1b2c3d4e5f6b103',
  },
  'ReplaceNetworkAclAssociation/failed-call.json': {
    kind: 'nacl-association',
    eventName: 'ReplaceNetworkAclAssociation',
    networkAclId: 'acl-0a1b2c3d4e5f6a000',
    previousAssociationId: 'aclassoc-0a1b2c3d4e5f6b0ff',
  },
  '_malformed/hostile-user-agent.json': ingress(APP, [
    { ruleId: 'sgr-0a1b2c3d4e5f6e114', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' },
  ]),
};

const changeOf = (file: string): Change => toChange(parseTrigger(loadEvent(file)).record);

describe('toChange: every sample', () => {
  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    expect(changeOf(file)).toStrictEqual(expected);
  });

  it('covers every manifest sample that parses', () => {
    const parses = manifest().filter((e) => {
      try {
        parseTrigger(loadEvent(e.file));
        return true;
      } catch {
        return false;
      }
    });
    expect(parses.map((e) => e.file).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});

/** A record built from a sample with its request/response replaced. */
function variant(file: string, patch: Partial<CloudTrailRecord>): CloudTrailRecord {
  return { ...(parseTrigger(loadEvent(file)).record as CloudTrailRecord), ...patch };
}
const requestOf = (file: string): Json => recordOf(loadEvent(file)).requestParameters as Json;

describe('toChange: AuthorizeSecurityGroupIngress shapes', () => {
  const ssh = 'AuthorizeSecurityGroupIngress/world-open-ssh.json';

  it('skips egress rules in the response and reads the requested ones when none are left', () => {
    const record = variant(ssh, {
      responseElements: {
        _return: true,
        securityGroupRuleSet: {
          items: [{ securityGroupRuleId: 'sgr-0a1b2c3d4e5f69999', isEgress: true, cidrIpv4: '0.0.0.0/0' }],
        },
      },
    });
    expect(toChange(record)).toStrictEqual(
      ingress(APP, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }]),
    );
  });

  it('reads the flat form: a CidrIp rule, and a source group by name as its three rules', () => {
    const flat = variant(ssh, {
      requestParameters: { groupId: APP, ipPermissions: {}, ipProtocol: 'udp', fromPort: 53, toPort: 53, cidrIp: '198.51.100.9/0' },
      responseElements: { _return: true },
    });
    expect(toChange(flat)).toStrictEqual(ingress(APP, [{ protocol: 'udp', fromPort: 53, toPort: 53, cidrIpv4: '0.0.0.0/0' }]));
    // "The rule grants full ICMP, UDP, and TCP access" (SourceSecurityGroupName, AuthorizeSecurityGroupIngressRequest, models_0.d.ts).
    const byName = variant(ssh, {
      requestParameters: { groupId: APP, ipPermissions: {}, sourceSecurityGroupName: 'web-tier', sourceSecurityGroupOwnerId: '111122223333' },
      responseElements: { _return: true },
    });
    expect(toChange(byName)).toStrictEqual(
      ingress(APP, [
        { protocol: 'tcp', fromPort: 0, toPort: 65535, referencedGroupId: 'web-tier' },
        { protocol: 'udp', fromPort: 0, toPort: 65535, referencedGroupId: 'web-tier' },
        { protocol: 'icmp', fromPort: -1, toPort: -1, referencedGroupId: 'web-tier' },
      ]),
    );
  });

  it.each([
    ['an IPv4 CIDR with an octet over 255', { cidrIp: '256.0.0.0/0' }],
    ['an IPv4 CIDR with a /33', { cidrIp: '10.0.0.0/33' }],
    ['an IPv6 CIDR in cidrIp', { cidrIp: '::/0' }],
  ])('refuses %s (EC2 would not have accepted it)', (_name, source) => {
    const record = variant(ssh, {
      requestParameters: { groupId: APP, ipPermissions: {}, ipProtocol: 'tcp', fromPort: 22, toPort: 22, ...source },
      responseElements: { _return: true },
    });
    expect(() => toChange(record)).toThrow(UnsupportedEventError);
  });

  it('reads a response rule without ipProtocol as all traffic', () => {
    const record = variant(ssh, {
      responseElements: {
        securityGroupRuleSet: {
          items: [{ securityGroupRuleId: 'sgr-0a1b2c3d4e5f69998', cidrIpv4: '0.0.0.0/0' }],
        },
      },
    });
    expect(toChange(record)).toStrictEqual(
      ingress(APP, [{ ruleId: 'sgr-0a1b2c3d4e5f69998', protocol: '-1', cidrIpv4: '0.0.0.0/0' }]),
    );
  });

  it('reads an empty list written as {} and a missing one alike', () => {
    const record = variant(ssh, {
      requestParameters: { groupId: APP, ipPermissions: {} },
      responseElements: null,
    });
    expect(toChange(record)).toStrictEqual(ingress(APP, []));
    expect(
      toChange(variant(ssh, { requestParameters: { groupId: APP }, responseElements: null })),
    ).toStrictEqual(ingress(APP, []));
  });

  it('flattens every source of a permission into one rule each, ports as strings included', () => {
    const record = variant(ssh, {
      requestParameters: {
        groupId: APP,
        ipPermissions: {
          items: [
            {
              ipProtocol: '6',
              fromPort: '1024',
              toPort: '2048',
              ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] },
              ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] },
              prefixListIds: { items: [{ prefixListId: 'pl-0a1b2c3d4e5f6a001' }] },
              groups: { items: [{ groupName: 'legacy-peer', userId: '111122223333' }] },
            },
          ],
        },
      },
      responseElements: { requestId: 'r', _return: true },
    });
    const base = { protocol: '6', fromPort: 1024, toPort: 2048 };
    expect(toChange(record)).toStrictEqual(
      ingress(APP, [
        { ...base, cidrIpv4: '0.0.0.0/0' },
        { ...base, cidrIpv6: '::/0' },
        { ...base, prefixListId: 'pl-0a1b2c3d4e5f6a001' },
        { ...base, referencedGroupId: 'legacy-peer' },
      ]),
    );
  });

  it.each<[string, Json | null | undefined, RegExp]>([
    ['neither groupId nor groupName', { ipPermissions: {} }, /needs groupId or groupName/],
    ['a groupId that is not one', { groupId: 'sg-XYZ' }, /groupId: expected a security group id/],
    [
      'a CIDR that is not one',
      {
        groupId: APP,
        ipPermissions: { items: [{ ipProtocol: 'tcp', ipRanges: { items: [{ cidrIp: 'anywhere' }] } }] },
      },
      /cidrIp: expected an IPv4 CIDR/,
    ],
    [
      'a port out of range',
      { groupId: APP, ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 70000 }] } },
      /fromPort/,
    ],
    ['no requestParameters', null, /^malformed AuthorizeSecurityGroupIngress request/],
  ])('rejects a request with %s', (_name, requestParameters, message) => {
    const record = variant(ssh, { requestParameters });
    expect(() => toChange(record)).toThrow(UnsupportedEventError);
    expect(() => toChange(record)).toThrow(message);
  });

  it('rejects a response whose rule id is not one', () => {
    const record = variant(ssh, {
      responseElements: { securityGroupRuleSet: { items: [{ securityGroupRuleId: 'rule-1' }] } },
    });
    expect(() => toChange(record)).toThrow(
      /^malformed AuthorizeSecurityGroupIngress response: securityGroupRuleSet.items.0.securityGroupRuleId/,
    );
  });
});

describe('toChange: ModifySecurityGroupRules shapes', () => {
  const file = 'ModifySecurityGroupRules/world-open-db-port.json';

  it('reads IPv6, prefix-list and group-reference updates', () => {
    const rule = (id: string, r: Json) => ({
      SecurityGroupRuleId: id,
      SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, ...r },
    });
    const record = variant(file, {
      requestParameters: {
        ModifySecurityGroupRulesRequest: {
          GroupId: DB,
          SecurityGroupRule: [
            rule('sgr-0a1b2c3d4e5f69401', { CidrIpv6: '::/0' }),
            rule('sgr-0a1b2c3d4e5f69402', { PrefixListId: 'pl-0a1b2c3d4e5f6a001' }),
            rule('sgr-0a1b2c3d4e5f69403', { ReferencedGroupId: APP }),
          ],
        },
      },
    });
    const base = { protocol: 'tcp', fromPort: 22, toPort: 22 };
    expect(toChange(record)).toStrictEqual(
      modify(DB, [
        { ruleId: 'sgr-0a1b2c3d4e5f69401', ...base, cidrIpv6: '::/0' },
        { ruleId: 'sgr-0a1b2c3d4e5f69402', ...base, prefixListId: 'pl-0a1b2c3d4e5f6a001' },
        { ruleId: 'sgr-0a1b2c3d4e5f69403', ...base, referencedGroupId: APP },
      ]),
    );
  });

  it.each<[string, Json]>([
    ['a flat groupId (the Authorize shape)', { groupId: DB }],
    [
      'no GroupId',
      {
        ModifySecurityGroupRulesRequest: {
          SecurityGroupRule: {
            SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69301',
            SecurityGroupRule: { IpProtocol: 'tcp' },
          },
        },
      },
    ],
    ['an empty rule array', { ModifySecurityGroupRulesRequest: { GroupId: DB, SecurityGroupRule: [] } }],
    [
      'a rule without its id',
      {
        ModifySecurityGroupRulesRequest: {
          GroupId: DB,
          SecurityGroupRule: { SecurityGroupRule: { IpProtocol: 'tcp' } },
        },
      },
    ],
  ])('rejects a request with %s', (_name, requestParameters) => {
    expect(() => toChange(variant(file, { requestParameters }))).toThrow(
      /^malformed ModifySecurityGroupRules request: /,
    );
  });
});

describe('toChange: route and association shapes', () => {
  it('reads every kind of route target', () => {
    const targets = {
      egressOnlyInternetGatewayId: 'eigw-0a1b2c3d4e5f65002',
      transitGatewayId: 'tgw-0a1b2c3d4e5f65003',
      vpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f65004',
      networkInterfaceId: 'eni-0a1b2c3d4e5f65005',
      instanceId: 'i-0a1b2c3d4e5f65006',
      vpcEndpointId: 'vpce-0a1b2c3d4e5f65007',
      carrierGatewayId: 'cagw-0a1b2c3d4e5f65008',
      localGatewayId: 'lgw-0a1b2c3d4e5f65009',
      coreNetworkArn: 'arn:aws:networkmanager::111122223333:core-network/core-network-0a1b2c3d4e5f6',
    };
    for (const [key, value] of Object.entries(targets)) {
      const record = variant('CreateRoute/igw-on-database-table.json', {
        requestParameters: { routeTableId: RTB.db, destinationCidrBlock: '10.1.0.0/16', [key]: value },
      });
      expect(toChange(record)).toStrictEqual(
        createRoute(RTB.db, { cidrIpv4: '10.1.0.0/16' }, { [key]: value }),
      );
    }
  });

  it.each<[string, Json]>([
    ['no destination', { routeTableId: RTB.db, gatewayId: IGW }],
    [
      'two destinations',
      {
        routeTableId: RTB.db,
        destinationCidrBlock: '0.0.0.0/0',
        destinationIpv6CidrBlock: '::/0',
        gatewayId: IGW,
      },
    ],
    [
      'a route table id that is not one',
      { routeTableId: 'main', destinationCidrBlock: '0.0.0.0/0', gatewayId: IGW },
    ],
    [
      'a prefix list id that is not one',
      { routeTableId: RTB.db, destinationPrefixListId: 'partners', gatewayId: IGW },
    ],
  ])('rejects a route with %s', (_name, requestParameters) => {
    expect(() => toChange(variant('CreateRoute/igw-on-database-table.json', { requestParameters }))).toThrow(
      /^malformed CreateRoute request: /,
    );
    expect(() =>
      toChange(variant('ReplaceRoute/nat-to-igw-on-database-table.json', { requestParameters })),
    ).toThrow(/^malformed ReplaceRoute request: /);
  });

  it('reads a gateway association (no subnet)', () => {
    const record = variant('AssociateRouteTable/database-subnet-to-public-table.json', {
      requestParameters: { routeTableId: RTB.public, gatewayId: IGW },
      responseElements: { associationId: 'rtbassoc-0a1b2c3d4e5f68104' },
    });
    expect(toChange(record)).toStrictEqual({
      kind: 'association',
      eventName: 'AssociateRouteTable',
      routeTableId: RTB.public,
      associationId: 'rtbassoc-0a1b2c3d4e5f68104',
    });
  });

  it('reads a replaced association without its response', () => {
    const record = variant('ReplaceRouteTableAssociation/database-subnet-to-public-table.json', {
      responseElements: null,
    });
    expect(toChange(record)).toStrictEqual({
      kind: 'association',
      eventName: 'ReplaceRouteTableAssociation',
      routeTableId: RTB.public,
      previousAssociationId: 'rtbassoc-0a1b2c3d4e5f68031',
    });
  });

  it.each<[string, string, Partial<CloudTrailRecord>, RegExp]>([
    [
      'AssociateRouteTable',
      'a subnet id that is not one',
      { requestParameters: { routeTableId: RTB.public, subnetId: 'db-a' } },
      /^malformed AssociateRouteTable request: subnetId/,
    ],
    [
      'AssociateRouteTable',
      'an association id that is not one',
      { responseElements: { associationId: 'assoc-1' } },
      /^malformed AssociateRouteTable response: associationId/,
    ],
    [
      'ReplaceRouteTableAssociation',
      'no association id',
      { requestParameters: { routeTableId: RTB.public } },
      /^malformed ReplaceRouteTableAssociation request: associationId/,
    ],
    [
      'ReplaceRouteTableAssociation',
      'a new association id that is not one',
      { responseElements: { newAssociationId: 'x' } },
      /^malformed ReplaceRouteTableAssociation response: newAssociationId/,
    ],
  ])('%s: rejects %s', (eventName, _name, patch, message) => {
    const file = `${eventName}/database-subnet-to-public-table.json`;
    expect(() => toChange(variant(file, patch))).toThrow(message);
  });

  it('the samples use the request shapes their Change needs', () => {
    expect(requestOf('ReplaceRouteTableAssociation/database-subnet-to-public-table.json')).toEqual({
      associationId: 'rtbassoc-0a1b2c3d4e5f68031',
      routeTableId: RTB.public,
    });
  });
});

describe('toChange: unsupported events', () => {
  it('throws UnsupportedEventError for an event it has no reader for', () => {
    const record = recordOf(loadEvent('AuthorizeSecurityGroupEgress/world-all-traffic')) as CloudTrailRecord;
    expect(() => toChange(record)).toThrow(UnsupportedEventError);
    expect(() => toChange(record)).toThrow('unsupported eventName "AuthorizeSecurityGroupEgress"');
  });
});

describe('toChange: ids are whole EC2 ids', () => {
  // An EC2 id is its prefix, a hyphen and 8 or 17 hex characters ("Resource IDs", Amazon EC2 User Guide,
  // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html). Text before the prefix or
  // after the id is not a longer id: it is not one at all.
  const ssh = 'AuthorizeSecurityGroupIngress/world-open-ssh.json';
  const route = 'CreateRoute/igw-on-database-table.json';
  const associate = 'AssociateRouteTable/database-subnet-to-public-table.json';
  const cases: [string, string, (id: string) => Partial<CloudTrailRecord>, string, RegExp][] = [
    [
      'a security group id',
      ssh,
      (id) => ({ requestParameters: { ...requestOf(ssh), groupId: id } }),
      APP,
      /^malformed AuthorizeSecurityGroupIngress request: groupId: expected a security group id like sg-0abc1234$/,
    ],
    [
      'a rule id',
      ssh,
      (id) => ({ responseElements: { securityGroupRuleSet: { items: [{ securityGroupRuleId: id }] } } }),
      'sgr-0a1b2c3d4e5f6e101',
      /^malformed AuthorizeSecurityGroupIngress response: securityGroupRuleSet\.items\.0\.securityGroupRuleId: expected a rule id like sgr-0abc1234$/,
    ],
    [
      'a route table id',
      route,
      (id) => ({ requestParameters: { ...requestOf(route), routeTableId: id } }),
      RTB.db,
      /^malformed CreateRoute request: routeTableId: expected a route table id like rtb-0abc1234$/,
    ],
    [
      'a subnet id',
      associate,
      (id) => ({ requestParameters: { routeTableId: RTB.public, subnetId: id } }),
      'subnet-0a1b2c3d4e5f63002',
      /^malformed AssociateRouteTable request: subnetId: expected a subnet id like subnet-0abc1234$/,
    ],
    [
      'an association id',
      associate,
      (id) => ({ responseElements: { associationId: id } }),
      'rtbassoc-0a1b2c3d4e5f68101',
      /^malformed AssociateRouteTable response: associationId: expected an association id like rtbassoc-0abc1234$/,
    ],
    [
      'a prefix list id',
      route,
      (id) => ({ requestParameters: { routeTableId: RTB.db, destinationPrefixListId: id, gatewayId: IGW } }),
      'pl-0a1b2c3d4e5f6a002',
      /^malformed CreateRoute request: destinationPrefixListId: /,
    ],
  ];

  it.each(cases)('refuses %s with text before or after it, and says what one looks like', (_name, file, patch, id, message) => {
    expect(() => toChange(variant(file, patch(id)))).not.toThrow();
    // An 18th hex character is too long for an EC2 id; a prefix list id's length is not bounded.
    const tooLong = id.startsWith('pl-') ? [] : [`${id}0`];
    for (const bad of [`x${id}`, `${id}-x`, ...tooLong]) {
      expect(() => toChange(variant(file, patch(bad))), bad).toThrow(message);
    }
  });
});

describe('toChange: what a malformed request says', () => {
  const route = 'CreateRoute/igw-on-database-table.json';

  it('names the request as a whole "(root)" when the problem is not one field', () => {
    expect(() =>
      toChange(variant(route, { requestParameters: { routeTableId: RTB.db, gatewayId: IGW } })),
    ).toThrow(/^malformed CreateRoute request: \(root\): needs exactly one destination$/);
    expect(() => toChange(variant('AuthorizeSecurityGroupIngress/world-open-ssh.json', { requestParameters: null }))).toThrow(
      /^malformed AuthorizeSecurityGroupIngress request: \(root\): /,
    );
  });

  it('names the first five problems, each by its path, separated by "; "', () => {
    const record = variant(route, {
      requestParameters: {
        routeTableId: 'main',
        destinationCidrBlock: 'anywhere',
        destinationIpv6CidrBlock: 'everywhere',
        destinationPrefixListId: 'partners',
        gatewayId: 1,
        natGatewayId: 2,
        instanceId: 3,
      },
    });
    expect(() => toChange(record)).toThrow(UnsupportedEventError);
    const message = (() => {
      try {
        toChange(record);
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    const problems = message.replace(/^malformed CreateRoute request: /, '').split('; ');
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'routeTableId',
      'destinationCidrBlock',
      'destinationIpv6CidrBlock',
      'destinationPrefixListId',
      'gatewayId',
    ]);
  });
});

describe('toChange: every source of a requested rule is read, and read as EC2 stores it', () => {
  const ssh = 'AuthorizeSecurityGroupIngress/world-open-ssh.json';
  // EC2 canonicalises IPv4 and IPv6 CIDRs (IpRange.CidrIp, Ipv6Range.CidrIpv6 and
  // SecurityGroupRuleRequest.CidrIpv4, @aws-sdk/client-ec2 models_0.d.ts / models_7.d.ts): see cidr.ts.
  it('reads an IPv6 range and a ModifySecurityGroupRules CIDR in their stored form', () => {
    const authorize = variant(ssh, {
      requestParameters: {
        groupId: APP,
        ipPermissions: {
          items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipv6Ranges: { items: [{ cidrIpv6: '2001:DB8::1/0' }] } }],
        },
      },
      responseElements: { _return: true },
    });
    expect(toChange(authorize)).toStrictEqual(
      ingress(APP, [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '::/0' }]),
    );
    const file = 'ModifySecurityGroupRules/world-open-db-port.json';
    const modified = variant(file, {
      requestParameters: {
        ModifySecurityGroupRulesRequest: {
          GroupId: DB,
          SecurityGroupRule: {
            SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69301',
            SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, CidrIpv4: '10.9.9.9/0' },
          },
        },
      },
    });
    expect(toChange(modified)).toStrictEqual(
      modify(DB, [{ ruleId: 'sgr-0a1b2c3d4e5f69301', protocol: 'tcp', fromPort: 3306, toPort: 3306, cidrIpv4: '0.0.0.0/0' }]),
    );
  });

  it.each<[string, Partial<CloudTrailRecord>, RegExp]>([
    [
      'a prefix-list source without its id',
      {
        requestParameters: {
          groupId: APP,
          ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, prefixListIds: { items: [{ description: 'x' }] } }] },
        },
        responseElements: { _return: true },
      },
      /prefixListIds\.items\.0\.prefixListId: /,
    ],
    [
      'a group source whose id is not text',
      {
        requestParameters: {
          groupId: APP,
          ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, groups: { items: [{ groupId: 42 }] } }] },
        },
        responseElements: { _return: true },
      },
      /groups\.items\.0\.groupId: /,
    ],
    [
      'a response rule whose referenced group id is not text',
      {
        responseElements: {
          securityGroupRuleSet: {
            items: [{ securityGroupRuleId: 'sgr-0a1b2c3d4e5f69997', ipProtocol: 'tcp', referencedGroupInfo: { groupId: 42 } }],
          },
        },
      },
      /referencedGroupInfo\.groupId: /,
    ],
    [
      'a ModifySecurityGroupRules rule without its protocol',
      {
        requestParameters: {
          ModifySecurityGroupRulesRequest: {
            GroupId: DB,
            SecurityGroupRule: { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69301', SecurityGroupRule: { CidrIpv4: '0.0.0.0/0' } },
          },
        },
      },
      /ModifySecurityGroupRulesRequest\.SecurityGroupRule: /,
    ],
  ])('refuses %s (a rule must have a source it can be matched by)', (_name, patch, message) => {
    const file = patch.requestParameters?.ModifySecurityGroupRulesRequest ? 'ModifySecurityGroupRules/world-open-db-port.json' : ssh;
    expect(() => toChange(variant(file, patch))).toThrow(UnsupportedEventError);
    expect(() => toChange(variant(file, patch))).toThrow(message);
  });

  it('reads a flat-form CidrIp without IpProtocol as all traffic', () => {
    // IpProtocol is optional in the flat form (AuthorizeSecurityGroupIngressRequest.IpProtocol?, models_0.d.ts):
    // with none named, the rule is read as the widest it could be.
    const record = variant(ssh, {
      requestParameters: { groupId: APP, ipPermissions: {}, cidrIp: '0.0.0.0/0' },
      responseElements: { _return: true },
    });
    expect(toChange(record)).toStrictEqual(ingress(APP, [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }]));
  });
});
