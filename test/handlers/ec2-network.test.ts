import 'aws-sdk-client-mock-vitest/extend';
import {
  AssociateRouteTableCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type NetworkAcl as Ec2NetworkAcl,
  ReplaceNetworkAclAssociationCommand,
  ReplaceRouteTableAssociationCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEc2Network, errorCode, isRetryable, toAwsCallError } from '../../functions/adapters/ec2-network.js';
import { AwsCallError, LayerGuardError } from '../../functions/core/errors.js';
import type { LoadBalancer } from '../../functions/core/network.js';

const ec2Mock = mockClient(EC2Client);
afterEach(() => ec2Mock.reset());

const network = () => createEc2Network(new EC2Client({}));

/** An error shaped like the SDK's EC2 errors: the code is the `name` (and `Code`). */
const ec2Error = (code: string, status = 400, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${code} message`), {
    name: code,
    Code: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...extra,
  });

const inputs = <T>(command: T) =>
  ec2Mock.commandCalls(command as never).map((c) => (c.args[0] as { input: unknown }).input);

const sdkGroup = {
  GroupId: 'sg-1',
  GroupName: 'web',
  VpcId: 'vpc-1',
  Description: 'web tier',
  Tags: [{ Key: 'Tier', Value: 'Web' }],
  IpPermissions: [],
};

describe('getSecurityGroup', () => {
  it('describes by GroupIds and maps without undefined fields', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [sdkGroup] });

    const group = await network().getSecurityGroup({ groupId: 'sg-1' });

    expect(group).toStrictEqual({ groupId: 'sg-1', groupName: 'web', vpcId: 'vpc-1', tags: { Tier: 'Web' } });
    expect(inputs(DescribeSecurityGroupsCommand)).toEqual([{ GroupIds: ['sg-1'] }]);
  });

  it('describes by group-name and vpc-id filters', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [sdkGroup] });

    await network().getSecurityGroup({ groupName: 'web', vpcId: 'vpc-1' });

    expect(inputs(DescribeSecurityGroupsCommand)).toEqual([
      {
        Filters: [
          { Name: 'group-name', Values: ['web'] },
          { Name: 'vpc-id', Values: ['vpc-1'] },
        ],
      },
    ]);
  });

  it('describes by group-name alone, and refuses an ambiguous name when there is no default VPC', async () => {
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [sdkGroup, { ...sdkGroup, GroupId: 'sg-2', VpcId: 'vpc-2' }] });

    await expect(network().getSecurityGroup({ groupName: 'web' })).rejects.toThrow(/ambiguous/);
    expect(inputs(DescribeVpcsCommand)).toEqual([{ Filters: [{ Name: 'is-default', Values: ['true'] }] }]);
    expect(inputs(DescribeSecurityGroupsCommand)).toEqual([
      { Filters: [{ Name: 'group-name', Values: ['web'] }] },
    ]);
  });

  it('resolves a name without a VPC in the default VPC, as EC2 does', async () => {
    // EC2: GroupName is "[Default VPC] The name of the security group" (AuthorizeSecurityGroupIngressRequest, models_0.d.ts).
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default', IsDefault: true }] });
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ ...sdkGroup, GroupName: 'default', VpcId: 'vpc-default' }] });

    expect((await network().getSecurityGroup({ groupName: 'default' }))?.vpcId).toBe('vpc-default');
    expect(inputs(DescribeSecurityGroupsCommand)).toEqual([
      {
        Filters: [
          { Name: 'group-name', Values: ['default'] },
          { Name: 'vpc-id', Values: ['vpc-default'] },
        ],
      },
    ]);
  });

  it('keeps only the exact name from the group-name filter, which takes wildcards (* and ?)', async () => {
    // What EC2 answers for Filters group-name=web* in a VPC with groups "web*" and "web-1" (filter
    // values are globs: "Filter" in the EC2 API reference; test/integration/ec2-network.test.ts on moto).
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { ...sdkGroup, GroupId: 'sg-2', GroupName: 'web-1' },
        { ...sdkGroup, GroupName: 'web*' },
      ],
    });
    expect(await network().getSecurityGroup({ groupName: 'web*', vpcId: 'vpc-1' })).toStrictEqual({
      groupId: 'sg-1',
      groupName: 'web*',
      vpcId: 'vpc-1',
      tags: { Tier: 'Web' },
    });
  });

  it('maps a group without VPC or tags', async () => {
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ GroupId: 'sg-9', GroupName: 'x' }] });
    expect(await network().getSecurityGroup({ groupId: 'sg-9' })).toStrictEqual({
      groupId: 'sg-9',
      groupName: 'x',
      tags: {},
    });
  });

  it('answers undefined for InvalidGroup.NotFound, an empty answer, or a group in another VPC', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).rejectsOnce(ec2Error('InvalidGroup.NotFound'));
    expect(await network().getSecurityGroup({ groupId: 'sg-1' })).toBeUndefined();

    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    expect(await network().getSecurityGroup({ groupName: 'nope' })).toBeUndefined();

    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [sdkGroup] });
    expect(await network().getSecurityGroup({ groupId: 'sg-1', vpcId: 'vpc-other' })).toBeUndefined();
  });

  it('needs an id or a name', async () => {
    await expect(network().getSecurityGroup({})).rejects.toBeInstanceOf(LayerGuardError);
    expect(ec2Mock).not.toHaveReceivedAnyCommand();
  });

  it('turns other errors into AwsCallError with the EC2 code', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error('UnauthorizedOperation', 403));

    const error = await network()
      .getSecurityGroup({ groupId: 'sg-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      operation: 'DescribeSecurityGroups',
      code: 'UnauthorizedOperation',
      retryable: false,
    });
  });
});

describe('listRules', () => {
  it('filters by group-id, follows NextToken and maps every field', async () => {
    ec2Mock
      .on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({
        SecurityGroupRules: [
          {
            SecurityGroupRuleId: 'sgr-1',
            GroupId: 'sg-1',
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            CidrIpv4: '0.0.0.0/0',
            Description: 'ssh',
            Tags: [],
          },
        ],
        NextToken: 't-2',
      })
      .resolvesOnce({
        SecurityGroupRules: [
          {
            SecurityGroupRuleId: 'sgr-2',
            GroupId: 'sg-1',
            IsEgress: true,
            IpProtocol: '-1',
            FromPort: -1,
            ToPort: -1,
            CidrIpv6: '::/0',
          },
          {
            SecurityGroupRuleId: 'sgr-3',
            GroupId: 'sg-1',
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            ReferencedGroupInfo: { GroupId: 'sg-app', UserId: '111122223333' },
          },
          {
            SecurityGroupRuleId: 'sgr-4',
            GroupId: 'sg-1',
            IsEgress: false,
            IpProtocol: 'tcp',
            PrefixListId: 'pl-1',
          },
        ],
      });

    const rules = await network().listRules('sg-1');

    expect(rules).toStrictEqual([
      {
        ruleId: 'sgr-1',
        groupId: 'sg-1',
        isEgress: false,
        protocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        cidrIpv4: '0.0.0.0/0',
        description: 'ssh',
      },
      {
        ruleId: 'sgr-2',
        groupId: 'sg-1',
        isEgress: true,
        protocol: '-1',
        fromPort: -1,
        toPort: -1,
        cidrIpv6: '::/0',
      },
      {
        ruleId: 'sgr-3',
        groupId: 'sg-1',
        isEgress: false,
        protocol: 'tcp',
        fromPort: 5432,
        toPort: 5432,
        referencedGroupId: 'sg-app',
      },
      { ruleId: 'sgr-4', groupId: 'sg-1', isEgress: false, protocol: 'tcp', prefixListId: 'pl-1' },
    ]);
    expect(inputs(DescribeSecurityGroupRulesCommand)).toEqual([
      { Filters: [{ Name: 'group-id', Values: ['sg-1'] }], MaxResults: 1000 },
      { Filters: [{ Name: 'group-id', Values: ['sg-1'] }], MaxResults: 1000, NextToken: 't-2' },
    ]);
  });

  it('stops on a repeated NextToken instead of looping', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [], NextToken: 'same' });
    await expect(network().listRules('sg-1')).rejects.toMatchObject({ code: 'RepeatedNextToken' });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 2);
  });

  it('wraps a throttling error as retryable', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).rejects(ec2Error('RequestLimitExceeded', 503));
    await expect(network().listRules('sg-1')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'DescribeSecurityGroupRules',
      code: 'RequestLimitExceeded',
      retryable: true,
    });
  });
});

describe('revokeIngress', () => {
  it('revokes by GroupId and SecurityGroupRuleIds only, confirming from RevokedSecurityGroupRules', async () => {
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({
      Return: true,
      RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-1' }, { SecurityGroupRuleId: 'sgr-2' }],
    });

    const result = await network().revokeIngress('sg-1', ['sgr-1', 'sgr-2']);

    expect(result).toStrictEqual({ result: 'done', confirmedRuleIds: ['sgr-1', 'sgr-2'] });
    expect(inputs(RevokeSecurityGroupIngressCommand)).toEqual([
      { GroupId: 'sg-1', SecurityGroupRuleIds: ['sgr-1', 'sgr-2'] },
    ]);
  });

  it('leaves confirmedRuleIds out when the response does not list the rules', async () => {
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    expect(await network().revokeIngress('sg-1', ['sgr-1'])).toStrictEqual({ result: 'done' });
  });

  it.each(['InvalidSecurityGroupRuleId.NotFound', 'InvalidPermission.NotFound', 'InvalidGroup.NotFound'])(
    '%s -> already-gone',
    async (code) => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error(code));
      expect(await network().revokeIngress('sg-1', ['sgr-1'])).toStrictEqual({ result: 'already-gone' });
    },
  );

  it('retries one by one when one of several rule ids is gone, so the others are still revoked', async () => {
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-gone', 'sgr-open'] })
      .rejects(ec2Error('InvalidSecurityGroupRuleId.NotFound'))
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-gone'] })
      .rejects(ec2Error('InvalidSecurityGroupRuleId.NotFound'))
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-open'] })
      .resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-open' }] });

    const result = await network().revokeIngress('sg-1', ['sgr-gone', 'sgr-open']);

    expect(result).toStrictEqual({ result: 'done', confirmedRuleIds: ['sgr-open'] });
    expect(inputs(RevokeSecurityGroupIngressCommand)).toEqual([
      { GroupId: 'sg-1', SecurityGroupRuleIds: ['sgr-gone', 'sgr-open'] },
      { GroupId: 'sg-1', SecurityGroupRuleIds: ['sgr-gone'] },
      { GroupId: 'sg-1', SecurityGroupRuleIds: ['sgr-open'] },
    ]);
  });

  it('answers already-gone when every rule of several is gone', async () => {
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InvalidPermission.NotFound'));
    expect(await network().revokeIngress('sg-1', ['sgr-1', 'sgr-2'])).toStrictEqual({
      result: 'already-gone',
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 3);
  });

  it('does not call EC2 for an empty list', async () => {
    expect(await network().revokeIngress('sg-1', [])).toStrictEqual({ result: 'done', confirmedRuleIds: [] });
    expect(ec2Mock).not.toHaveReceivedAnyCommand();
  });

  it('treats Return=false as a failure', async () => {
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: false });
    await expect(network().revokeIngress('sg-1', ['sgr-1'])).rejects.toMatchObject({
      name: 'AwsCallError',
      code: 'ReturnFalse',
    });
  });

  it('treats UnknownIpPermissions as a failure', async () => {
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand)
      .resolves({ Return: true, UnknownIpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }] });
    await expect(network().revokeIngress('sg-1', ['sgr-1'])).rejects.toMatchObject({
      code: 'UnknownIpPermissions',
    });
  });

  it('turns other errors into AwsCallError', async () => {
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InternalError', 500));
    await expect(network().revokeIngress('sg-1', ['sgr-1'])).rejects.toMatchObject({
      operation: 'RevokeSecurityGroupIngress',
      code: 'InternalError',
      retryable: true,
    });
  });
});

const sdkTable = {
  RouteTableId: 'rtb-1',
  VpcId: 'vpc-1',
  OwnerId: '111122223333',
  Tags: [{ Key: 'Name', Value: 'db' }],
  Routes: [
    {
      DestinationCidrBlock: '10.0.0.0/16',
      GatewayId: 'local',
      Origin: 'CreateRouteTable' as const,
      State: 'active' as const,
    },
    {
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: 'igw-1',
      Origin: 'CreateRoute' as const,
      State: 'active' as const,
    },
    {
      DestinationIpv6CidrBlock: '::/0',
      EgressOnlyInternetGatewayId: 'eigw-1',
      Origin: 'CreateRoute' as const,
      State: 'blackhole' as const,
    },
    {
      DestinationPrefixListId: 'pl-s3',
      GatewayId: 'vpce-1',
      Origin: 'CreateRoute' as const,
      State: 'active' as const,
    },
    {
      DestinationCidrBlock: '192.168.0.0/16',
      TransitGatewayId: 'tgw-1',
      Origin: 'Advertisement' as const,
      State: 'filtered' as const,
    },
  ],
  Associations: [
    {
      Main: false,
      RouteTableAssociationId: 'rtbassoc-1',
      RouteTableId: 'rtb-1',
      SubnetId: 'subnet-1',
      AssociationState: { State: 'associated' as const },
    },
    {
      Main: true,
      RouteTableAssociationId: 'rtbassoc-main',
      RouteTableId: 'rtb-1',
      AssociationState: { State: 'associated' as const },
    },
    {
      Main: false,
      RouteTableAssociationId: 'rtbassoc-old',
      RouteTableId: 'rtb-1',
      SubnetId: 'subnet-2',
      AssociationState: { State: 'disassociated' as const },
    },
    {
      // RouteTableAssociationStateCode (the SDK's model) also has `failed`: an association that never
      // took effect, so the subnet is not on this table.
      Main: false,
      RouteTableAssociationId: 'rtbassoc-failed',
      RouteTableId: 'rtb-1',
      SubnetId: 'subnet-3',
      AssociationState: { State: 'failed' as const },
    },
  ],
};

const domainTable = {
  routeTableId: 'rtb-1',
  vpcId: 'vpc-1',
  tags: { Name: 'db' },
  routes: [
    { cidrIpv4: '10.0.0.0/16', gatewayId: 'local', origin: 'CreateRouteTable', state: 'active' },
    { cidrIpv4: '0.0.0.0/0', gatewayId: 'igw-1', origin: 'CreateRoute', state: 'active' },
    { cidrIpv6: '::/0', egressOnlyInternetGatewayId: 'eigw-1', origin: 'CreateRoute', state: 'blackhole' },
    { prefixListId: 'pl-s3', vpcEndpointId: 'vpce-1', origin: 'CreateRoute', state: 'active' },
    { cidrIpv4: '192.168.0.0/16', transitGatewayId: 'tgw-1' },
  ],
  associations: [
    { associationId: 'rtbassoc-1', routeTableId: 'rtb-1', main: false, subnetId: 'subnet-1' },
    { associationId: 'rtbassoc-main', routeTableId: 'rtb-1', main: true },
  ],
};

describe('getRouteTable', () => {
  it('describes by RouteTableIds and maps routes and live associations', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [sdkTable] });

    expect(await network().getRouteTable('rtb-1')).toStrictEqual(domainTable);
    expect(inputs(DescribeRouteTablesCommand)).toEqual([{ RouteTableIds: ['rtb-1'] }]);
  });

  it('answers undefined for InvalidRouteTableID.NotFound', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).rejects(ec2Error('InvalidRouteTableID.NotFound'));
    expect(await network().getRouteTable('rtb-1')).toBeUndefined();
  });

  it('turns other errors into AwsCallError', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).rejects(ec2Error('InvalidRouteTableId.Malformed'));
    await expect(network().getRouteTable('rtb-x')).rejects.toMatchObject({
      code: 'InvalidRouteTableId.Malformed',
      retryable: false,
    });
  });
});

describe('listRouteTables and pageRouteTables', () => {
  it('filter by vpc-id and follow NextToken', async () => {
    ec2Mock
      .on(DescribeRouteTablesCommand)
      .resolvesOnce({ RouteTables: [sdkTable], NextToken: 'n2' })
      .resolvesOnce({
        RouteTables: [{ ...sdkTable, RouteTableId: 'rtb-2', Routes: [], Associations: [], Tags: [] }],
      });

    const tables = await network().listRouteTables('vpc-1');

    expect(tables.map((t) => t.routeTableId)).toEqual(['rtb-1', 'rtb-2']);
    expect(inputs(DescribeRouteTablesCommand)).toEqual([
      { MaxResults: 100, Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }] },
      { MaxResults: 100, Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }], NextToken: 'n2' },
    ]);
  });

  it('pages every route table of the account without a filter', async () => {
    ec2Mock
      .on(DescribeRouteTablesCommand)
      .resolvesOnce({ RouteTables: [sdkTable], NextToken: 'n2' })
      .resolvesOnce({ RouteTables: [] });

    const pages: string[][] = [];
    for await (const page of network().pageRouteTables()) pages.push(page.map((t) => t.routeTableId));

    expect(pages).toEqual([['rtb-1'], []]);
    expect(inputs(DescribeRouteTablesCommand)).toStrictEqual([
      { MaxResults: 100 },
      { MaxResults: 100, NextToken: 'n2' },
    ]);
  });
});

describe('pageSecurityGroups', () => {
  it('pages with an optional vpc-id filter', async () => {
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [sdkGroup], NextToken: 'p2' })
      .resolvesOnce({ SecurityGroups: [{ ...sdkGroup, GroupId: 'sg-2', Tags: undefined }] });

    const pages = [];
    for await (const page of network().pageSecurityGroups({ vpcId: 'vpc-1' })) pages.push(page);

    expect(pages).toStrictEqual([
      [{ groupId: 'sg-1', groupName: 'web', vpcId: 'vpc-1', tags: { Tier: 'Web' } }],
      [{ groupId: 'sg-2', groupName: 'web', vpcId: 'vpc-1', tags: {} }],
    ]);
    expect(inputs(DescribeSecurityGroupsCommand)).toEqual([
      { MaxResults: 1000, Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }] },
      { MaxResults: 1000, Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }], NextToken: 'p2' },
    ]);
  });

  it('pages the whole account without a filter', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    for await (const _ of network().pageSecurityGroups()) {
      // drain
    }
    expect(inputs(DescribeSecurityGroupsCommand)).toStrictEqual([{ MaxResults: 1000 }]);
  });

  it('wraps errors while paging', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error('RequestLimitExceeded', 503));
    const drain = async () => {
      for await (const _ of network().pageSecurityGroups()) {
        // drain
      }
    };
    await expect(drain()).rejects.toMatchObject({ operation: 'DescribeSecurityGroups', retryable: true });
  });
});

describe('listSubnets', () => {
  it('filters by vpc-id, follows NextToken and maps', async () => {
    ec2Mock
      .on(DescribeSubnetsCommand)
      .resolvesOnce({
        Subnets: [
          {
            SubnetId: 'subnet-1',
            VpcId: 'vpc-1',
            CidrBlock: '10.0.1.0/24',
            Tags: [{ Key: 'Tier', Value: 'Database' }],
          },
        ],
        NextToken: 's2',
      })
      .resolvesOnce({ Subnets: [{ SubnetId: 'subnet-2', VpcId: 'vpc-1' }] });

    expect(await network().listSubnets('vpc-1')).toStrictEqual([
      { subnetId: 'subnet-1', vpcId: 'vpc-1', cidrIpv4: '10.0.1.0/24', tags: { Tier: 'Database' } },
      { subnetId: 'subnet-2', vpcId: 'vpc-1', tags: {} },
    ]);
    expect(inputs(DescribeSubnetsCommand)).toEqual([
      { Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }], MaxResults: 1000 },
      { Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }], MaxResults: 1000, NextToken: 's2' },
    ]);
  });

  it('keeps only the associated IPv6 blocks (the SDK’s SubnetIpv6CidrBlockAssociation, SubnetCidrBlockStateCode)', async () => {
    const block = (Ipv6CidrBlock: string | undefined, State: 'associated' | 'associating' | 'disassociating' | 'disassociated' | 'failed' | undefined) => ({
      AssociationId: 'subnet-cidr-assoc-1',
      ...(Ipv6CidrBlock ? { Ipv6CidrBlock } : {}),
      ...(State ? { Ipv6CidrBlockState: { State } } : {}),
    });
    ec2Mock.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        {
          SubnetId: 'subnet-1',
          VpcId: 'vpc-1',
          CidrBlock: '10.0.1.0/24',
          Ipv6CidrBlockAssociationSet: [
            block('2001:db8:0:1::/64', 'associated'),
            block('2001:db8:0:2::/64', 'associating'),
            block('2001:db8:0:3::/64', 'disassociating'),
            block('2001:db8:0:4::/64', undefined),
            block(undefined, 'associated'),
            block('2001:db8:0:5::/64', 'associated'),
          ],
        },
        { SubnetId: 'subnet-2', VpcId: 'vpc-1', Ipv6CidrBlockAssociationSet: [block('2001:db8:0:9::/64', 'disassociated')] },
      ],
    });
    expect(await network().listSubnets('vpc-1')).toStrictEqual([
      { subnetId: 'subnet-1', vpcId: 'vpc-1', cidrIpv4: '10.0.1.0/24', cidrIpv6: ['2001:db8:0:1::/64', '2001:db8:0:5::/64'], tags: {} },
      { subnetId: 'subnet-2', vpcId: 'vpc-1', tags: {} },
    ]);
  });
});

describe('deleteRoute', () => {
  it.each([
    [{ cidrIpv4: '0.0.0.0/0' }, { RouteTableId: 'rtb-1', DestinationCidrBlock: '0.0.0.0/0' }],
    [{ cidrIpv6: '::/0' }, { RouteTableId: 'rtb-1', DestinationIpv6CidrBlock: '::/0' }],
    [{ prefixListId: 'pl-1' }, { RouteTableId: 'rtb-1', DestinationPrefixListId: 'pl-1' }],
  ])('deletes %j with exactly %j', async (destination, expected) => {
    ec2Mock.on(DeleteRouteCommand).resolves({});
    expect(await network().deleteRoute('rtb-1', destination)).toBe('done');
    expect(inputs(DeleteRouteCommand)).toEqual([expected]);
  });

  it.each(['InvalidRoute.NotFound', 'InvalidRouteTableID.NotFound'])('%s -> already-gone', async (code) => {
    ec2Mock.on(DeleteRouteCommand).rejects(ec2Error(code));
    expect(await network().deleteRoute('rtb-1', { cidrIpv4: '0.0.0.0/0' })).toBe('already-gone');
  });

  it.each([[{}], [{ cidrIpv4: '' }], [{ cidrIpv4: '  ' }], [{ cidrIpv4: '0.0.0.0/0', cidrIpv6: '::/0' }]])(
    'refuses the destination %j without calling EC2',
    async (destination) => {
      await expect(network().deleteRoute('rtb-1', destination)).rejects.toThrow(/refusing to delete a route/);
      expect(ec2Mock).not.toHaveReceivedAnyCommand();
    },
  );

  it('turns other errors into AwsCallError', async () => {
    ec2Mock.on(DeleteRouteCommand).rejects(ec2Error('InvalidParameterValue'));
    await expect(network().deleteRoute('rtb-1', { cidrIpv4: '10.0.0.0/16' })).rejects.toMatchObject({
      operation: 'DeleteRoute',
      code: 'InvalidParameterValue',
    });
  });
});

describe('replaceRouteTableAssociation', () => {
  it('replaces and returns the new association id', async () => {
    ec2Mock.on(ReplaceRouteTableAssociationCommand).resolves({ NewAssociationId: 'rtbassoc-new' });

    expect(await network().replaceRouteTableAssociation('rtbassoc-1', 'rtb-db')).toStrictEqual({
      result: 'done',
      newAssociationId: 'rtbassoc-new',
    });
    expect(inputs(ReplaceRouteTableAssociationCommand)).toEqual([
      { AssociationId: 'rtbassoc-1', RouteTableId: 'rtb-db' },
    ]);
  });

  it('InvalidAssociationID.NotFound -> already-gone', async () => {
    ec2Mock.on(ReplaceRouteTableAssociationCommand).rejects(ec2Error('InvalidAssociationID.NotFound'));
    expect(await network().replaceRouteTableAssociation('rtbassoc-1', 'rtb-db')).toStrictEqual({
      result: 'already-gone',
    });
  });

  it('turns other errors into AwsCallError', async () => {
    ec2Mock.on(ReplaceRouteTableAssociationCommand).rejects(ec2Error('InvalidRouteTableID.NotFound'));
    await expect(network().replaceRouteTableAssociation('rtbassoc-1', 'rtb-gone')).rejects.toMatchObject({
      code: 'InvalidRouteTableID.NotFound',
    });
  });
});

describe('error classification', () => {
  it.each([
    ['RequestLimitExceeded', 400, {}, true],
    ['Throttling', 400, {}, true],
    ['InternalError', 500, {}, true],
    ['Unavailable', 503, {}, true],
    ['TimeoutError', 0, {}, true],
    ['AnyCode', 429, {}, true],
    ['Whatever', 400, { $retryable: { throttling: false } }, true],
    ['UnauthorizedOperation', 403, {}, false],
    ['InvalidParameterValue', 400, {}, false],
  ])('%s (%i) retryable=%s', (code, status, extra, expected) => {
    expect(isRetryable(ec2Error(code, status, extra))).toBe(expected);
  });

  it('reads Node network errors by their code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(errorCode(error)).toBe('ECONNREFUSED');
    expect(isRetryable(error)).toBe(true);
    expect(errorCode('boom')).toBe('Unknown');
  });
});

/** Drains an async iterable, failing with its error. */
const drain = async (pages: AsyncIterable<unknown>) => {
  for await (const _ of pages) {
    // drain
  }
};

/** The operation an EC2 failure is reported under, for each call the port makes. */
const operationOf = async (act: Promise<unknown>) => ((await act.catch((e: unknown) => e)) as AwsCallError).operation;

describe('toAwsCallError', () => {
  it('keeps the SDK error\'s own message, and its code', () => {
    const error = toAwsCallError('DescribeVpcs', ec2Error('UnauthorizedOperation', 403));
    expect(error.message).toBe('DescribeVpcs failed: UnauthorizedOperation: UnauthorizedOperation message');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('describes a thrown value that is not an error object by its text', () => {
    expect(toAwsCallError('DescribeVpcs', 'socket closed').message).toBe('DescribeVpcs failed: Unknown: socket closed');
    expect(toAwsCallError('DescribeVpcs', null).message).toBe('DescribeVpcs failed: Unknown: null');
    expect(toAwsCallError('DescribeVpcs', undefined).message).toBe('DescribeVpcs failed: Unknown: undefined');
    expect(toAwsCallError('DescribeVpcs', { message: 42 }).message).toBe('DescribeVpcs failed: Unknown: [object Object]');
  });

  it('passes an AwsCallError through unchanged, keeping its operation and code', () => {
    const original = new AwsCallError('DescribeLoadBalancers', 'AccessDenied', 'no', { retryable: false });
    expect(toAwsCallError('Publish', original)).toBe(original);
  });
});

describe('names the EC2 call that failed', () => {
  it.each([
    ['DescribeVpcs', DescribeVpcsCommand, () => network().getSecurityGroup({ groupName: 'web' })],
    ['DescribeSecurityGroups', DescribeSecurityGroupsCommand, () => network().getSecurityGroup({ groupName: 'web', vpcId: 'vpc-1' })],
    ['DescribeRouteTables', DescribeRouteTablesCommand, () => network().getRouteTable('rtb-1')],
    ['DescribeRouteTables', DescribeRouteTablesCommand, () => network().listRouteTables('vpc-1')],
    ['DescribeSubnets', DescribeSubnetsCommand, () => network().getSubnet('subnet-1')],
    ['DescribeSubnets', DescribeSubnetsCommand, () => network().listSubnets('vpc-1')],
    ['ReplaceRouteTableAssociation', ReplaceRouteTableAssociationCommand, () => network().replaceRouteTableAssociation('rtbassoc-1', 'rtb-db')],
    ['AssociateRouteTable', AssociateRouteTableCommand, () => network().associateRouteTable('rtb-db', 'subnet-1')],
  ] as const)('%s', async (operation, command, act) => {
    ec2Mock.on(command as never).rejects(ec2Error('UnauthorizedOperation', 403));
    expect(await operationOf(act())).toBe(operation);
  });
});

describe('reads answers with absent lists as empty', () => {
  // Every list in an EC2 Describe answer is optional (`DescribeSecurityGroupsResult.SecurityGroups?:
  // SecurityGroup[] | undefined` in models_5.d.ts; likewise `RouteTables?`, `Subnets?`, `SecurityGroupRules?`,
  // `Vpcs?`, and `RouteTable.Routes?` / `.Associations?` in models_2.d.ts: @aws-sdk/client-ec2 dist-types/models).
  it('finds nothing in an answer that lists nothing', async () => {
    ec2Mock.on(DescribeVpcsCommand).resolves({});
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({});
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({});
    ec2Mock.on(DescribeRouteTablesCommand).resolves({});
    ec2Mock.on(DescribeSubnetsCommand).resolves({});

    expect(await network().getSecurityGroup({ groupId: 'sg-1' })).toBeUndefined();
    expect(await network().getSecurityGroup({ groupName: 'web' })).toBeUndefined();
    expect(await network().listRules('sg-1')).toStrictEqual([]);
    expect(await network().getRouteTable('rtb-1')).toBeUndefined();
    expect(await network().listRouteTables('vpc-1')).toStrictEqual([]);
    expect(await network().getSubnet('subnet-1')).toBeUndefined();
    expect(await network().listSubnets('vpc-1')).toStrictEqual([]);
    const groupPages = [];
    for await (const page of network().pageSecurityGroups()) groupPages.push(page);
    expect(groupPages).toStrictEqual([[]]);
  });

  it('maps a route table without routes, associations, tags or ids', async () => {
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [{ RouteTableId: 'rtb-1' }] });
    expect(await network().getRouteTable('rtb-1')).toStrictEqual({
      routeTableId: 'rtb-1',
      vpcId: '',
      routes: [],
      associations: [],
      tags: {},
    });
  });
});

