import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunbookResult } from '../../functions/pipeline/runbook.js';

/**
 * The runbook Lambda handler with the SDK mocked: the real handler, runbook pipeline, remediator
 * tail and EC2 adapter run; the tests assert the exact EC2 calls.
 */

const VPC = 'vpc-0a1b2c3d4e5f60001';
const APP = 'sg-0a1b2c3d4e5f67002';
const SSH = 'sgr-0a1b2c3d4e5f6e101';
const RDP = 'sgr-0a1b2c3d4e5f6e102';

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<RunbookResult>;
let handler: Handler;
let fitResponse: (r: RunbookResult, limit?: number) => RunbookResult & { truncated?: string };

beforeAll(async () => {
  for (const name of ['LAYERGUARD_POLICY', 'LAYERGUARD_TOPIC_ARN', 'LAYERGUARD_EVENT_BUS', 'LAYERGUARD_IDEMPOTENCY_TABLE']) {
    delete process.env[name];
  }
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  ({ handler, fitResponse } = (await import('../../functions/runbook/handler.js')) as unknown as {
    handler: Handler;
    fitResponse: typeof fitResponse;
  });
});

const context = {
  functionName: 'layerguard-runbook',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:layerguard-runbook',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const appRules: SecurityGroupRule[] = [
  { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69201', GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, ReferencedGroupInfo: { GroupId: 'sg-0a1b2c3d4e5f67001' } },
  { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69202', GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, CidrIpv4: '10.0.11.0/24' },
  { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69209', GroupId: APP, IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' },
];
const open: SecurityGroupRule[] = [
  { SecurityGroupRuleId: SSH, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' },
  { SecurityGroupRuleId: RDP, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 3389, ToPort: 3389, CidrIpv6: '::/0' },
];

const WEB = 'sg-0a1b2c3d4e5f67001';

beforeEach(() => {
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: APP, GroupName: 'app-tier', VpcId: VPC, Tags: [{ Key: 'Tier', Value: 'Application' }] }],
  });
  // The app tier is a tier: its narrow sources are judged on the web group's tags and the VPC's subnets.
  ec2.on(DescribeSecurityGroupsCommand, { GroupIds: [WEB] }).resolves({
    SecurityGroups: [{ GroupId: WEB, GroupName: 'web-tier', VpcId: VPC, Tags: [{ Key: 'Tier', Value: 'Web' }] }],
  });
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { SubnetId: 'subnet-0a1b2c3d4e5f6b001', VpcId: VPC, CidrBlock: '10.0.1.0/24', Tags: [{ Key: 'Tier', Value: 'Web' }] },
      { SubnetId: 'subnet-0a1b2c3d4e5f6b011', VpcId: VPC, CidrBlock: '10.0.11.0/24', Tags: [{ Key: 'Tier', Value: 'Application' }] },
    ],
  });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [...appRules, ...open] });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({
    Return: true,
    RevokedSecurityGroupRules: [
      { SecurityGroupRuleId: SSH, GroupId: APP },
      { SecurityGroupRuleId: RDP, GroupId: APP },
    ],
  });
});

afterEach(() => {
  ec2.reset();
  sns.reset();
  events.reset();
});

