import { dayFrom } from '../../functions/core/exemption.js';
import { SimulatedAccount } from './account.js';
import { BASELINE } from './ids.js';

/**
 * Seeds the SEC05-BP01 three-tier network: web (public) subnets on a table routed to the internet
 * gateway, application (private) subnets routed to a NAT gateway, database (isolated) subnets on a
 * table with only the local route; a security group per tier, only the web tier open to the world on
 * 80 and 443; and one group whose exemption tag is valid, for the negative controls.
 */
export function seedThreeTier(account: SimulatedAccount, now: Date = new Date()): SimulatedAccount {
  const b = BASELINE;
  const vpc = account.createVpc(b.vpcCidr, {
    vpcId: b.vpcId,
    mainRouteTableId: b.routeTables.main,
    mainAssociationId: b.associations.main,
    defaultNetworkAclId: b.networkAcls.default,
    tags: { Name: 'MainVPC', Environment: 'Production' },
  });
  const n = b.aclAssociations;
  const subnet = (id: string, cidr: string, name: string, tier: string, aclAssociationId: string) =>
    account.createSubnet(vpc, cidr, { subnetId: id, tags: { Name: name, Tier: tier }, aclAssociationId });
  subnet(b.subnets.public1, '10.0.1.0/24', 'Public-Subnet-1', 'Web', n.public1);
  subnet(b.subnets.public2, '10.0.2.0/24', 'Public-Subnet-2', 'Web', n.public2);
  subnet(b.subnets.private1, '10.0.11.0/24', 'Private-Subnet-1', 'Application', n.private1);
  subnet(b.subnets.private2, '10.0.12.0/24', 'Private-Subnet-2', 'Application', n.private2);
  subnet(b.subnets.database1, '10.0.21.0/24', 'Database-Subnet-1', 'Database', 'aclassoc-0a1b2c3d4e5f6b001');
  subnet(b.subnets.database2, '10.0.22.0/24', 'Database-Subnet-2', 'Database', 'aclassoc-0a1b2c3d4e5f6b002');

  // The database tier's network ACL: only the VPC in and out (the default ACL stays open for the web tier).
  const dbAcl = account.createNetworkAcl(vpc, { networkAclId: b.networkAcls.database, tags: { Name: 'Database-NACL', Tier: 'Database' } });
  const vpcOnly = { protocol: '-1', cidrIpv4: b.vpcCidr, ruleAction: 'allow' as const, ruleNumber: 100 };
  account.createNetworkAclEntry(dbAcl, { ...vpcOnly, egress: false });
  account.createNetworkAclEntry(dbAcl, { ...vpcOnly, egress: true });
  account.replaceNetworkAclAssociation('aclassoc-0a1b2c3d4e5f6b001', dbAcl, { newAssociationId: n.database1 });
  account.replaceNetworkAclAssociation('aclassoc-0a1b2c3d4e5f6b002', dbAcl, { newAssociationId: n.database2 });

  const igw = account.createInternetGateway({ internetGatewayId: b.internetGatewayId, vpcId: vpc });
  const nat = account.createNatGateway(b.subnets.public1, { natGatewayId: b.natGatewayId });

  const table = (id: string, name: string, tags: Record<string, string> = {}) =>
    account.createRouteTable(vpc, { routeTableId: id, tags: { Name: name, ...tags } });
  table(b.routeTables.public, 'Public-Route-Table', { Tier: 'Web' });
  table(b.routeTables.private, 'Private-Route-Table', { Tier: 'Application' });
  table(b.routeTables.database, 'Database-Route-Table', { Tier: 'Database' });
  account.createRoute(b.routeTables.public, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: igw });
  account.createRoute(b.routeTables.private, { cidrIpv4: '0.0.0.0/0' }, { natGatewayId: nat });
  const a = b.associations;
  account.associateRouteTable(b.routeTables.public, b.subnets.public1, { associationId: a.public1 });
  account.associateRouteTable(b.routeTables.public, b.subnets.public2, { associationId: a.public2 });
  account.associateRouteTable(b.routeTables.private, b.subnets.private1, { associationId: a.private1 });
  account.associateRouteTable(b.routeTables.private, b.subnets.private2, { associationId: a.private2 });
  account.associateRouteTable(b.routeTables.database, b.subnets.database1, { associationId: a.database1 });
  account.associateRouteTable(b.routeTables.database, b.subnets.database2, { associationId: a.database2 });

  account.createPrefixList('office-and-vpn', ['203.0.113.0/24', '10.8.0.0/16'], { prefixListId: b.prefixLists.office });
  account.createPrefixList('everywhere', ['0.0.0.0/0'], { prefixListId: b.prefixLists.everywhere });
  account.createPrefixList('com.amazonaws.us-east-1.s3', ['52.216.0.0/15', '3.5.0.0/19', '54.231.0.0/16'], {
    prefixListId: b.prefixLists.awsS3,
    ownerId: 'AWS',
  });

  const sg = b.securityGroups;
  account.createSecurityGroup(vpc, 'web-tier', { groupId: sg.web, tags: { Name: 'web-tier', Tier: 'Web' } });
  account.createSecurityGroup(vpc, 'app-tier', { groupId: sg.app, tags: { Name: 'app-tier', Tier: 'Application' } });
  account.createSecurityGroup(vpc, 'db-tier', { groupId: sg.db, tags: { Name: 'db-tier', Tier: 'Database' } });
  account.createSecurityGroup(vpc, 'vendor-load-test', {
    groupId: sg.exempt,
    // Valid from `now` for 30 days: within the policy's default cap (90 days).
    tags: { Name: 'vendor-load-test', 'layerguard:exempt': `until=${dayFrom(now, 30)};reason=vendor load test` },
  });
  const r = b.rules;
  account.authorizeIngress(
    sg.web,
    [
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidrIpv4: '0.0.0.0/0', description: 'HTTP from the internet' },
      { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '0.0.0.0/0', description: 'HTTPS from the internet' },
    ],
    { ruleIds: [r.webHttp, r.webHttps] },
  );
  account.authorizeIngress(
    sg.app,
    [
      { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: sg.web, description: 'from the web tier' },
      { protocol: 'tcp', fromPort: 8443, toPort: 8443, cidrIpv4: '10.0.11.0/24', description: 'admin from the private subnet' },
    ],
    { ruleIds: [r.appFromWeb, r.appAdmin] },
  );
  account.authorizeIngress(
    sg.db,
    [{ protocol: 'tcp', fromPort: 3306, toPort: 3306, referencedGroupId: sg.app, description: 'MySQL from the app tier' }],
    { ruleIds: [r.dbFromApp] },
  );
  const allOut = [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }];
  account.authorizeEgress(sg.web, allOut, { ruleIds: [r.webEgress] });
  account.authorizeEgress(sg.app, allOut, { ruleIds: [r.appEgress] });
  account.authorizeEgress(sg.db, allOut, { ruleIds: [r.dbEgress] });
  account.authorizeEgress(sg.exempt, allOut, { ruleIds: [r.exemptEgress] });
  return account;
}

/** A fresh simulated account holding the three-tier baseline; its exemption is valid from `now` (the clock it is judged by). */
export const threeTierAccount = (now: Date = new Date()): SimulatedAccount => seedThreeTier(new SimulatedAccount(), now);