describe('maps the fields EC2 may leave out', () => {
  it('keeps a tag without a value as empty, and drops a tag without a key', async () => {
    // Tag.Key and Tag.Value are both optional (`Tag`, models_0.d.ts).
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ GroupId: 'sg-1', Tags: [{ Key: 'Flag' }, { Value: 'orphan' }] }] });
    expect(await network().getSecurityGroup({ groupId: 'sg-1' })).toStrictEqual({
      groupId: 'sg-1',
      groupName: '',
      tags: { Flag: '' },
    });
  });

  it('keeps a route propagated from a virtual private gateway with its origin', async () => {
    // RouteOrigin: CreateRouteTable | CreateRoute | EnableVgwRoutePropagation ("propagated by route
    // propagation", `Route.Origin`, models_2.d.ts; `RouteOrigin` in enums.d.ts).
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          RouteTableId: 'rtb-1',
          VpcId: 'vpc-1',
          Routes: [{ DestinationCidrBlock: '172.16.0.0/12', GatewayId: 'vgw-1', Origin: 'EnableVgwRoutePropagation', State: 'active' }],
        },
      ],
    });
    expect((await network().getRouteTable('rtb-1'))?.routes).toStrictEqual([
      { cidrIpv4: '172.16.0.0/12', gatewayId: 'vgw-1', origin: 'EnableVgwRoutePropagation', state: 'active' },
    ]);
  });

  it('keeps an association whose state EC2 does not report', async () => {
    // RouteTableAssociation.AssociationState is optional (models_2.d.ts).
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        { RouteTableId: 'rtb-1', VpcId: 'vpc-1', Associations: [{ RouteTableAssociationId: 'rtbassoc-1', RouteTableId: 'rtb-1', SubnetId: 'subnet-1' }] },
      ],
    });
    expect((await network().getRouteTable('rtb-1'))?.associations).toStrictEqual([
      { associationId: 'rtbassoc-1', routeTableId: 'rtb-1', main: false, subnetId: 'subnet-1' },
    ]);
  });
});

