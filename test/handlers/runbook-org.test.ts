import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunbookResult } from '../../functions/pipeline/runbook.js';

/**
 * The runbook function of an organisation's hub with the SDK mocked: a payload naming a member
 * account and region acts there with the member role's credentials (checked on each EC2 call's
 * client); one without them acts in the hub's own account, as a single-account runbook does.
 */

const HUB = '111122223333';
const MEMBER = '222233334444';
const BROKEN = '444455556666';
const APP = 'sg-0a1b2c3d4e5f67002';
const SSH = 'sgr-0a1b2c3d4e5f6e101';

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const orgs = mockClient(OrganizationsClient);
mockClient(SNSClient);
mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<RunbookResult>;
let handler: Handler;
const context = {
  functionName: 'LayerGuard-runbook',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${HUB}:function:LayerGuard-runbook`,
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  for (const name of ['LAYERGUARD_POLICY', 'LAYERGUARD_TOPIC_ARN', 'LAYERGUARD_EVENT_BUS', 'LAYERGUARD_IDEMPOTENCY_TABLE', 'AWS_PROFILE']) {
    delete process.env[name];
  }
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'ASIAHUBOWNKEY';
  process.env.AWS_SECRET_ACCESS_KEY = 'hub-secret';
  process.env.LAYERGUARD_ACCOUNT_ID = HUB;
  process.env.LAYERGUARD_ORGANIZATION = JSON.stringify({
    id: 'o-a1b2c3d4e5',
    hub: { account: HUB, region: 'us-east-1' },
    memberRegions: ['us-east-1', 'eu-west-1'],
  });
  ({ handler } = (await import('../../functions/runbook/handler.js')) as unknown as { handler: Handler });
});

let seen: { command: string; key: string; region: string }[];
beforeEach(() => {
  seen = [];
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => {
    const account = input.RoleArn.split(':')[4] as string;
    if (account === BROKEN) throw Object.assign(new Error(`not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`), { name: 'AccessDenied' });
    return { Credentials: { AccessKeyId: `ASIA${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } };
  });
  orgs.on(DescribeAccountCommand).resolves({ Account: { Id: MEMBER, Name: 'payments-prod' } });
  const record = (command: string, answer: unknown) => async (_input: unknown, getClient: () => EC2Client) => {
    const client = getClient();
    seen.push({ command, key: (await client.config.credentials()).accessKeyId, region: await client.config.region() });
    return answer;
  };
  ec2.on(DescribeSecurityGroupsCommand).callsFake(record('DescribeSecurityGroups', { SecurityGroups: [{ GroupId: APP, GroupName: 'app', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [] }] }));
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(
    record('DescribeSecurityGroupRules', { SecurityGroupRules: [{ SecurityGroupRuleId: SSH, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }] }),
  );
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake(record('RevokeSecurityGroupIngress', { Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: SSH, GroupId: APP }] }));
  ec2.on(DescribeRouteTablesCommand).callsFake(record('DescribeRouteTables', { RouteTables: [] }));
  ec2.on(DescribeNetworkAclsCommand).callsFake(record('DescribeNetworkAcls', { NetworkAcls: [] }));
});
afterEach(() => {
  ec2.reset();
  sts.reset();
  orgs.reset();
});

describe('runbook in an organisation’s hub', () => {
  it('revert-security-group in a member account and region: the member role’s credentials, in that region', async () => {
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: false, account: MEMBER, region: 'eu-west-1' }, context);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['remediated']);
    expect(result.outcomes[0]?.trigger).toMatchObject({ account: MEMBER, region: 'eu-west-1', accountAlias: 'payments-prod', source: 'runbook' });
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: `arn:aws:iam::${MEMBER}:role/layerguard-member`, RoleSessionName: 'layerguard-runbook', DurationSeconds: 3600 },
    ]);
    expect(seen).toEqual([
      { command: 'DescribeSecurityGroups', key: `ASIA${MEMBER}`, region: 'eu-west-1' },
      { command: 'DescribeSecurityGroupRules', key: `ASIA${MEMBER}`, region: 'eu-west-1' },
      { command: 'RevokeSecurityGroupIngress', key: `ASIA${MEMBER}`, region: 'eu-west-1' },
    ]);
  });

  it('without an account: the hub’s own account and region, its own credentials, no AssumeRole', async () => {
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: true }, context);
    expect(result.outcomes.map((o) => [o.outcome, o.trigger.account, o.trigger.region])).toEqual([['dry-run', HUB, 'us-east-1']]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
    expect(new Set(seen.map((s) => s.key))).toEqual(new Set(['ASIAHUBOWNKEY']));
  });

  it('a member whose role cannot be assumed: failed outcomes that name the account, the role and the fix', async () => {
    const result = await handler({ action: 'sweep', dryRun: false, account: BROKEN }, context);
    expect(result.summary.counts.failed).toBeGreaterThan(0);
    for (const outcome of result.outcomes) {
      expect(outcome.outcome).toBe('failed');
      expect(outcome.trigger.account).toBe(BROKEN);
      expect(outcome.humanAction).toContain(`could not assume arn:aws:iam::${BROKEN}:role/layerguard-member in account ${BROKEN}`);
    }
    expect(seen).toEqual([]);
  });

  it('an account id that is not one is refused before any call', async () => {
    await expect(handler({ action: 'sweep', dryRun: false, account: '2222' }, context)).rejects.toThrow(/account: an account id is 12 digits/);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });
});
