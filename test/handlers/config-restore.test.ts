import 'aws-sdk-client-mock-vitest/extend';
import { ConfigServiceClient, GetResourceConfigHistoryCommand, ResourceNotDiscoveredException } from '@aws-sdk/client-config-service';
import {
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  ModifySecurityGroupRulesCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupIngressCommand,
  type RouteTable,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand as DescribeClassicLoadBalancersCommand, ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../functions/core/outcome.js';
import { loadEvent } from '../support/events.js';

/**
 * `configRestore` on, end to end with the SDK mocked: the real handlers, engine, pipelines, EC2 and
 * AWS Config adapters run; the tests assert the exact GetResourceConfigHistory, the restore write and
 * the read-back, and the fall back to today's revoke or delete when the history cannot be used.
 */

const DB = 'sg-0a1b2c3d4e5f67003';
const APP = 'sg-0a1b2c3d4e5f67002';
const RULE = 'sgr-0a1b2c3d4e5f69301';
const TABLE = 'rtb-0a1b2c3d4e5f64003';
const VPC = 'vpc-0a1b2c3d4e5f60001';
const CAPTURED = new Date('2025-03-14T10:00:00Z');

const ec2 = mockClient(EC2Client);
const config = mockClient(ConfigServiceClient);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const classic = mockClient(ElasticLoadBalancingClient);

type Handler = (event: unknown, context: Context) => Promise<Outcome>;
let sgHandler: Handler;
let rtHandler: Handler;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  process.env.LAYERGUARD_POLICY = JSON.stringify({});
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.LAYERGUARD_ACCOUNT_ID = '111122223333';
  process.env.LAYERGUARD_CONFIG_RESTORE = 'true';
  ({ handler: sgHandler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
  ({ handler: rtHandler } = (await import('../../functions/route-table/handler.js')) as { handler: Handler });
});

const context = { functionName: 'layerguard', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
let counter = 0;
function sample(path: string): { detail: { eventID: string; eventTime: string } } {
  const event = structuredClone(loadEvent(path)) as { detail: { eventID: string; eventTime: string } };
  counter += 1;
  event.detail.eventID = `${event.detail.eventID}-restore-${counter}`;
  return event;
}
const fixture = (name: string) => readFileSync(new URL(`../fixtures/config/${name}.json`, import.meta.url), 'utf8');
const item = (configuration: string) => ({ configurationItems: [{ configurationItemCaptureTime: CAPTURED, configurationItemStatus: 'OK' as const, configuration }] });

// The db group after the sample ModifySecurityGroupRules (world-open-db-port.json), and after the restore.
const editedRule: SecurityGroupRule = { SecurityGroupRuleId: RULE, GroupId: DB, IsEgress: false, IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, CidrIpv4: '0.0.0.0/0', Description: 'temp vendor access' };
const restoredRule: SecurityGroupRule = { SecurityGroupRuleId: RULE, GroupId: DB, IsEgress: false, IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, ReferencedGroupInfo: { GroupId: APP }, Description: 'MySQL from the app tier' };

beforeEach(() => {
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: { GroupIds?: string[] }) => ({
    SecurityGroups: (input.GroupIds ?? []).map((id) => ({ GroupId: id, GroupName: id === DB ? 'db-tier' : 'app-tier', VpcId: VPC, Tags: [{ Key: 'Tier', Value: id === DB ? 'Database' : 'Application' }] })),
  }));
  ec2.on(DescribeSecurityGroupRulesCommand).resolvesOnce({ SecurityGroupRules: [editedRule] }).resolves({ SecurityGroupRules: [restoredRule] });
  ec2.on(ModifySecurityGroupRulesCommand).resolves({ Return: true });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: RULE, GroupId: DB }] });
  elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
  classic.on(DescribeClassicLoadBalancersCommand).resolves({ LoadBalancerDescriptions: [] });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterEach(() => {
  for (const m of [ec2, config, sns, events, elbv2, classic]) m.reset();
});