describe('answers only the resource asked for', () => {
  it('ignores other groups, tables and subnets in the answer', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ ...sdkGroup, GroupId: 'sg-other' }] });
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [{ ...sdkTable, RouteTableId: 'rtb-other' }] });
    ec2Mock.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-other', VpcId: 'vpc-1' }] });

    expect(await network().getSecurityGroup({ groupId: 'sg-1' })).toBeUndefined();
    expect(await network().getRouteTable('rtb-1')).toBeUndefined();
    expect(await network().getSubnet('subnet-1')).toBeUndefined();
  });

  it('finds a group by id in the VPC it was asked in', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [sdkGroup] });
    expect(await network().getSecurityGroup({ groupId: 'sg-1', vpcId: 'vpc-1' })).toStrictEqual({
      groupId: 'sg-1',
      groupName: 'web',
      vpcId: 'vpc-1',
      tags: { Tier: 'Web' },
    });
  });

  it('answers undefined when the group of a name lookup is gone', async () => {
    ec2Mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error('InvalidGroup.NotFound'));
    expect(await network().getSecurityGroup({ groupName: 'web', vpcId: 'vpc-1' })).toBeUndefined();
  });

  it('says what it needs when given neither id nor name', async () => {
    await expect(network().getSecurityGroup({})).rejects.toThrow('getSecurityGroup needs a groupId or a groupName');
  });
});

