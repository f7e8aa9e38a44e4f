import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunbookResult } from '../../functions/pipeline/runbook.js';

/** The runbook function with its topic and bus configured, as the stack deploys it. */

const APP = 'sg-0a1b2c3d4e5f67002';
const SSH = 'sgr-0a1b2c3d4e5f6e101';
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<RunbookResult & { notificationErrors?: string[] }>;
let handler: Handler;
const context = { functionName: 'layerguard-runbook', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  delete process.env.LAYERGUARD_POLICY;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  ({ handler } = (await import('../../functions/runbook/handler.js')) as unknown as { handler: Handler });
});

beforeEach(() => {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: APP, GroupName: 'app', Tags: [] }] });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({
    SecurityGroupRules: [{ SecurityGroupRuleId: SSH, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }],
  });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: SSH }] });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterEach(() => {
  ec2.reset();
  sns.reset();
  events.reset();
});

describe('runbook notifications', () => {
  it('tells people and machines about a revert it made', async () => {
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
    expect(result.outcomes[0]?.outcome).toBe('remediated');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(result.notificationErrors).toBeUndefined();
  });

  it('puts "nothing to do" on the bus, and on the topic with its outcome attribute (which the default subscriptions filter out)', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
    await handler({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({ outcome: { DataType: 'String', StringValue: 'already-compliant' } }),
    });
  });

  it("keeps the canary's revert off the topic, and tells people when the canary's group could not be reverted", async () => {
    process.env.LAYERGUARD_CANARY_GROUP_ID = APP;
    try {
      vi.resetModules(); // the handler reads its configuration once, at import
      const { handler: canaryAware } = (await import('../../functions/runbook/handler.js')) as unknown as { handler: Handler };
      const result = await canaryAware({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
      expect(result.outcomes[0]?.outcome).toBe('remediated');
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
      expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
      ec2.on(RevokeSecurityGroupIngressCommand).rejects(Object.assign(new Error('no'), { name: 'UnauthorizedOperation' }));
      const failed = await canaryAware({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
      expect(failed.outcomes[0]?.outcome).toBe('failed');
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    } finally {
      delete process.env.LAYERGUARD_CANARY_GROUP_ID;
    }
  });

  it('a failed notification does not hide the revert: it is named in the answer', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('topic gone'), { name: 'NotFoundException' }));
    const result = await handler({ action: 'revert-security-group', groupId: APP, dryRun: false }, context);
    expect(result.outcomes[0]?.outcome).toBe('remediated');
    expect(result.notificationErrors).toEqual([expect.stringMatching(/^sns for sg-0a1b2c3d4e5f67002: .*NotFoundException/)]);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });
});
