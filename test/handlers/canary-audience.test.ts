import 'aws-sdk-client-mock-vitest/extend';
import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../functions/core/outcome.js';
import { loadEvent } from '../support/events.js';

/**
 * The deployed security-group function with the canary's group configured (LAYERGUARD_CANARY_GROUP_ID,
 * as the stack sets it): the canary's revert goes to machines only (the outcomes bus), never to people
 * (functions/core/audience.ts), so the hourly probe does not page anyone.
 */

const CANARY = 'sg-0a1b2c3d4e5f67002';
const RULE = 'sgr-0a1b2c3d4e5f6e101';
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
let handler: (event: unknown, context: Context) => Promise<Outcome>;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  process.env.LAYERGUARD_CANARY_GROUP_ID = CANARY;
  process.env.LAYERGUARD_ACCOUNT_ID = '111122223333';
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: typeof handler });
});

describe("the canary's revert", () => {
  it('is told to machines only: one PutEvents, no SNS Publish', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: CANARY, GroupName: 'canary', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [] }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [{ SecurityGroupRuleId: RULE, GroupId: CANARY, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }],
    });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: RULE, GroupId: CANARY }] });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const outcome = await handler(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh.json'), {
      functionName: 'layerguard-security-group',
      getRemainingTimeInMillis: () => 30_000,
    } as unknown as Context);
    expect(outcome.outcome).toBe('remediated');
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });
});