describe('getSubnet', () => {
  it('describes by SubnetIds and maps the subnet', async () => {
    ec2Mock.on(DescribeSubnetsCommand).resolves({
      Subnets: [{ SubnetId: 'subnet-1', VpcId: 'vpc-1', CidrBlock: '10.0.1.0/24', Tags: [{ Key: 'Tier', Value: 'Database' }] }],
    });
    expect(await network().getSubnet('subnet-1')).toStrictEqual({
      subnetId: 'subnet-1',
      vpcId: 'vpc-1',
      cidrIpv4: '10.0.1.0/24',
      tags: { Tier: 'Database' },
    });
    expect(inputs(DescribeSubnetsCommand)).toStrictEqual([{ SubnetIds: ['subnet-1'] }]);
  });
});

describe('associateRouteTable', () => {
  it('associates by RouteTableId and SubnetId and returns the new association id', async () => {
    // AssociateRouteTableRequest { RouteTableId, SubnetId }, AssociateRouteTableResult.AssociationId (models_0.d.ts).
    ec2Mock.on(AssociateRouteTableCommand).resolves({ AssociationId: 'rtbassoc-new', AssociationState: { State: 'associated' } });
    expect(await network().associateRouteTable('rtb-db', 'subnet-1')).toStrictEqual({
      result: 'done',
      newAssociationId: 'rtbassoc-new',
    });
    expect(inputs(AssociateRouteTableCommand)).toStrictEqual([{ RouteTableId: 'rtb-db', SubnetId: 'subnet-1' }]);
  });

  it('treats a subnet that already has an association as an error, not as done', async () => {
    // EC2 answers Resource.AlreadyAssociated ("Error codes for the Amazon EC2 API").
    ec2Mock.on(AssociateRouteTableCommand).rejects(ec2Error('Resource.AlreadyAssociated'));
    await expect(network().associateRouteTable('rtb-db', 'subnet-1')).rejects.toMatchObject({
      code: 'Resource.AlreadyAssociated',
    });
  });
});

