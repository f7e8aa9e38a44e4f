import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  AttachInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  AssociateRouteTableCommand,
  type EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_REMEDIATORS } from '../../events/simulated-account/engine.js';
import { ec2Client, resetClients } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { type Policy, parsePolicy } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * Spellings and request forms through the real pipeline and the EC2 adapter, over real HTTP against
 * moto 5.2. Where moto differs from EC2 (probed):
 * - moto stores a CIDR as given (`10.9.9.9/0` stays `10.9.9.9/0`, and a later CreateRoute in that
 *   table fails with a 500 when moto re-parses it strictly); EC2 stores the canonical form (the SDK's
 *   model: IpRange.CidrIp, models_0.d.ts; CreateRouteRequest.DestinationCidrBlock, models_2.d.ts). So
 *   both are tried: the call made with the caller's spelling (moto's store), and with EC2's stored
 *   form while the record keeps the caller's spelling (EC2's store).
 * - moto drops a NAT gateway id given in GatewayId (the route has no target); EC2 stores a NAT route.
 *   The route is made as EC2 stores it (NatGatewayId) and the record keeps gatewayId.
 */

const endpoint = motoEndpoint();
const unique = () => `lg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let counter = 0;

function event(eventName: string, requestParameters: unknown, responseElements: unknown = { _return: true }) {
  counter += 1;
  return {
    version: '0',
    id: `eb-${unique()}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', accountId: '123456789012', userName: 'alice' },
      eventTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      eventSource: 'ec2.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      sourceIPAddress: '203.0.113.24',
      userAgent: 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5',
      requestParameters,
      responseElements,
      eventID: `spelling-${counter}-${unique()}`,
      eventType: 'AwsApiCall',
      recipientAccountId: '123456789012',
    },
  };
}

