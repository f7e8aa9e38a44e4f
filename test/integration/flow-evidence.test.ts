import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateFlowLogsCommand, CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { gatherFlowEvidence } from '../../functions/adapters/flow-evidence.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/**
 * The evidence adapter on moto 5.2 over real HTTP. Where moto's support stops (moto/logs/models.py
 * start_query/get_query_results, moto/logs/logs_query/): the query engine applies StartQuery's time
 * range, `sort` and `limit`, but ignores `filter` and `stats` and returns only `@`-fields (`@ptr`,
 * `@timestamp`, …), never `srcAddr` or `flows`. So here the calls and their shapes are real (the
 * DescribeFlowLogs `resource-id` and `log-destination-type` filters, DescribeNetworkInterfaces
 * `group-id`, StartQuery on an existing log group, GetQueryResults `Complete`), and the answer of a
 * record-bearing window is "not used": the counting is tested with mocked results (test/handlers).
 */

useMoto();
const endpoint = motoEndpoint();

const outcomeFor = (groupId: string, eventTime: string): Outcome => ({
  outcome: 'remediated',
  reason: 'revoked',
  eventId: `e-${groupId}`,
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: { eventId: `e-${groupId}`, eventName: 'AuthorizeSecurityGroupIngress', eventTime, eventSource: 'ec2.amazonaws.com', source: 'aws.ec2', region: 'us-east-1' },
  resources: [groupId],
  drift: [{ kind: 'sg-world-open', groupId, rules: [] }],
  actions: [],
  secondsOpen: 3,
});

describe.skipIf(!endpoint)('flow-log evidence on moto', () => {
  const ec2 = new EC2Client({});
  const logs = new CloudWatchLogsClient({});

  async function groupWithInterface() {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc?.VpcId as string;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.40.1.0/24' }))).Subnet?.SubnetId as string;
    const group = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: `flow-${Date.now()}-${Math.random()}`, Description: 'flow evidence' }))).GroupId as string;
    await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Groups: [group] }));
    return { vpc, group };
  }

  it('no flow log on the VPC: unknown, no query', async () => {
    const { group } = await groupWithInterface();
    const evidence = await gatherFlowEvidence({ ec2, logs }, outcomeFor(group, new Date().toISOString()));
    expect(evidence).toEqual({ status: 'unknown', text: 'unknown: no flow logs for this VPC' });
  });

  it('a VPC flow log to CloudWatch Logs: the query runs over its log group and completes', async () => {
    const { vpc, group } = await groupWithInterface();
    const logGroupName = `/vpc/flows/${vpc}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'eni' }));
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: 'eni', logEvents: [{ timestamp: now, message: '2 123456789012 eni-x 203.0.113.9 10.40.1.5 4444 22 6 3 180 0 0 ACCEPT OK' }] }));
    await ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: [vpc],
        ResourceType: 'VPC',
        TrafficType: 'ALL',
        LogDestinationType: 'cloud-watch-logs',
        LogGroupName: logGroupName,
        DeliverLogsPermissionArn: 'arn:aws:iam::123456789012:role/flow-logs',
        MaxAggregationInterval: 60,
      }),
    );
    const evidence = await gatherFlowEvidence({ ec2, logs }, outcomeFor(group, new Date(now - 1000).toISOString()), { maxWaitMs: 5_000, pollMs: 100 });
    expect(evidence).toMatchObject({ status: 'not-used', logGroupNames: [logGroupName] });
  });
});