describe('listLoadBalancers', () => {
  it('fails loudly without a load balancer reader, rather than answering "none"', async () => {
    const error = await network()
      .listLoadBalancers()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      operation: 'DescribeLoadBalancers',
      code: 'NoLoadBalancerReader',
      message: 'DescribeLoadBalancers failed: NoLoadBalancerReader: this network was built without a load balancer reader',
    });
  });

  it('answers what the reader reads', async () => {
    const lbs: LoadBalancer[] = [{ name: 'web', kind: 'application', internetFacing: true, vpcId: 'vpc-1', securityGroupIds: ['sg-1'] }];
    expect(await createEc2Network(new EC2Client({}), { loadBalancers: async () => lbs }).listLoadBalancers()).toBe(lbs);
  });
});

describe('revokeIngress answers', () => {
  it('gives up after one call when the group itself is gone, however many rules were asked', async () => {
    // InvalidGroup.NotFound: no rule of the group can be revoked, one by one or not.
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InvalidGroup.NotFound'));
    expect(await network().revokeIngress('sg-1', ['sgr-1', 'sgr-2'])).toStrictEqual({ result: 'already-gone' });
    expect(ec2Mock).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
  });

  it('does not ask again for a single rule that is gone', async () => {
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InvalidSecurityGroupRuleId.NotFound'));
    expect(await network().revokeIngress('sg-1', ['sgr-1'])).toStrictEqual({ result: 'already-gone' });
    expect(ec2Mock).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
  });

  it('accepts an empty UnknownIpPermissions list as "all recognised"', async () => {
    // RevokeSecurityGroupIngressResult.UnknownIpPermissions?: IpPermission[] (models_8.d.ts); EC2 may send it empty.
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand)
      .resolves({ Return: true, UnknownIpPermissions: [], RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-1' }] });
    expect(await network().revokeIngress('sg-1', ['sgr-1'])).toStrictEqual({ result: 'done', confirmedRuleIds: ['sgr-1'] });
  });

  it('confirms only the revoked rules that carry an id', async () => {
    // RevokedSecurityGroupRule.SecurityGroupRuleId is optional (models_8.d.ts).
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand)
      .resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-1' }, { GroupId: 'sg-1' }] });
    expect(await network().revokeIngress('sg-1', ['sgr-1', 'sgr-2'])).toStrictEqual({
      result: 'done',
      confirmedRuleIds: ['sgr-1'],
    });
  });

  it('answers plain done when the rule-by-rule retry revoked without listing the rules', async () => {
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-gone', 'sgr-open'] })
      .rejects(ec2Error('InvalidSecurityGroupRuleId.NotFound'))
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-gone'] })
      .rejects(ec2Error('InvalidSecurityGroupRuleId.NotFound'))
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-open'] })
      .resolves({ Return: true });
    expect(await network().revokeIngress('sg-1', ['sgr-gone', 'sgr-open'])).toStrictEqual({ result: 'done' });
  });

  it('explains a refused revoke: the call, the group and what was not revoked', async () => {
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolvesOnce({ Return: false });
    await expect(network().revokeIngress('sg-1', ['sgr-1'])).rejects.toMatchObject({
      operation: 'RevokeSecurityGroupIngress',
      message: 'RevokeSecurityGroupIngress failed: ReturnFalse: EC2 answered Return=false for sg-1: nothing was revoked',
    });
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand)
      .resolves({ Return: true, UnknownIpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }] });
    await expect(network().revokeIngress('sg-1', ['sgr-1'])).rejects.toMatchObject({
      operation: 'RevokeSecurityGroupIngress',
      message:
        'RevokeSecurityGroupIngress failed: UnknownIpPermissions: EC2 did not recognise 1 permission(s) in sg-1; ' +
        'they were not revoked (re-read the group before retrying)',
    });
  });
});