describe('runbook handler: revert-security-group', () => {
  it('revokes every world-open rule of the group by id, after two reads, and nothing else', async () => {
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
    expect(result.action).toBe('revert-security-group');
    expect(result.dryRun).toBe(false);
    expect(result.summary).toMatchObject({ total: 1, counts: { remediated: 1, failed: 0 } });
    const [outcome] = result.outcomes;
    expect(outcome).toMatchObject({
      outcome: 'remediated',
      eventName: 'revert-security-group',
      resources: [APP],
      trigger: { source: 'runbook', eventName: 'revert-security-group', account: '111122223333', region: 'us-east-1' },
      actions: [{ type: 'revoke-ingress', groupId: APP, ruleIds: [SSH, RDP], result: 'done' }],
      after: { verifiedBy: 'revoke-response' },
    });
    expect(outcome?.eventId).toMatch(/^runbook-[0-9a-f-]{36}$/);
    expect(outcome?.eventId).toBe(result.runbookId);
    expect(outcome?.secondsOpen).toBeUndefined(); // the change's time is unknown to a runbook

    // Exactly: DescribeSecurityGroups by id, DescribeSecurityGroupRules by group; for the app tier's narrow
    // sources (the web group, an app subnet's CIDR) the VPC's subnets and the web group; one revoke by rule ids.
    expect(ec2.calls()).toHaveLength(5);
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { GroupIds: [APP] });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { GroupIds: [WEB] });
    expect(ec2).toHaveReceivedCommandWith(DescribeSubnetsCommand, { Filters: [{ Name: 'vpc-id', Values: [VPC] }] });
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)[0]?.args[0].input).toMatchObject({
      Filters: [{ Name: 'group-id', Values: [APP] }],
    });
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: APP, SecurityGroupRuleIds: [SSH, RDP] },
    ]);
    // No notification channel is configured, and the runbook answers its caller: no SNS, no EventBridge.
    expect(sns.calls()).toHaveLength(0);
    expect(events.calls()).toHaveLength(0);
  });

  it('dryRun: the reads only, a dry-run outcome with the planned revoke', async () => {
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: true }, context);
    expect(result.dryRun).toBe(true);
    expect(result.outcomes[0]).toMatchObject({
      outcome: 'dry-run',
      actions: [{ type: 'revoke-ingress', ruleIds: [SSH, RDP], result: 'skipped' }],
    });
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
    expect(ec2.calls()).toHaveLength(4);
  });

  it('the web subnet’s CIDR on the app tier is allowed; the database tier’s subnet on the web tier is a tier skip', async () => {
    const DB_SUBNET_RULE = 'sgr-0a1b2c3d4e5f6e150';
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: WEB, GroupName: 'web-tier', VpcId: VPC, Tags: [{ Key: 'Tier', Value: 'Web' }] }],
    });
    ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [{ SubnetId: 'subnet-0a1b2c3d4e5f6b021', VpcId: VPC, CidrBlock: '10.0.21.0/24', Tags: [{ Key: 'Tier', Value: 'Database' }] }],
    });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [
        { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69101', GroupId: WEB, IsEgress: false, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' },
        { SecurityGroupRuleId: DB_SUBNET_RULE, GroupId: WEB, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '10.0.21.0/24' },
      ],
    });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: DB_SUBNET_RULE, GroupId: WEB }] });
    const result = await handler({ action: 'revert-security-group', groupId: WEB, dryRun: false }, context);
    expect(result.outcomes[0]).toMatchObject({
      outcome: 'remediated',
      drift: [{ kind: 'sg-tier-skip', groupId: WEB, tier: 'web', reached: { [DB_SUBNET_RULE]: 'database (subnet-0a1b2c3d4e5f6b021)' } }],
      actions: [{ type: 'revoke-ingress', groupId: WEB, ruleIds: [DB_SUBNET_RULE], result: 'done' }],
    });
  });

  it('a group with nothing world-open: already-compliant, no mutating call', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: appRules });
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
    expect(result.outcomes[0]?.outcome).toBe('already-compliant');
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
  });

  it('EC2 refuses the revoke: a failed outcome in the answer, not an exception', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
    expect(result.summary.counts.failed).toBe(1);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'failed', error: { code: 'UnauthorizedOperation' } });
    expect(result.outcomes[0]?.humanAction).toBeTruthy();
  });
});

