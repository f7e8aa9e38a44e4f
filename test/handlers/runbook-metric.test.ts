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
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS } from '../../functions/adapters/metrics.js';

/**
 * The runbook function's metrics, as it writes them (Powertools EMF on stdout): it is built by the
 * same handler factory as the event functions, so its counts carry the namespace, the `service`
 * dimension and its own `function` dimension.
 */

const GROUP = 'sg-0a1b2c3d4e5f67002';
const RULE = 'sgr-0a1b2c3d4e5f6e101';
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
type Handler = (event: unknown, context: Context) => Promise<unknown>;
let handler: Handler;
const context = {
  functionName: 'layerguard-runbook',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:layerguard-runbook',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  delete process.env.LAYERGUARD_POLICY;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.AWS_REGION = 'us-east-1';
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: GROUP, GroupName: 'app-tier', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [{ Key: 'Tier', Value: 'Application' }] }],
  });
  ec2.on(DescribeSecurityGroupRulesCommand).resolvesOnce({
    SecurityGroupRules: [{ SecurityGroupRuleId: RULE, GroupId: GROUP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }],
  }).resolves({ SecurityGroupRules: [] });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: RULE, GroupId: GROUP }] });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  ({ handler } = (await import('../../functions/runbook/handler.js')) as unknown as { handler: Handler });
});

afterAll(() => {
  ec2.reset();
  sns.reset();
  events.reset();
});

describe('runbook metrics', () => {
  it('counts a revert under the runbook function dimension', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await handler({ action: 'revert-security-group', groupId: GROUP, dryRun: false }, context);
    } finally {
      spy.mockRestore();
    }
    const docs = written
      .flatMap((w) => w.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const counted = docs.filter((d) => d.remediated !== undefined);
    expect(counted).toHaveLength(1);
    const [doc] = counted as [Record<string, unknown>];
    expect(doc.remediated).toBe(1);
    expect(doc.function).toBe('runbook');
    expect(doc.service).toBe(METRICS.service);
    const cw = (doc._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics[0];
    expect(cw?.Namespace).toBe(METRICS.namespace);
    expect(cw?.Dimensions.map((d) => [...d].sort())).toContainEqual(['function', 'service']);
  });
});
