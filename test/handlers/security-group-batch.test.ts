import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeSecurityGroupRulesCommand,
  type DescribeSecurityGroupRulesCommandInput,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandInput,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type RevokeSecurityGroupIngressCommandInput,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEvent } from '../support/events.js';

/**
 * The security-group handler on a batch from its queue, with the SDK mocked: the events of one batch
 * are read together (one DescribeSecurityGroups and one DescribeSecurityGroupRules by `group-id`
 * filter for every group of the batch), each group's drift is revoked in one call carrying every
 * event's rule id, each event is told on its own, and only the failed events' messages come back
 * (partial batch response), after the retry delay the handler sets.
 */

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/LayerGuard-SecurityGroupEvents';
const APP = 'sg-0a1b2c3d4e5f67002';
const DB = 'sg-0a1b2c3d4e5f67003';
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);

type Batch = { batchItemFailures: { itemIdentifier: string }[] };
let handler: (event: unknown, context: Context) => Promise<Batch>;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
  process.env.LAYERGUARD_EVENT_BUS = 'layerguard-outcomes';
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  process.env.LAYERGUARD_POLICY = JSON.stringify({ reconciler: { maxRepeats: 100 } });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.LAYERGUARD_ACCOUNT_ID = '111122223333';
  process.env.LAYERGUARD_QUEUE_URL = QUEUE_URL;
  process.env.LAYERGUARD_RETRY_DELAY_SECONDS = '60';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as unknown as { handler: typeof handler });
});

const context = { functionName: 'layerguard-security-group', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 600_000 } as unknown as Context;

/** A world-open rule on `groupId` at `port`, and the AuthorizeSecurityGroupIngress event that made it (its own event id). */
let counter = 0;
function opened(groupId: string, port: number): { ruleId: string; event: unknown; rule: SecurityGroupRule } {
  counter += 1;
  const ruleId = `sgr-0a1b2c3d4e5f6${String(counter).padStart(4, '0')}`;
  const event = structuredClone(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh.json')) as Record<string, any>;
  event.detail.eventID = `batch-${counter}-${Date.now()}`;
  event.detail.requestParameters.groupId = groupId;
  Object.assign(event.detail.requestParameters.ipPermissions.items[0], { fromPort: port, toPort: port });
  Object.assign(event.detail.responseElements.securityGroupRuleSet.items[0], { groupId, securityGroupRuleId: ruleId, fromPort: port, toPort: port });
  const rule = { SecurityGroupRuleId: ruleId, GroupId: groupId, IsEgress: false, IpProtocol: 'tcp', FromPort: port, ToPort: port, CidrIpv4: '0.0.0.0/0' };
  return { ruleId, event, rule };
}

const batchOf = (bodies: unknown[]) => ({
  Records: bodies.map((body, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `rh-${i}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:LayerGuard-SecurityGroupEvents',
  })),
});

const groups = {
  [APP]: { GroupId: APP, GroupName: 'app-tier', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [{ Key: 'Tier', Value: 'Application' }] },
  [DB]: { GroupId: DB, GroupName: 'db-tier', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [{ Key: 'Tier', Value: 'Database' }] },
};
let live: SecurityGroupRule[] = [];
const idsOf = (input: DescribeSecurityGroupsCommandInput | DescribeSecurityGroupRulesCommandInput): string[] =>
  input.Filters?.find((f) => f.Name === 'group-id')?.Values ?? ('GroupIds' in input ? (input.GroupIds ?? []) : []);

beforeEach(() => {
  live = [];
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => ({
    SecurityGroups: idsOf(input).flatMap((id) => (groups[id as keyof typeof groups] ? [groups[id as keyof typeof groups]] : [])),
  }));
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake((input: DescribeSecurityGroupRulesCommandInput) => ({
    SecurityGroupRules: live.filter((r) => idsOf(input).includes(r.GroupId as string)),
  }));
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake((input: RevokeSecurityGroupIngressCommandInput) => ({
    Return: true,
    RevokedSecurityGroupRules: (input.SecurityGroupRuleIds ?? []).map((id) => ({ SecurityGroupRuleId: id, GroupId: input.GroupId })),
  }));
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] }));
});

afterEach(() => {
  ec2.reset();
  sns.reset();
  events.reset();
  sqs.reset();
});

describe('security-group handler, a batch from the queue', () => {
  it('three events on two groups: one read of each kind for both, one revoke per group with every rule id, three notices', async () => {
    const a = opened(APP, 22);
    const b = opened(APP, 3389);
    const c = opened(DB, 5432);
    live = [a.rule, b.rule, c.rule];
    const answer = await handler(batchOf([a.event, b.event, c.event]), context);
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 1);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'group-id', Values: [APP, DB] }],
      MaxResults: 1000,
    });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 1);
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)[0]?.args[0].input).toMatchObject({ Filters: [{ Name: 'group-id', Values: [APP, DB] }] });
    const revokes = ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input);
    expect(revokes).toHaveLength(2);
    expect(revokes).toContainEqual({ GroupId: APP, SecurityGroupRuleIds: [a.ruleId, b.ruleId] });
    expect(revokes).toContainEqual({ GroupId: DB, SecurityGroupRuleIds: [c.ruleId] });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 3);
    const told = events.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? '{}'));
    expect(told.map((d) => d.outcome)).toEqual(['remediated', 'remediated', 'remediated']);
    expect(new Set(told.map((d) => d.eventId)).size).toBe(3);
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 0);
  });

  it('a failed revoke fails only the events of that group: their messages come back, after 60 s', async () => {
    const a = opened(APP, 22);
    const c = opened(DB, 5432);
    live = [a.rule, c.rule];
    ec2.on(RevokeSecurityGroupIngressCommand, { GroupId: DB }).rejects(Object.assign(new Error('denied'), { name: 'UnauthorizedOperation', $metadata: {} }));
    const answer = await handler(batchOf([a.event, c.event]), context);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: APP, SecurityGroupRuleIds: [a.ruleId] });
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 1);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: [{ Id: '0', ReceiptHandle: 'rh-1', VisibilityTimeout: 60 }],
    });
  });

  it('a body that is not JSON is answered without a retry, and the other events are handled', async () => {
    const a = opened(APP, 22);
    live = [a.rule];
    const answer = await handler(batchOf(['{not json', a.event]), context);
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: APP, SecurityGroupRuleIds: [a.ruleId] });
  });

  it('an event alone in its batch makes the calls of the single-event path (no gathering, no wait)', async () => {
    const a = opened(APP, 22);
    live = [a.rule];
    const answer = await handler(batchOf([a.event]), context);
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { GroupIds: [APP] });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupRulesCommand, { Filters: [{ Name: 'group-id', Values: [APP] }] });
    expect(ec2.calls()).toHaveLength(3);
  });

  it('the same event twice in one batch: one revoke, one notice per channel; the copy comes back and finds it done', async () => {
    const a = opened(APP, 22);
    live = [a.rule];
    const first = await handler(batchOf([a.event, a.event]), context);
    // The copy met the first still in progress (idempotency): it is delivered again, alone.
    expect(first.batchItemFailures).toHaveLength(1);
    const again = await handler(batchOf([a.event]), context);
    expect(again).toEqual({ batchItemFailures: [] });
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });
});