describe.skipIf(!endpoint)(`spellings and request forms against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let client: EC2Client;
  const engineFor = (policy: Policy) =>
    createEngine({
      network: createEc2Network(client),
      channels: [],
      makeStore: () => new MemoryIdempotencyStore(),
      policy,
      clock: () => new Date(),
      remediators: ALL_REMEDIATORS,
    });
  const DEFAULT = parsePolicy({});
  const NAT_FORBIDDEN = parsePolicy({ isolated: { forbiddenTargets: ['internet-gateway', 'nat-gateway'] } });

  beforeAll(() => {
    resetClients();
    client = ec2Client();
  });
  afterAll(() => {
    client?.destroy();
    resetClients();
  });

  const newVpc = async (cidr = '10.40.0.0/16') =>
    (await client.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
  const newGroup = async (vpcId: string) =>
    (await client.send(new CreateSecurityGroupCommand({ GroupName: unique(), Description: 'app', VpcId: vpcId }))).GroupId as string;
  const ingress = async (groupId: string) =>
    ((await client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] })))
      .SecurityGroupRules ?? []).filter((r) => !r.IsEgress);

  describe('AuthorizeSecurityGroupIngress, the flat form', () => {
    it.each([
      ['0.0.0.0/0', '0.0.0.0/0'],
      // moto keeps the host bits; the pipeline matches the live rule by network.
      ['10.9.9.9/0', '10.9.9.9/0'],
    ])('CidrIp %s, no rule set in the record: the live rule is found and revoked', async (cidr, stored) => {
      const groupId = await newGroup(await newVpc());
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: cidr }),
      );
      expect((await ingress(groupId)).map((r) => r.CidrIpv4)).toEqual([stored]);
      const record = event('AuthorizeSecurityGroupIngress', {
        groupId,
        ipPermissions: {},
        ipProtocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        cidrIp: cidr,
      });
      const outcome = await engineFor(DEFAULT).handle(record);
      expect(outcome.outcome).toBe('remediated');
      expect(await ingress(groupId)).toEqual([]);
    });

    it('CidrIp 10.9.9.9/0 where the group holds the rule as EC2 stores it (0.0.0.0/0): matched by network', async () => {
      const groupId = await newGroup(await newVpc());
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, CidrIp: '0.0.0.0/0' }),
      );
      const record = event('AuthorizeSecurityGroupIngress', {
        groupId,
        ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 3389, toPort: 3389, ipRanges: { items: [{ cidrIp: '10.9.9.9/0' }] } }] },
      });
      expect((await engineFor(DEFAULT).handle(record)).outcome).toBe('remediated');
      expect(await ingress(groupId)).toEqual([]);
    });

    it('private IPv6 (fd00::/8) is not the internet: nothing is revoked', async () => {
      const groupId = await newGroup(await newVpc());
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Ipv6Ranges: [{ CidrIpv6: 'fd00::/8' }] }],
        }),
      );
      const record = event('AuthorizeSecurityGroupIngress', {
        groupId,
        ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipv6Ranges: { items: [{ cidrIpv6: 'fd00::/8' }] } }] },
      });
      expect((await engineFor(DEFAULT).handle(record)).outcome).toBe('ignored');
      expect((await ingress(groupId)).map((r) => r.CidrIpv6)).toEqual(['fd00::/8']);
    });
  });

  it("a record naming only groupName 'default' is judged on the default VPC's group, not refused as ambiguous", async () => {
    await newVpc(); // another VPC, with its own group named 'default'
    const [vpc] = (await client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs ?? [];
    const [group] =
      (await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }, { Name: 'vpc-id', Values: [vpc?.VpcId as string] }] })))
        .SecurityGroups ?? [];
    const groupId = group?.GroupId as string;
    const port = 40000 + Math.floor(Math.random() * 20000); // the default VPC is shared by every test file
    await client.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupName: 'default', IpProtocol: 'tcp', FromPort: port, ToPort: port, CidrIp: '0.0.0.0/0' }),
    );
    const open = async () => (await ingress(groupId)).filter((r) => r.FromPort === port);
    expect(await open()).toHaveLength(1);
    const record = event('AuthorizeSecurityGroupIngress', {
      groupName: 'default',
      ipPermissions: {},
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      cidrIp: '0.0.0.0/0',
    });
    try {
      const outcome = await engineFor(DEFAULT).handle(record);
      expect(outcome.outcome).toBe('remediated');
      expect(outcome.resources).toEqual([groupId]);
      expect(await open()).toEqual([]);
    } finally {
      const left = (await open()).map((r) => r.SecurityGroupRuleId as string);
      if (left.length > 0) await client.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: left }));
    }
  });

  describe('CreateRoute on an isolated table', () => {
    async function isolatedTable() {
      const vpcId = await newVpc('10.41.0.0/16');
      const subnetId = (await client.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.41.3.0/24' }))).Subnet?.SubnetId as string;
      await client.send(new CreateTagsCommand({ Resources: [subnetId], Tags: [{ Key: 'Tier', Value: 'Database' }] }));
      const routeTableId = (await client.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable?.RouteTableId as string;
      await client.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
      const igw = (await client.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId as string;
      await client.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
      return { vpcId, routeTableId, igw };
    }
    const routes = async (routeTableId: string) =>
      ((await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0]?.Routes ?? []).filter(
        (r) => r.GatewayId !== 'local',
      );

    it.each([
      ['as moto stores it (10.9.9.9/0)', '10.9.9.9/0'],
      ['as EC2 stores it (0.0.0.0/0)', '0.0.0.0/0'],
    ])('10.9.9.9/0 -> igw, the route held %s: deleted', async (_name, stored) => {
      const { routeTableId, igw } = await isolatedTable();
      await client.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: stored, GatewayId: igw }));
      const record = event('CreateRoute', { routeTableId, destinationCidrBlock: '10.9.9.9/0', gatewayId: igw });
      const outcome = await engineFor(DEFAULT).handle(record);
      expect(outcome.outcome).toBe('remediated');
      // The delete names the destination as the table holds it.
      expect(outcome.actions).toEqual([expect.objectContaining({ type: 'delete-route', destination: { cidrIpv4: stored } })]);
      expect(await routes(routeTableId)).toEqual([]);
    });

    it('a NAT gateway id in gatewayId, stored as a NAT route: deleted when NAT gateways are forbidden', async () => {
      const { vpcId, routeTableId } = await isolatedTable();
      const publicSubnet = (await client.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.41.9.0/24' }))).Subnet?.SubnetId as string;
      const allocation = (await client.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId as string;
      const nat = (await client.send(new CreateNatGatewayCommand({ SubnetId: publicSubnet, AllocationId: allocation }))).NatGateway
        ?.NatGatewayId as string;
      await client.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat }));
      const record = event('CreateRoute', { routeTableId, destinationCidrBlock: '0.0.0.0/0', gatewayId: nat });
      expect((await engineFor(NAT_FORBIDDEN).handle(record)).outcome).toBe('remediated');
      expect(await routes(routeTableId)).toEqual([]);
    });
  });
});
