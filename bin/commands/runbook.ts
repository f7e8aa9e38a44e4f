import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type Command, Option } from 'commander';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { ec2Throttle } from '../../events/simulated-account/throttle.js';
import { ec2Client, retryConfig } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { parseRunbookPayload, type RunbookPayload, RunbookPayloadError } from '../../functions/core/runbook.js';
import { type RunbookDeps, type RunbookResult, runRunbook } from '../../functions/pipeline/runbook.js';
import { loadPolicy, printLine, UsageError } from '../io.js';
import { selectScenarios } from './gameday.js';
import { definedOnly } from '../../functions/core/defined.js';

/**
 * `layerguard runbook revert-security-group|revert-route-table|revert-subnet-association` and
 * `layerguard sweep`: the runbook function's payloads, run locally (with the caller's credentials,
 * or on a fresh simulated account) or on the deployed function (`--remote`).
 */

/** The stack output that names the deployed runbook function (infra/layerguard-stack.ts). */
export const RUNBOOK_FUNCTION_OUTPUT = 'RunbookFunctionName';
/** Where `--remote` finds the function's name when `--function-name` is not given. */
export const RUNBOOK_FUNCTION_ENV = 'LAYERGUARD_RUNBOOK_FUNCTION';

/**
 * The simulated account's retry: the SDK's standard mode as functions/adapters/clients.ts sets it
 * (5 attempts, throttling backoff from 1 s with jitter, capped at 20 s), so a simulated sweep meets
 * EC2's throttle buckets exactly as a real one would.
 */
export const SIMULATED_RETRY = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 20_000 } as const;

export interface RunbookCliOptions {
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly policy?: string;
  readonly target?: 'aws' | 'simulated';
  readonly inject?: string[];
  readonly remote?: boolean;
  readonly functionName?: string;
}

/** The CLI's answer: the runbook's, plus where it ran. */
export type CliResult = RunbookResult & { readonly target: string; readonly injected?: readonly string[] };

function payloadOf(fields: Record<string, unknown>): RunbookPayload {
  const defined = definedOnly(fields);
  try {
    return parseRunbookPayload(defined);
  } catch (error) {
    if (error instanceof RunbookPayloadError) {
      // Name the options, not the payload's fields: that is what the user typed.
      const flags: Record<string, string> = { groupId: '--group-id', routeTableId: '--route-table-id', subnetId: '--subnet-id', vpcId: '--vpc-id' };
      throw new UsageError(error.problems.map((p) => p.replace(/^(\w+):/, (m, k: string) => (flags[k] ? `${flags[k]}:` : m))).join('; ') || error.message);
    }
    throw error;
  }
}

function checkOptions(opts: RunbookCliOptions): void {
  if (opts.remote) {
    if (opts.target === 'simulated') throw new UsageError('--remote invokes the deployed function: it cannot be combined with --target simulated');
    if (opts.policy) throw new UsageError('--remote uses the deployed function\'s policy: --policy applies to local runs only');
    if (opts.inject?.length) throw new UsageError('--inject needs --target simulated');
  } else if (opts.functionName) {
    throw new UsageError('--function-name needs --remote');
  }
  if (opts.inject?.length && opts.target !== 'simulated') throw new UsageError('--inject needs --target simulated');
}

