import 'aws-sdk-client-mock-vitest/extend';
import { CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeFlowLogsCommand,
  DescribeNetworkInterfacesCommand,
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
import { DEFAULT_FORMAT } from '../../functions/adapters/flow-evidence.js';
import { buildFlowQuery } from '../../functions/core/flow-evidence.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { loadEvent } from '../support/events.js';

/**
 * The security-group handler with `flowLogEvidence` on, the SDK mocked: the revert and its two notices
 * first, then the evidence step's exact EC2 and Logs calls, then the follow-up notice on each channel.
 */

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
const BUS = 'layerguard-outcomes';
const APP = 'sg-0a1b2c3d4e5f67002';
const VPC = 'vpc-0a1b2c3d4e5f60001';
const OPEN_RULE = 'sgr-0a1b2c3d4e5f6e101';
// The sample's eventTime, 2025-03-14T09:12:44Z, and the clock's "now": reverted 3 s later.
const CHANGE_EPOCH = 1741943564;
const NOW = new Date('2025-03-14T09:12:47Z');

const ec2 = mockClient(EC2Client);
const logs = mockClient(CloudWatchLogsClient);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<Outcome>;
let handler: Handler;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = TOPIC;
  process.env.LAYERGUARD_EVENT_BUS = BUS;
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  // Every test reverts the same drift by the same actor: not a reconciler's fight here.
  process.env.LAYERGUARD_POLICY = JSON.stringify({ reconciler: { maxRepeats: 100 } });
  process.env.LAYERGUARD_FLOW_LOG_EVIDENCE = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.LAYERGUARD_ACCOUNT_ID = '111122223333';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
});

const context = { functionName: 'layerguard-security-group', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 120_000 } as unknown as Context;

let counter = 0;
function sample(): unknown {
  const event = structuredClone(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh.json')) as { detail: { eventID: string } };
  event.detail.eventID = `${event.detail.eventID}-flow-${++counter}`;
  return event;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: APP, GroupName: 'app-tier', VpcId: VPC }] });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({
    SecurityGroupRules: [{ SecurityGroupRuleId: OPEN_RULE, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' }],
  });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: OPEN_RULE, GroupId: APP }] });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0a', SubnetId: 'subnet-0a', VpcId: VPC }] });
  ec2.on(DescribeFlowLogsCommand).resolves({
    FlowLogs: [{ ResourceId: VPC, LogGroupName: '/vpc/flows', FlowLogStatus: 'ACTIVE', TrafficType: 'ALL', MaxAggregationInterval: 60, LogFormat: DEFAULT_FORMAT }],
  });
  logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
  logs
    .on(GetQueryResultsCommand)
    .resolvesOnce({ status: 'Running' })
    .resolves({
      status: 'Complete',
      results: [
        [{ field: 'srcAddr', value: '203.0.113.9' }, { field: 'flows', value: '4' }],
        [{ field: 'srcAddr', value: '198.51.100.2' }, { field: 'flows', value: '1' }],
      ],
    });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterEach(() => {
  vi.useRealTimers();
  ec2.reset();
  logs.reset();
  sns.reset();
  events.reset();
});

const details = () => events.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? '{}'));

describe('flow-log evidence after a world-open revert', () => {
  it('reverts and tells first, then asks the flow logs and tells the evidence once on each channel', async () => {
    const outcome = await handler(sample(), context);
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'group-id', Values: [APP] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeFlowLogsCommand, {
      Filter: [
        { Name: 'resource-id', Values: ['eni-0a', 'subnet-0a', VPC] },
        { Name: 'log-destination-type', Values: ['cloud-watch-logs'] },
      ],
    });
    expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 1);
    expect(logs.commandCalls(StartQueryCommand)[0]?.args[0].input).toEqual({
      logGroupNames: ['/vpc/flows'],
      startTime: CHANGE_EPOCH - 60,
      endTime: CHANGE_EPOCH + 3 + 60,
      queryString: buildFlowQuery(['eni-0a']),
    });
    expect(logs).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
    expect(logs).toHaveReceivedCommandWith(GetQueryResultsCommand, { queryId: 'q-1' });
    // The revoke came before any evidence call.
    const order = ec2.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('RevokeSecurityGroupIngressCommand')).toBeLessThan(order.indexOf('DescribeNetworkInterfacesCommand'));

    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    const followUp = sns.commandCalls(PublishCommand)[1]?.args[0].input;
    expect(followUp?.Subject).toMatch(/^\[LayerGuard\] FLOW-LOG EVIDENCE - USED: /);
    expect(followUp?.Message).toContain('used: 5 flows from 2 public addresses (top 2: 203.0.113.9 4, 198.51.100.2 1)');
    const [first, second] = details();
    expect(first).toMatchObject({ outcome: 'remediated' });
    expect(first.evidence).toBeUndefined();
    expect(second).toMatchObject({ outcome: 'remediated', eventId: outcome.eventId, evidence: { status: 'used', flows: 5, addresses: 2 } });
  });

  it('a redelivered event neither queries nor tells again', async () => {
    const event = sample();
    await handler(event, context);
    await handler(event, context);
    expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });

  it('no flow log for the VPC: unknown, and no query', async () => {
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    await handler(sample(), context);
    expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 0);
    expect(details()[1]).toMatchObject({ evidence: { status: 'unknown', text: 'unknown: no flow logs for this VPC' } });
  });

  it('an evidence failure leaves the outcome remediated, told once, and says unknown', async () => {
    logs.on(StartQueryCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const outcome = await handler(sample(), context);
    expect(outcome.outcome).toBe('remediated');
    const told = details();
    expect(told.filter((d) => d.evidence === undefined)).toHaveLength(1);
    expect(told[1]).toMatchObject({ evidence: { status: 'unknown' } });
    expect(told[1].evidence.text).toContain('the evidence step failed');
  });

  it('a follow-up notice that fails does not fail the event', async () => {
    events.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }).rejects(new Error('bus down'));
    const outcome = await handler(sample(), context);
    expect(outcome.outcome).toBe('remediated');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
  });

  it('in an SQS batch too: each event reverted, told, then its evidence told', async () => {
    const bodies = [sample(), sample()];
    const batch = { Records: bodies.map((b, i) => ({ messageId: `m-${i}`, eventSource: 'aws:sqs', body: JSON.stringify(b) })) };
    const answer = (await handler(batch, context)) as unknown as { batchItemFailures: unknown[] };
    expect(answer.batchItemFailures).toEqual([]);
    expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 2);
    expect(details().filter((d) => d.evidence?.status === 'used')).toHaveLength(2);
  });
});