describe('error messages name what went wrong', () => {
  it('names the repeated NextToken', async () => {
    ec2Mock.on(DescribeSubnetsCommand).resolves({ Subnets: [], NextToken: 'tok-7' });
    await expect(network().listSubnets('vpc-1')).rejects.toThrow('EC2 returned the same NextToken twice (tok-7)');
  });

  it('shows the refused route destination', async () => {
    await expect(network().deleteRoute('rtb-1', { cidrIpv4: '0.0.0.0/0', cidrIpv6: '::/0' })).rejects.toThrow(
      'an IPv6 CIDR or a prefix list (got {"cidrIpv4":"0.0.0.0/0","cidrIpv6":"::/0"})',
    );
  });
});

describe('paging inputs', () => {
  it('sends no Filters or NextToken keys when it has none', async () => {
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [], NextToken: 'p2' })
      .resolvesOnce({ SecurityGroups: [] });
    await drain(network().pageSecurityGroups());
    expect(inputs(DescribeSecurityGroupsCommand)).toStrictEqual([{ MaxResults: 1000 }, { MaxResults: 1000, NextToken: 'p2' }]);
  });
});

// Network ACLs in EC2's own shapes: `NetworkAcl`, `NetworkAclEntry` (every field optional),
// `NetworkAclAssociation`, `IcmpTypeCode` and `PortRange` (@aws-sdk/client-ec2 models_1.d.ts, models_0.d.ts).
const sdkAcl: Ec2NetworkAcl = {
  NetworkAclId: 'acl-db',
  VpcId: 'vpc-1',
  IsDefault: false,
  OwnerId: '111122223333',
  Tags: [{ Key: 'Tier', Value: 'Database' }],
  Entries: [
    // "The protocol number. A value of "-1" means all protocols" (`NetworkAclEntry.Protocol`).
    { RuleNumber: 100, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: '0.0.0.0/0', PortRange: { From: 22, To: 22 } },
    { RuleNumber: 110, Egress: true, RuleAction: 'deny', Protocol: '17', Ipv6CidrBlock: '::/0', PortRange: { From: 53, To: 53 } },
    // ICMP: "The ICMP type. A value of -1 means all types" / "The ICMP code. A value of -1 means all codes" (`IcmpTypeCode`).
    { RuleNumber: 120, Egress: false, RuleAction: 'allow', Protocol: '1', CidrBlock: '10.0.0.0/16', IcmpTypeCode: { Type: 8, Code: 3 } },
    { RuleNumber: 32767, Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: '0.0.0.0/0' },
  ],
  Associations: [
    { NetworkAclAssociationId: 'aclassoc-1', NetworkAclId: 'acl-db', SubnetId: 'subnet-db1' },
    { NetworkAclAssociationId: 'aclassoc-2', NetworkAclId: 'acl-db', SubnetId: 'subnet-db2' },
  ],
};

const domainAcl = {
  networkAclId: 'acl-db',
  vpcId: 'vpc-1',
  isDefault: false,
  tags: { Tier: 'Database' },
  entries: [
    { ruleNumber: 100, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 22, to: 22 } },
    { ruleNumber: 110, egress: true, ruleAction: 'deny', protocol: '17', cidrIpv6: '::/0', portRange: { from: 53, to: 53 } },
    { ruleNumber: 120, egress: false, ruleAction: 'allow', protocol: '1', cidrIpv4: '10.0.0.0/16', icmpTypeCode: { type: 8, code: 3 } },
    { ruleNumber: 32767, egress: false, ruleAction: 'deny', protocol: '-1', cidrIpv4: '0.0.0.0/0' },
  ],
  associations: [
    { associationId: 'aclassoc-1', networkAclId: 'acl-db', subnetId: 'subnet-db1' },
    { associationId: 'aclassoc-2', networkAclId: 'acl-db', subnetId: 'subnet-db2' },
  ],
};

/** One entry read through getNetworkAcl. */
const readEntry = async (entry: NonNullable<Ec2NetworkAcl['Entries']>[number]) => {
  ec2Mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ NetworkAclId: 'acl-1', Entries: [entry] }] });
  return (await network().getNetworkAcl('acl-1'))?.entries;
};

describe('getNetworkAcl', () => {
  it('describes by NetworkAclIds and maps entries, associations and tags', async () => {
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [sdkAcl] });

    expect(await network().getNetworkAcl('acl-db')).toStrictEqual(domainAcl);
    expect(inputs(DescribeNetworkAclsCommand)).toStrictEqual([{ NetworkAclIds: ['acl-db'] }]);
  });

  it('reads the default ACL as default', async () => {
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ ...sdkAcl, IsDefault: true }] });
    expect((await network().getNetworkAcl('acl-db'))?.isDefault).toBe(true);
  });

  it('maps an ACL that EC2 answers with no fields but its id', async () => {
    // Entries?, Associations?, IsDefault?, VpcId? and Tags? are all optional (`NetworkAcl`, models_1.d.ts).
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ NetworkAclId: 'acl-1' }] });
    expect(await network().getNetworkAcl('acl-1')).toStrictEqual({
      networkAclId: 'acl-1',
      vpcId: '',
      isDefault: false,
      entries: [],
      associations: [],
      tags: {},
    });
  });

  it('answers only the ACL asked for', async () => {
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ ...sdkAcl, NetworkAclId: 'acl-other' }, sdkAcl] });
    expect((await network().getNetworkAcl('acl-db'))?.networkAclId).toBe('acl-db');

    ec2Mock.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ ...sdkAcl, NetworkAclId: 'acl-other' }] });
    expect(await network().getNetworkAcl('acl-db')).toBeUndefined();

    ec2Mock.on(DescribeNetworkAclsCommand).resolves({});
    expect(await network().getNetworkAcl('acl-db')).toBeUndefined();
  });

  // InvalidNetworkAclID.NotFound: EC2's code for an unknown ACL id ("Error codes for the Amazon EC2 API");
  // moto 5.2 answers InvalidRouteTableID.NotFound for it (ec2-errors.ts, GONE_CODES.getNetworkAcl).
  it.each(['InvalidNetworkAclID.NotFound', 'InvalidRouteTableID.NotFound'])('%s -> undefined', async (code) => {
    ec2Mock.on(DescribeNetworkAclsCommand).rejects(ec2Error(code));
    expect(await network().getNetworkAcl('acl-db')).toBeUndefined();
  });

  it('turns other errors into AwsCallError named DescribeNetworkAcls', async () => {
    ec2Mock.on(DescribeNetworkAclsCommand).rejects(ec2Error('UnauthorizedOperation', 403));
    await expect(network().getNetworkAcl('acl-db')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'DescribeNetworkAcls',
      code: 'UnauthorizedOperation',
    });
  });
});