describe('ModifySecurityGroupRules with configRestore on', () => {
  it('reads the item before the change, restores the rule by id to its old source, reads it back', async () => {
    config.on(GetResourceConfigHistoryCommand).resolves(item(fixture('security-group-db')));
    const event = sample('ModifySecurityGroupRules/world-open-db-port.json');
    const outcome = await sgHandler(event, context);

    expect(config).toHaveReceivedCommandTimes(GetResourceConfigHistoryCommand, 1);
    expect(config.commandCalls(GetResourceConfigHistoryCommand)[0]?.args[0].input).toEqual({
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: DB,
      laterTime: new Date(Date.parse(event.detail.eventTime) - 1000),
      chronologicalOrder: 'Reverse',
      limit: 1,
    });
    expect(ec2.commandCalls(ModifySecurityGroupRulesCommand).map((c) => c.args[0].input)).toEqual([
      {
        GroupId: DB,
        SecurityGroupRules: [
          { SecurityGroupRuleId: RULE, SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, ReferencedGroupId: APP, Description: 'MySQL from the app tier' } },
        ],
      },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
    // The rules read twice: to judge, and to verify the restore.
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 2);
    expect(outcome).toMatchObject({
      outcome: 'remediated',
      restoredFrom: 'aws-config',
      restore: { capturedAt: CAPTURED.toISOString() },
      actions: [{ type: 'restore-ingress', groupId: DB, result: 'done' }],
      after: { verifiedBy: 'read-back' },
    });
    expect(outcome.humanAction).toBeUndefined();
  });

  it('Config has not recorded the group: revokes as without the switch, and says why', async () => {
    config.on(GetResourceConfigHistoryCommand).rejects(new ResourceNotDiscoveredException({ message: 'not discovered', $metadata: {} }));
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [editedRule] });
    const outcome = await sgHandler(sample('ModifySecurityGroupRules/world-open-db-port.json'), context);
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: DB, SecurityGroupRuleIds: [RULE] });
    expect(ec2).toHaveReceivedCommandTimes(ModifySecurityGroupRulesCommand, 0);
    expect(outcome).toMatchObject({ outcome: 'remediated', restoredFrom: 'none', restore: { why: `AWS Config has not recorded ${DB}` } });
    expect(outcome.humanAction).toContain('could not be restored');
  });

  it('the old definition was world-open too: revokes, never restores it', async () => {
    const open = JSON.parse(fixture('security-group-db'));
    open.ipPermissions = [{ ipProtocol: 'tcp', fromPort: 3306, toPort: 3306, ipv4Ranges: [{ cidrIp: '0.0.0.0/1' }] }];
    config.on(GetResourceConfigHistoryCommand).resolves(item(JSON.stringify(open)));
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [editedRule] });
    const outcome = await sgHandler(sample('ModifySecurityGroupRules/world-open-db-port.json'), context);
    expect(ec2).toHaveReceivedCommandTimes(ModifySecurityGroupRulesCommand, 0);
    expect(outcome).toMatchObject({ outcome: 'remediated', restoredFrom: 'none', restore: { why: expect.stringMatching(/open to the internet/) } });
  });
});

describe('ReplaceRoute with configRestore on', () => {
  const table = (target: Record<string, string>): RouteTable => ({
    RouteTableId: TABLE,
    VpcId: VPC,
    Tags: [{ Key: 'Tier', Value: 'Database' }],
    Routes: [
      { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' },
      { DestinationCidrBlock: '0.0.0.0/0', ...target, Origin: 'CreateRoute', State: 'active' },
    ],
    Associations: [{ RouteTableAssociationId: 'rtbassoc-1', RouteTableId: TABLE, SubnetId: 'subnet-0a1b2c3d4e5f63001', Main: false }],
  });

  beforeEach(() => {
    ec2.on(DescribeRouteTablesCommand).resolvesOnce({ RouteTables: [table({ GatewayId: 'igw-0a1b2c3d4e5f65001' })] }).resolves({ RouteTables: [table({ TransitGatewayId: 'tgw-0a1b2c3d4e5f6c001' })] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0a1b2c3d4e5f63001', VpcId: VPC, CidrBlock: '10.0.21.0/24', Tags: [{ Key: 'Tier', Value: 'Database' }] }] });
    ec2.on(ReplaceRouteCommand).resolves({});
  });

  it('puts the route back on its old target (a transit gateway) instead of deleting it, and reads it back', async () => {
    config.on(GetResourceConfigHistoryCommand).resolves(item(fixture('route-table-db')));
    const outcome = await rtHandler(sample('ReplaceRoute/nat-to-igw-on-database-table.json'), context);
    expect(config).toHaveReceivedCommandWith(GetResourceConfigHistoryCommand, { resourceType: 'AWS::EC2::RouteTable', resourceId: TABLE, chronologicalOrder: 'Reverse', limit: 1 });
    expect(ec2.commandCalls(ReplaceRouteCommand).map((c) => c.args[0].input)).toEqual([
      { RouteTableId: TABLE, DestinationCidrBlock: '0.0.0.0/0', TransitGatewayId: 'tgw-0a1b2c3d4e5f6c001' },
    ]);
    expect(outcome).toMatchObject({
      outcome: 'remediated',
      restoredFrom: 'aws-config',
      restore: { capturedAt: CAPTURED.toISOString() },
      actions: [{ type: 'replace-route', result: 'done' }],
    });
    expect(outcome.humanAction).toBeUndefined();
  });

  it('the old target (the NAT gateway) is forbidden there too: deletes, and says why', async () => {
    const nat = JSON.parse(fixture('route-table-db'));
    nat.routes[1] = { destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-0a1b2c3d4e5f66001', state: 'active' };
    config.on(GetResourceConfigHistoryCommand).resolves(item(JSON.stringify(nat)));
    ec2.on(DescribeRouteTablesCommand).resolvesOnce({ RouteTables: [table({ GatewayId: 'igw-0a1b2c3d4e5f65001' })] }).resolves({ RouteTables: [{ ...table({}), Routes: [table({}).Routes?.[0] ?? {}] }] });
    const outcome = await rtHandler(sample('ReplaceRoute/nat-to-igw-on-database-table.json'), context);
    expect(ec2).toHaveReceivedCommandTimes(ReplaceRouteCommand, 0);
    expect(outcome).toMatchObject({ outcome: 'remediated', restoredFrom: 'none', restore: { why: expect.stringMatching(/forbidden there too/) }, actions: [{ type: 'delete-route' }] });
  });
});