describe('runbook handler: invalid payloads', () => {
  it.each([
    ['an unknown action', { action: 'delete-vpc' }],
    ['an unknown field', { action: 'sweep', force: true }],
    ['a malformed id', { action: 'revert-security-group', groupId: 'sg-../../etc' }],
    ['no payload', null],
    ['no dryRun (the caller must say it)', { action: 'revert-security-group', groupId: 'sg-0a1b2c3d4e5f67002' }],
    ['an oversized payload', { action: 'sweep', vpcId: `vpc-${'0'.repeat(10_000)}` }],
  ])('%s: throws RunbookPayloadError before any AWS call', async (_name, payload) => {
    await expect(handler(payload, context)).rejects.toMatchObject({ name: 'RunbookPayloadError' });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('runbook handler: revert-route-table', () => {
  it('a table without a forbidden route: one DescribeRouteTables, already-compliant', async () => {
    const RT = 'rtb-0a1b2c3d4e5f64003';
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          RouteTableId: RT,
          VpcId: VPC,
          Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' }],
          Associations: [],
          Tags: [{ Key: 'Tier', Value: 'Database' }],
        },
      ],
    });
    const result = await handler({ action: 'revert-route-table', routeTableId: RT, dryRun: false }, context);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['already-compliant']);
    expect(ec2.calls()).toHaveLength(1);
    expect(ec2).toHaveReceivedCommandWith(DescribeRouteTablesCommand, { RouteTableIds: [RT] });
  });
});

describe('runbook handler: revert-subnet-association', () => {
  const SUBNET = 'subnet-0a1b2c3d4e5f6ffff';
  /** EC2 answers an unknown SubnetIds entry with this code ("Error codes for the Amazon EC2 API"; moto: InvalidSubnetIdError). */
  const notFound = Object.assign(new Error(`The subnet ID '${SUBNET}' does not exist`), {
    name: 'InvalidSubnetID.NotFound',
    Code: 'InvalidSubnetID.NotFound',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

  it('a subnet that does not exist: "not found" in the answer, no mutating call', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    ec2.on(DescribeSubnetsCommand).rejects(notFound);
    const result = await handler({ action: 'revert-subnet-association', subnetId: SUBNET, dryRun: false }, context);
    expect(result.notFound).toEqual([SUBNET]);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'ignored', reason: `${SUBNET} not found` });
    expect(ec2).toHaveReceivedCommandWith(DescribeSubnetsCommand, { SubnetIds: [SUBNET] });
    expect(ec2.calls().map((c) => c.args[0].constructor.name).sort()).toEqual(['DescribeRouteTablesCommand', 'DescribeSubnetsCommand']);
  });

  it('a subnet on its VPC main table: ignored (no association to revert), not "not found"', async () => {
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: SUBNET, VpcId: VPC, CidrBlock: '10.0.21.0/24' }] });
    const result = await handler({ action: 'revert-subnet-association', subnetId: SUBNET, dryRun: false }, context);
    expect(result.notFound).toBeUndefined();
    expect(result.outcomes[0]?.reason).toMatch(/no explicit route table association/);
  });
});

describe("runbook handler: the answer fits Lambda's response limit", () => {
  it('drops before/after states, keeps every outcome and says so, when the answer is too large', async () => {
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
    expect(fitResponse(result)).toBe(result);
    const cut = fitResponse(result, 100);
    expect(cut.truncated).toMatch(/before and after states are left out/);
    expect(cut.outcomes).toHaveLength(result.outcomes.length);
    expect(cut.outcomes[0]).not.toHaveProperty('before');
    expect(cut.outcomes[0]).toMatchObject({ outcome: 'remediated', actions: result.outcomes[0]?.actions });
  });
});

describe('sweep-organization in a single-account deployment', () => {
  it('is refused before any call: there is no organisation to fan out to', async () => {
    await expect(handler({ action: 'sweep-organization', dryRun: false }, context)).rejects.toThrow(
      /sweep-organization sweeps an organisation from its hub: this function has no organization configuration/,
    );
    expect(ec2.calls()).toHaveLength(0);
  });
});