describe('network ACL entries as EC2 describes them', () => {
  it('keeps a port range on tcp (6) and udp (17) only, and only when it has both ends', async () => {
    // "TCP or UDP protocols: The range of ports the rule applies to" (`NetworkAclEntry.PortRange`); From? and To? are optional (`PortRange`).
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [
        {
          NetworkAclId: 'acl-1',
          Entries: [
            { RuleNumber: 1, Egress: false, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0', PortRange: { From: 22, To: 22 } },
            { RuleNumber: 2, Egress: false, RuleAction: 'allow', Protocol: '1', CidrBlock: '0.0.0.0/0', PortRange: { From: 22, To: 22 } },
            { RuleNumber: 3, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: '0.0.0.0/0' },
            { RuleNumber: 4, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: '0.0.0.0/0', PortRange: { From: 22 } },
            { RuleNumber: 5, Egress: false, RuleAction: 'allow', Protocol: '17', CidrBlock: '0.0.0.0/0', PortRange: { To: 53 } },
            { RuleNumber: 6, Egress: false, RuleAction: 'allow', Protocol: '17', CidrBlock: '0.0.0.0/0', PortRange: { From: 0, To: 65535 } },
          ],
        },
      ],
    });
    expect((await network().getNetworkAcl('acl-1'))?.entries).toStrictEqual([
      { ruleNumber: 1, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 2, egress: false, ruleAction: 'allow', protocol: '1', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 3, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 4, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 5, egress: false, ruleAction: 'allow', protocol: '17', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 6, egress: false, ruleAction: 'allow', protocol: '17', cidrIpv4: '0.0.0.0/0', portRange: { from: 0, to: 65535 } },
    ]);
  });

  it('keeps an ICMP type and code on icmp (1) and icmpv6 (58) only; a missing half is -1 (any)', async () => {
    // "ICMP protocol: The ICMP type and code" (`NetworkAclEntry.IcmpTypeCode`); Type? and Code? are optional, -1 is all (`IcmpTypeCode`).
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [
        {
          NetworkAclId: 'acl-1',
          Entries: [
            { RuleNumber: 1, Egress: false, RuleAction: 'allow', Protocol: '58', Ipv6CidrBlock: '::/0', IcmpTypeCode: { Type: 128 } },
            { RuleNumber: 2, Egress: false, RuleAction: 'allow', Protocol: '1', CidrBlock: '0.0.0.0/0', IcmpTypeCode: { Code: 4 } },
            { RuleNumber: 3, Egress: false, RuleAction: 'allow', Protocol: '1', CidrBlock: '0.0.0.0/0' },
            { RuleNumber: 4, Egress: false, RuleAction: 'allow', Protocol: '1', CidrBlock: '0.0.0.0/0', IcmpTypeCode: {} },
            { RuleNumber: 5, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: '0.0.0.0/0', IcmpTypeCode: { Type: 8, Code: 0 } },
            { RuleNumber: 6, Egress: false, RuleAction: 'allow', Protocol: '-1', CidrBlock: '0.0.0.0/0', IcmpTypeCode: { Type: 8, Code: 0 } },
            { RuleNumber: 7, Egress: false, RuleAction: 'allow', Protocol: '58', Ipv6CidrBlock: '::/0', IcmpTypeCode: { Type: -1, Code: -1 } },
          ],
        },
      ],
    });
    expect((await network().getNetworkAcl('acl-1'))?.entries).toStrictEqual([
      { ruleNumber: 1, egress: false, ruleAction: 'allow', protocol: '58', cidrIpv6: '::/0', icmpTypeCode: { type: 128, code: -1 } },
      { ruleNumber: 2, egress: false, ruleAction: 'allow', protocol: '1', cidrIpv4: '0.0.0.0/0', icmpTypeCode: { type: -1, code: 4 } },
      { ruleNumber: 3, egress: false, ruleAction: 'allow', protocol: '1', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 4, egress: false, ruleAction: 'allow', protocol: '1', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 5, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 6, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv4: '0.0.0.0/0' },
      { ruleNumber: 7, egress: false, ruleAction: 'allow', protocol: '58', cidrIpv6: '::/0', icmpTypeCode: { type: -1, code: -1 } },
    ]);
  });

  it('reads a protocol by name as its number, and keeps one it cannot read as it is', async () => {
    // EC2 answers "The protocol number" (`NetworkAclEntry.Protocol`); a name ("tcp | udp | icmp or a protocol
    // number", DescribeNetworkAclsRequest's entry.protocol filter) becomes its number (canonicalAclProtocol).
    expect(await readEntry({ RuleNumber: 1, Egress: false, RuleAction: 'allow', Protocol: 'tcp', CidrBlock: '0.0.0.0/0', PortRange: { From: 22, To: 22 } })).toStrictEqual([
      { ruleNumber: 1, egress: false, ruleAction: 'allow', protocol: '6', cidrIpv4: '0.0.0.0/0', portRange: { from: 22, to: 22 } },
    ]);
    expect(await readEntry({ RuleNumber: 2, Egress: false, RuleAction: 'allow', Protocol: '300', CidrBlock: '0.0.0.0/0' })).toStrictEqual([
      { ruleNumber: 2, egress: false, ruleAction: 'allow', protocol: '300', cidrIpv4: '0.0.0.0/0' },
    ]);
  });

  it('reads what EC2 leaves out: no direction is ingress, no action is deny, no rule number is 0', async () => {
    // Every NetworkAclEntry field is optional (models_1.d.ts); RuleAction is allow | deny (`RuleAction`, enums.d.ts).
    expect(await readEntry({})).toStrictEqual([{ ruleNumber: 0, egress: false, ruleAction: 'deny', protocol: '' }]);
    expect(await readEntry({ RuleNumber: 7, Egress: true, RuleAction: 'allow', Protocol: '-1', CidrBlock: '10.0.0.0/8' })).toStrictEqual([
      { ruleNumber: 7, egress: true, ruleAction: 'allow', protocol: '-1', cidrIpv4: '10.0.0.0/8' },
    ]);
  });

  it('reads an association without a subnet as none, and one without an ACL id as the ACL\'s own', async () => {
    // NetworkAclAssociation's NetworkAclAssociationId?, NetworkAclId? and SubnetId? are optional (models_1.d.ts).
    ec2Mock.on(DescribeNetworkAclsCommand).resolves({
      NetworkAcls: [
        {
          NetworkAclId: 'acl-1',
          Associations: [
            { NetworkAclAssociationId: 'aclassoc-nosubnet', NetworkAclId: 'acl-1' },
            { NetworkAclAssociationId: 'aclassoc-1', SubnetId: 'subnet-1' },
            { SubnetId: 'subnet-2', NetworkAclId: 'acl-1' },
          ],
        },
      ],
    });
    expect((await network().getNetworkAcl('acl-1'))?.associations).toStrictEqual([
      { associationId: 'aclassoc-1', networkAclId: 'acl-1', subnetId: 'subnet-1' },
      { associationId: '', networkAclId: 'acl-1', subnetId: 'subnet-2' },
    ]);
  });
});

describe('listNetworkAcls and pageNetworkAcls', () => {
  it('filter by vpc-id, ask for 100 a page and follow NextToken', async () => {
    // DescribeNetworkAclsRequest { NextToken?, MaxResults?, Filters? } (models_4.d.ts); `vpc-id` is one of its filters.
    ec2Mock
      .on(DescribeNetworkAclsCommand)
      .resolvesOnce({ NetworkAcls: [sdkAcl], NextToken: 'a2' })
      .resolvesOnce({ NetworkAcls: [{ NetworkAclId: 'acl-2', VpcId: 'vpc-1', IsDefault: true }] });

    expect(await network().listNetworkAcls('vpc-1')).toStrictEqual([
      domainAcl,
      { networkAclId: 'acl-2', vpcId: 'vpc-1', isDefault: true, entries: [], associations: [], tags: {} },
    ]);
    expect(inputs(DescribeNetworkAclsCommand)).toStrictEqual([
      { MaxResults: 100, Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }] },
      { MaxResults: 100, Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }], NextToken: 'a2' },
    ]);
  });

  it('page every ACL of the account without a filter, a page at a time', async () => {
    ec2Mock
      .on(DescribeNetworkAclsCommand)
      .resolvesOnce({ NetworkAcls: [sdkAcl], NextToken: 'a2' })
      .resolvesOnce({});

    const seen: unknown[] = [];
    for await (const page of network().pageNetworkAcls()) seen.push(page);

    expect(seen).toStrictEqual([[domainAcl], []]);
    expect(inputs(DescribeNetworkAclsCommand)).toStrictEqual([{ MaxResults: 100 }, { MaxResults: 100, NextToken: 'a2' }]);
  });

  it('wrap a failed page as DescribeNetworkAcls', async () => {
    ec2Mock.on(DescribeNetworkAclsCommand).rejects(ec2Error('RequestLimitExceeded', 503));
    await expect(drain(network().pageNetworkAcls({ vpcId: 'vpc-1' }))).rejects.toMatchObject({
      operation: 'DescribeNetworkAcls',
      code: 'RequestLimitExceeded',
      retryable: true,
    });
  });
});

