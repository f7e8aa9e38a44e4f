import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { retryConfig } from '../../functions/adapters/clients.js';
import { ENV } from '../../functions/core/config.js';
import { parsePolicy, type Policy } from '../../functions/core/policy.js';
import { announce, awsContext } from '../account.js';
import { loadConfiguration } from '../config.js';
import { NotFoundError, printLine } from '../io.js';

/**
 * `layerguard status`: is the deployed stack working? Read-only, from the stack itself:
 *
 * - CloudFormation DescribeStacks: the stack's status and its outputs (the functions' names);
 * - CloudFormation ListStackResources: its alarms (`AWS::CloudWatch::Alarm`, physical id = the
 *   alarm's name) and queues (`AWS::SQS::Queue`, physical id = the queue's URL): the CloudFormation
 *   resource reference's "Ref" return values of both types;
 * - Lambda GetFunctionConfiguration: the policy each function runs (`LAYERGUARD_POLICY`) and so its mode;
 * - CloudWatch DescribeAlarms: each alarm's state (the canary's among them);
 * - SQS GetQueueAttributes `ApproximateNumberOfMessages`: the depth of each dead-letter queue.
 */

/** The stack outputs that name the functions (infra/layerguard-stack.ts). */
export const FUNCTION_OUTPUTS = ['SecurityGroupFunctionName', 'RouteTableFunctionName', 'RunbookFunctionName'] as const;

export interface StatusClients {
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly cloudWatch: CloudWatchClient;
  readonly sqs: SQSClient;
}

export interface FunctionStatus {
  readonly output: string;
  readonly name: string;
  readonly mode?: Policy['mode'];
  readonly policy?: Policy;
  readonly problem?: string;
}

export interface StatusReport {
  readonly stackName: string;
  readonly stackStatus: string;
  /** The deployed mode: the functions' one mode, or `mixed` when they disagree. */
  readonly mode: Policy['mode'] | 'mixed' | 'unknown';
  readonly functions: readonly FunctionStatus[];
  readonly alarms: readonly { readonly name: string; readonly state: string; readonly canary: boolean; readonly reason?: string }[];
  /** The canary alarm's state: OK while the hourly probe reaches the security-group function. */
  readonly canary: string;
  readonly deadLetters: readonly { readonly logicalId: string; readonly url: string; readonly depth: number }[];
  /** No alarm in ALARM, no dead letter, every function read, the stack in a *_COMPLETE state. */
  readonly healthy: boolean;
  readonly problems: readonly string[];
}

async function stackResources(cf: CloudFormationClient, stackName: string): Promise<StackResourceSummary[]> {
  const all: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cf.send(new ListStackResourcesCommand({ StackName: stackName, ...(NextToken ? { NextToken } : {}) }));
    all.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}

async function alarmsNamed(cw: CloudWatchClient, names: readonly string[]): Promise<MetricAlarm[]> {
  const found: MetricAlarm[] = [];
  // DescribeAlarms takes at most 100 names a call (CloudWatch API Reference, DescribeAlarms: AlarmNames, "Maximum number of 100 items").
  for (let i = 0; i < names.length; i += 100) {
    const answer = await cw.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }));
    found.push(...(answer.MetricAlarms ?? []));
  }
  return found;
}

const isNotFound = (error: unknown): boolean => /does not exist/i.test((error as Error).message ?? '');