/** Invokes the deployed runbook function (RequestResponse) and returns its answer. */
export async function invokeRemote(payload: RunbookPayload, functionName: string | undefined): Promise<RunbookResult> {
  const name = functionName ?? process.env[RUNBOOK_FUNCTION_ENV]?.trim();
  if (!name) {
    throw new UsageError(
      `--remote needs the runbook function: pass --function-name NAME or set ${RUNBOOK_FUNCTION_ENV} to the LayerGuard stack's ${RUNBOOK_FUNCTION_OUTPUT} output ` +
        `(aws cloudformation describe-stacks --stack-name LayerGuard --query "Stacks[0].Outputs[?OutputKey=='${RUNBOOK_FUNCTION_OUTPUT}'].OutputValue" --output text)`,
    );
  }
  const client = new LambdaClient({ ...retryConfig() });
  const answer = await client.send(
    new InvokeCommand({ FunctionName: name, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const text = answer.Payload ? Buffer.from(answer.Payload).toString('utf8') : '';
  if (answer.FunctionError) {
    let detail = text;
    try {
      const e = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      detail = [e.errorType, e.errorMessage].filter(Boolean).join(': ') || text;
    } catch {
      // not JSON: show it as it is
    }
    throw new Error(`the runbook function ${name} failed (${answer.FunctionError}): ${detail.slice(0, 500)}`);
  }
  try {
    return JSON.parse(text) as RunbookResult;
  } catch {
    throw new Error(`the runbook function ${name} answered something that is not JSON`);
  }
}

async function localAws(payload: RunbookPayload, opts: RunbookCliOptions): Promise<RunbookResult> {
  const policy = loadPolicy(opts.policy);
  const client = ec2Client();
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    throw new UsageError('no AWS region: set AWS_REGION or a region in your AWS profile');
  }
  const deps: RunbookDeps = { network: createEc2Network(client), policy, clock: () => new Date(), context: { region } };
  return runRunbook(payload, deps);
}

async function simulated(payload: RunbookPayload, opts: RunbookCliOptions): Promise<{ result: RunbookResult; injected: string[] }> {
  const policy = loadPolicy(opts.policy);
  const scenarios = opts.inject?.length ? selectScenarios(opts.inject) : [];
  const target = new SimulatedTarget({ throttle: ec2Throttle(), retry: SIMULATED_RETRY });
  const injected: string[] = [];
  for (const scenario of scenarios) {
    try {
      await scenario.setup?.(target);
      // The drift only: the event the call produced is dropped, as if EventBridge had missed it.
      await scenario.inject(target);
    } catch (error) {
      const after = injected.length ? ` after ${injected.join(', ')}` : '';
      throw new UsageError(`cannot inject ${scenario.name}${after}: ${(error as Error).message}`);
    }
    injected.push(scenario.name);
  }
  const { account } = target;
  const deps: RunbookDeps = {
    network: target.network,
    policy,
    clock: () => new Date(),
    context: { account: account.account, region: account.region },
  };
  return { result: await runRunbook(payload, deps), injected };
}

const firstLine = (o: Outcome): string => `${o.outcome.padEnd(17)} ${(o.resources[0] ?? '-').padEnd(26)} ${o.reason}`;

function human(r: CliResult): string[] {
  const lines = r.outcomes.flatMap((o) => [
    firstLine(o),
    ...o.actions.map((a) => `${' '.repeat(45)}${a.result === 'skipped' ? 'would ' : ''}${describeAction(a)}${a.result && a.result !== 'skipped' ? ` (${a.result})` : ''}`),
    ...(o.humanAction ? [`${' '.repeat(45)}to do: ${o.humanAction}`] : []),
  ]);
  const counts = Object.entries(r.summary.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const scanned = r.summary.scanned
    ? `; scanned ${r.summary.scanned.securityGroups} security groups and ${r.summary.scanned.routeTables} route tables in ${r.summary.scanned.vpcs} VPC${r.summary.scanned.vpcs === 1 ? '' : 's'}`
    : '';
  const where = `${r.target}${r.injected?.length ? `, injected without events: ${r.injected.join(', ')}` : ''}`;
  return [
    ...(r.outcomes.length === 0 ? ['no drift found'] : lines),
    `${r.action}${r.dryRun ? ' (dry-run)' : ''} on ${where}: ${counts.join(', ') || 'nothing to do'}${scanned}`,
  ];
}

function describeAction(a: Outcome['actions'][number]): string {
  switch (a.type) {
    case 'revoke-ingress':
      return `revoke ${a.ruleIds.join(', ')} from ${a.groupId}`;
    case 'delete-route':
      return `delete the route to ${a.destination.cidrIpv4 ?? a.destination.cidrIpv6 ?? a.destination.prefixListId} from ${a.routeTableId}`;
    case 'replace-association':
      return `move ${a.subnetId} from ${a.fromRouteTableId} to ${a.toRouteTableId}`;
  }
}

/** Runs one runbook from the command line; the exit status: 0, or 1 when any outcome failed. */
export async function runRunbookCommand(fields: Record<string, unknown>, opts: RunbookCliOptions): Promise<number> {
  checkOptions(opts);
  const payload = payloadOf({ ...fields, ...(opts.dryRun ? { dryRun: true } : {}) });
  let out: CliResult;
  if (opts.remote) {
    out = { ...(await invokeRemote(payload, opts.functionName)), target: 'remote' };
  } else if (opts.target === 'simulated') {
    const { result, injected } = await simulated(payload, opts);
    out = { ...result, target: 'simulated', injected };
  } else {
    out = { ...(await localAws(payload, opts)), target: 'aws' };
  }
  if (opts.json) printLine(JSON.stringify(out));
  else for (const line of human(out)) printLine(line);
  return (out.summary?.counts?.failed ?? 0) > 0 ? 1 : 0;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The options every runbook command takes. */
function common(cmd: Command, opts: { inject: boolean }): Command {
  cmd
    .option('--dry-run', 'report what would be reverted; change nothing')
    .option('--json', 'one JSON object for machines: { runbookId, action, dryRun, outcomes, summary, target }')
    .option('--policy <file>', 'policy JSON (default: the built-in SEC05-BP01 policy); local runs only')
    .addOption(
      new Option('--target <target>', "aws: the caller's credentials and region (SDK configuration, AWS_ENDPOINT_URL included); simulated: a fresh three-tier simulated account")
        .choices(['aws', 'simulated'])
        .default('aws'),
    )
    .option('--remote', 'invoke the deployed runbook function instead of running locally')
    .option('--function-name <name>', `with --remote: the function (default: $${RUNBOOK_FUNCTION_ENV}, the stack's ${RUNBOOK_FUNCTION_OUTPUT} output)`);
  if (opts.inject) {
    cmd.option('--inject <scenario>', "with --target simulated: first inject a game-day scenario's drift without its event (repeatable)", collect);
  }
  return cmd;
}

/** Adds `runbook …` and `sweep` to the program. */
export function registerRunbookCommands(program: Command): void {
  const runbook = program.command('runbook').description('revert one security group, route table or subnet association now');
  const run = (fields: (o: Record<string, unknown>) => Record<string, unknown>) => async (o: RunbookCliOptions & Record<string, unknown>) => {
    process.exitCode = await runRunbookCommand(fields(o), o);
  };
  common(
    runbook
      .command('revert-security-group')
      .description('revoke every world-open ingress rule of the group that the policy does not allow')
      .requiredOption('--group-id <id>', 'the security group, e.g. sg-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-security-group', groupId: o.groupId })));
  common(
    runbook
      .command('revert-route-table')
      .description('delete the forbidden routes of a table that isolated subnets use; move isolated subnets off a shared internet table')
      .requiredOption('--route-table-id <id>', 'the route table, e.g. rtb-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-route-table', routeTableId: o.routeTableId })));
  common(
    runbook
      .command('revert-subnet-association')
      .description("put an isolated subnet back on its VPC's isolated route table")
      .requiredOption('--subnet-id <id>', 'the subnet, e.g. subnet-0abc1234'),
    { inject: true },
  ).action(run((o) => ({ action: 'revert-subnet-association', subnetId: o.subnetId })));

  common(
    program
      .command('sweep')
      .description('find and revert every drift the policy defines in a VPC or the whole region (for missed events)')
      .option('--vpc-id <id>', 'one VPC (default: every VPC of the region)'),
    { inject: true },
  ).action(run((o) => ({ action: 'sweep', vpcId: o.vpcId })));
}