describe('deleteNetworkAclEntry', () => {
  it.each([false, true])('deletes by NetworkAclId, RuleNumber and Egress (egress %s)', async (egress) => {
    // DeleteNetworkAclEntryRequest { DryRun?, NetworkAclId, RuleNumber, Egress } (models_3.d.ts).
    ec2Mock.on(DeleteNetworkAclEntryCommand).resolves({});
    expect(await network().deleteNetworkAclEntry('acl-db', 100, egress)).toBe('done');
    expect(inputs(DeleteNetworkAclEntryCommand)).toStrictEqual([{ NetworkAclId: 'acl-db', RuleNumber: 100, Egress: egress }]);
  });

  it.each([1, 32766])('deletes entry %i, the ends of what a rule number can be', async (ruleNumber) => {
    // CreateNetworkAclEntry RuleNumber: "Constraints: Positive integer from 1 to 32766" (EC2 API Reference);
    // 32767 is the default (`*`) entry, which EC2 never lets anyone delete.
    ec2Mock.on(DeleteNetworkAclEntryCommand).resolves({});
    expect(await network().deleteNetworkAclEntry('acl-db', ruleNumber, false)).toBe('done');
    expect(inputs(DeleteNetworkAclEntryCommand)).toStrictEqual([{ NetworkAclId: 'acl-db', RuleNumber: ruleNumber, Egress: false }]);
  });

  it.each([0, -1, 32767, 40000, 1.5, Number.NaN])('refuses entry %s without calling EC2', async (ruleNumber) => {
    await expect(network().deleteNetworkAclEntry('acl-db', ruleNumber, false)).rejects.toThrow(
      new LayerGuardError(`refusing to delete entry ${ruleNumber} of acl-db: only entries 1 to 32766 are LayerGuard's to delete`),
    );
    expect(ec2Mock).not.toHaveReceivedAnyCommand();
  });

  // InvalidNetworkAclEntry.NotFound ("The specified network ACL entry does not exist") and
  // InvalidNetworkAclID.NotFound: "Error codes for the Amazon EC2 API" (ec2-errors.ts, GONE_CODES.deleteNetworkAclEntry).
  it.each(['InvalidNetworkAclEntry.NotFound', 'InvalidNetworkAclID.NotFound'])('%s -> already-gone', async (code) => {
    ec2Mock.on(DeleteNetworkAclEntryCommand).rejects(ec2Error(code));
    expect(await network().deleteNetworkAclEntry('acl-db', 100, false)).toBe('already-gone');
  });

  it('turns other errors into AwsCallError named DeleteNetworkAclEntry', async () => {
    ec2Mock.on(DeleteNetworkAclEntryCommand).rejects(ec2Error('InternalError', 500));
    await expect(network().deleteNetworkAclEntry('acl-db', 100, false)).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'DeleteNetworkAclEntry',
      code: 'InternalError',
      retryable: true,
    });
  });
});

describe('replaceNetworkAclAssociation', () => {
  it('replaces by AssociationId and NetworkAclId and returns the new association id', async () => {
    // ReplaceNetworkAclAssociationRequest { DryRun?, AssociationId, NetworkAclId }, Result.NewAssociationId? (models_8.d.ts).
    ec2Mock.on(ReplaceNetworkAclAssociationCommand).resolves({ NewAssociationId: 'aclassoc-new' });
    expect(await network().replaceNetworkAclAssociation('aclassoc-1', 'acl-db')).toStrictEqual({
      result: 'done',
      newAssociationId: 'aclassoc-new',
    });
    expect(inputs(ReplaceNetworkAclAssociationCommand)).toStrictEqual([{ AssociationId: 'aclassoc-1', NetworkAclId: 'acl-db' }]);
  });

  it('answers plain done when EC2 gives no new id', async () => {
    ec2Mock.on(ReplaceNetworkAclAssociationCommand).resolves({});
    expect(await network().replaceNetworkAclAssociation('aclassoc-1', 'acl-db')).toStrictEqual({ result: 'done' });
  });

  it('InvalidAssociationID.NotFound -> already-gone', async () => {
    // EC2 answers InvalidAssociationID.NotFound for an unknown association, of a route table or a network ACL
    // ("Error codes for the Amazon EC2 API"; ec2-errors.ts, NOT_FOUND_BY_RESOURCE.rtbassoc).
    ec2Mock.on(ReplaceNetworkAclAssociationCommand).rejects(ec2Error('InvalidAssociationID.NotFound'));
    expect(await network().replaceNetworkAclAssociation('aclassoc-1', 'acl-db')).toStrictEqual({ result: 'already-gone' });
  });

  it('turns other errors, an ACL that is gone among them, into AwsCallError named ReplaceNetworkAclAssociation', async () => {
    ec2Mock.on(ReplaceNetworkAclAssociationCommand).rejects(ec2Error('InvalidNetworkAclID.NotFound'));
    await expect(network().replaceNetworkAclAssociation('aclassoc-1', 'acl-gone')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'ReplaceNetworkAclAssociation',
      code: 'InvalidNetworkAclID.NotFound',
    });
  });
});

describe('getPrefixListEntries', () => {
  it('reads every page at 100 entries a page, keeping the entries that have a CIDR', async () => {
    // GetManagedPrefixListEntriesRequest { PrefixListId, MaxResults?, NextToken? }, Result { Entries?, NextToken? },
    // PrefixListEntry { Cidr?, Description? } (models_6.d.ts). MaxResults: "Valid Range: Minimum value of 1.
    // Maximum value of 100" (GetManagedPrefixListEntries, EC2 API Reference).
    ec2Mock
      .on(GetManagedPrefixListEntriesCommand)
      .resolvesOnce({ Entries: [{ Cidr: '203.0.113.0/24', Description: 'office' }, { Description: 'no cidr' }], NextToken: 'e2' })
      .resolvesOnce({ Entries: [{ Cidr: '198.51.100.0/24' }], NextToken: 'e3' })
      .resolvesOnce({});

    expect(await network().getPrefixListEntries('pl-office')).toStrictEqual(['203.0.113.0/24', '198.51.100.0/24']);
    expect(inputs(GetManagedPrefixListEntriesCommand)).toStrictEqual([
      { PrefixListId: 'pl-office', MaxResults: 100 },
      { PrefixListId: 'pl-office', MaxResults: 100, NextToken: 'e2' },
      { PrefixListId: 'pl-office', MaxResults: 100, NextToken: 'e3' },
    ]);
  });

  it('answers an empty list for a list without entries', async () => {
    ec2Mock.on(GetManagedPrefixListEntriesCommand).resolves({});
    expect(await network().getPrefixListEntries('pl-empty')).toStrictEqual([]);
  });

  it('fails the read for any error, a list that is gone among them (no "already gone")', async () => {
    ec2Mock.on(GetManagedPrefixListEntriesCommand).rejects(ec2Error('InvalidPrefixListID.NotFound'));
    await expect(network().getPrefixListEntries('pl-gone')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'GetManagedPrefixListEntries',
      code: 'InvalidPrefixListID.NotFound',
    });
  });
});

describe('pageRouteTables of main tables', () => {
  it('filters by association.main=true, with the VPC when there is one', async () => {
    // `association.main`: "Indicates whether the route table is the main route table for the VPC (true | false)"
    // (DescribeRouteTablesRequest Filters, models_5.d.ts).
    ec2Mock.on(DescribeRouteTablesCommand).resolves({ RouteTables: [sdkTable] });

    await drain(network().pageRouteTables({ main: true }));
    await drain(network().pageRouteTables({ vpcId: 'vpc-1', main: true }));

    expect(inputs(DescribeRouteTablesCommand)).toStrictEqual([
      { MaxResults: 100, Filters: [{ Name: 'association.main', Values: ['true'] }] },
      {
        MaxResults: 100,
        Filters: [
          { Name: 'vpc-id', Values: ['vpc-1'] },
          { Name: 'association.main', Values: ['true'] },
        ],
      },
    ]);
  });
});