/** Reads the stack's state; throws `NotFoundError` when the stack does not exist. */
export async function readStatus(clients: StatusClients, stackName: string): Promise<StatusReport> {
  let stack;
  try {
    stack = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    // CloudFormation answers ValidationError "Stack with id X does not exist".
    if (isNotFound(error)) throw new NotFoundError(`stack ${stackName} not found: deploy it (npx cdk deploy) or pass --stack-name`);
    throw error;
  }
  if (!stack) throw new NotFoundError(`stack ${stackName} not found: deploy it (npx cdk deploy) or pass --stack-name`);
  const outputs = new Map((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  const problems: string[] = [];

  const functions = await Promise.all(
    FUNCTION_OUTPUTS.map(async (output): Promise<FunctionStatus> => {
      const name = outputs.get(output);
      if (!name) return { output, name: '', problem: `the stack has no ${output} output` };
      try {
        const conf = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        const policy = parsePolicy(JSON.parse(conf.Environment?.Variables?.[ENV.policy] ?? '{}'));
        return { output, name, mode: policy.mode, policy };
      } catch (error) {
        return { output, name, problem: (error as Error).message };
      }
    }),
  );
  for (const f of functions) if (f.problem) problems.push(`${f.output} ${f.name}: ${f.problem}`);
  const modes = [...new Set(functions.flatMap((f) => (f.mode ? [f.mode] : [])))];
  const mode = modes.length === 1 ? (modes[0] as Policy['mode']) : modes.length > 1 ? 'mixed' : 'unknown';
  if (mode === 'mixed') problems.push('the functions run different modes: deploy again');

  const resources = await stackResources(clients.cloudFormation, stackName);
  const alarmResources = resources.filter((r) => r.ResourceType === 'AWS::CloudWatch::Alarm' && r.PhysicalResourceId);
  const canaryNames = new Set(alarmResources.filter((r) => /canary/i.test(r.LogicalResourceId ?? '')).map((r) => r.PhysicalResourceId as string));
  const described = await alarmsNamed(clients.cloudWatch, alarmResources.map((r) => r.PhysicalResourceId as string));
  const alarms = described.map((a) => ({
    name: a.AlarmName ?? '',
    state: a.StateValue ?? 'UNKNOWN',
    canary: canaryNames.has(a.AlarmName ?? ''),
    ...(a.StateValue === 'ALARM' && a.StateReason ? { reason: a.StateReason } : {}),
  }));
  for (const a of alarms) if (a.state === 'ALARM') problems.push(`alarm ${a.name} is in ALARM${a.reason ? `: ${a.reason}` : ''}`);
  const canaryAlarms = alarms.filter((a) => a.canary);
  const canary = canaryAlarms.length === 0 ? 'none' : canaryAlarms.some((a) => a.state === 'ALARM') ? 'ALARM' : (canaryAlarms[0]?.state ?? 'UNKNOWN');

  // Dead-letter queues: the rules' and the functions' failure queues (not the canary's or the game day's outcomes).
  const queues = resources.filter(
    (r) => r.ResourceType === 'AWS::SQS::Queue' && r.PhysicalResourceId && /DeadLetter|Failure/i.test(r.LogicalResourceId ?? ''),
  );
  const deadLetters = await Promise.all(
    queues.map(async (q) => {
      const url = q.PhysicalResourceId as string;
      const attrs = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
      return { logicalId: q.LogicalResourceId ?? '', url, depth: Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0) };
    }),
  );
  for (const d of deadLetters) if (d.depth > 0) problems.push(`${d.depth} message(s) in the dead-letter queue ${d.url}: events LayerGuard could not handle`);

  const stackStatus = stack.StackStatus ?? 'UNKNOWN';
  if (!/_COMPLETE$/.test(stackStatus) || /ROLLBACK|DELETE/.test(stackStatus)) problems.push(`the stack is ${stackStatus}`);
  return { stackName, stackStatus, mode, functions, alarms, canary, deadLetters, healthy: problems.length === 0, problems };
}

function human(r: StatusReport): string[] {
  return [
    `stack ${r.stackName}: ${r.stackStatus}; mode ${r.mode}; canary ${r.canary}; ${r.healthy ? 'healthy' : 'NOT healthy'}`,
    ...r.functions.map((f) => `  function ${f.name || '-'} (${f.output}): ${f.mode ?? f.problem ?? '?'}`),
    ...r.alarms.map((a) => `  alarm ${a.name}: ${a.state}${a.canary ? ' (canary)' : ''}`),
    ...r.deadLetters.map((d) => `  dead letters ${d.logicalId}: ${d.depth}`),
    ...r.problems.map((p) => `  problem: ${p}`),
  ];
}

/** `layerguard status [--stack-name NAME] [--json]`. Exit 0 healthy, 1 not, 2 no such stack. */
export async function runStatus(opts: { stackName?: string; json?: boolean; config?: string }): Promise<number> {
  const loaded = loadConfiguration(opts);
  const stackName = opts.stackName ?? loaded.config.stackName;
  const ctx = await awsContext();
  announce(loaded, ctx, true);
  const config = { ...retryConfig() };
  const report = await readStatus(
    {
      cloudFormation: new CloudFormationClient(config),
      lambda: new LambdaClient(config),
      cloudWatch: new CloudWatchClient(config),
      sqs: new SQSClient(config),
    },
    stackName,
  );
  if (opts.json) printLine(JSON.stringify(report));
  else for (const line of human(report)) printLine(line);
  return report.healthy ? 0 : 1;
}
