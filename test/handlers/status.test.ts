import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readStatus } from '../../bin/commands/status.js';
import { NotFoundError } from '../../bin/io.js';

/**
 * `layerguard status` on mocked AWS APIs: the stack's outputs and resources (CloudFormation), the
 * functions' policy (Lambda), the alarms (CloudWatch), the dead-letter depth (SQS).
 */

const cf = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const cw = mockClient(CloudWatchClient);
const sqs = mockClient(SQSClient);
afterEach(() => {
  cf.reset();
  lambda.reset();
  cw.reset();
  sqs.reset();
});
const clients = () => ({
  cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
  lambda: new LambdaClient({ region: 'us-east-1' }),
  cloudWatch: new CloudWatchClient({ region: 'us-east-1' }),
  sqs: new SQSClient({ region: 'us-east-1' }),
});
const DLQ = 'https://sqs.us-east-1.amazonaws.com/111122223333/LayerGuard-RulesDeadLetterQueue-abc';

function deployed(opts: { mode?: string; dlqDepth?: number; canaryState?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'; runbookMode?: string } = {}) {
  cf.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'LayerGuard',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          { OutputKey: 'SecurityGroupFunctionName', OutputValue: 'LayerGuard-sg' },
          { OutputKey: 'RouteTableFunctionName', OutputValue: 'LayerGuard-rt' },
          { OutputKey: 'RunbookFunctionName', OutputValue: 'LayerGuard-rb' },
        ],
      },
    ],
  });
  cf.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'SecurityGroupErrors1A2B', PhysicalResourceId: 'LayerGuard-SecurityGroupErrors-X', ResourceType: 'AWS::CloudWatch::Alarm', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      { LogicalResourceId: 'CanaryNoOutcome9F', PhysicalResourceId: 'LayerGuard-CanaryNoOutcome-Y', ResourceType: 'AWS::CloudWatch::Alarm', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      { LogicalResourceId: 'RulesDeadLetterQueue77', PhysicalResourceId: DLQ, ResourceType: 'AWS::SQS::Queue', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      { LogicalResourceId: 'CanaryOutcomes12', PhysicalResourceId: 'https://sqs.us-east-1.amazonaws.com/111122223333/outcomes', ResourceType: 'AWS::SQS::Queue', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
    ],
  });
  const policy = (mode: string) => ({ Environment: { Variables: { LAYERGUARD_POLICY: JSON.stringify({ mode }) } } });
  lambda.on(GetFunctionConfigurationCommand).resolves(policy(opts.mode ?? 'dry-run'));
  if (opts.runbookMode) lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'LayerGuard-rb' }).resolves(policy(opts.runbookMode));
  cw.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      { AlarmName: 'LayerGuard-SecurityGroupErrors-X', StateValue: 'OK' },
      { AlarmName: 'LayerGuard-CanaryNoOutcome-Y', StateValue: opts.canaryState ?? 'OK', StateReason: 'no outcome in the last hour' },
    ],
  });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: String(opts.dlqDepth ?? 0) } });
}

describe('readStatus', () => {
  it('a healthy stack in dry-run: the mode from the functions, the canary and the alarms OK, no dead letters', async () => {
    deployed();
    const r = await readStatus(clients(), 'LayerGuard');
    expect(r).toMatchObject({ stackName: 'LayerGuard', stackStatus: 'UPDATE_COMPLETE', mode: 'dry-run', canary: 'OK', healthy: true, problems: [] });
    expect(r.functions.map((f) => [f.name, f.mode])).toEqual([
      ['LayerGuard-sg', 'dry-run'],
      ['LayerGuard-rt', 'dry-run'],
      ['LayerGuard-rb', 'dry-run'],
    ]);
    expect(r.alarms).toEqual([
      { name: 'LayerGuard-SecurityGroupErrors-X', state: 'OK', canary: false },
      { name: 'LayerGuard-CanaryNoOutcome-Y', state: 'OK', canary: true },
    ]);
    // Only the dead-letter queue is read, not the canary's outcomes queue.
    expect(r.deadLetters).toEqual([{ logicalId: 'RulesDeadLetterQueue77', url: DLQ, depth: 0 }]);
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(1);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toEqual({
      AlarmNames: ['LayerGuard-SecurityGroupErrors-X', 'LayerGuard-CanaryNoOutcome-Y'],
    });
  });

  it('a canary in ALARM, dead letters and functions that disagree: not healthy, each problem named', async () => {
    deployed({ mode: 'enforce', runbookMode: 'dry-run', canaryState: 'ALARM', dlqDepth: 3 });
    const r = await readStatus(clients(), 'LayerGuard');
    expect(r.healthy).toBe(false);
    expect(r.mode).toBe('mixed');
    expect(r.canary).toBe('ALARM');
    expect(r.problems).toEqual([
      'the functions run different modes: deploy again',
      'alarm LayerGuard-CanaryNoOutcome-Y is in ALARM: no outcome in the last hour',
      `3 message(s) in the dead-letter queue ${DLQ}: events LayerGuard could not handle`,
    ]);
  });

  it('no such stack: NotFoundError (the CLI exits 2)', async () => {
    cf.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(readStatus(clients(), 'Nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});
