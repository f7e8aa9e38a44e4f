import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SimulatedTarget } from '../../events/scenarios/simulated-target.js';
import { ec2Throttle } from '../../events/simulated-account/throttle.js';
import { ec2Client, retryConfig } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { defaultLoadBalancerReader } from '../../functions/adapters/elb.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { parseRunbookPayload, type RunbookPayload, RunbookPayloadError } from '../../functions/core/runbook.js';
import { type RunbookDeps, type RunbookResult, runRunbook } from '../../functions/pipeline/runbook.js';
import { NotFoundError, printLine, UsageError } from '../io.js';
import { selectScenarios } from './gameday.js';
import { definedOnly } from '../../functions/core/defined.js';
import { type AccountContext, announce, awsContext } from '../account.js';
import { ask, checkApply } from '../apply.js';
import { type LoadedConfig, loadConfiguration } from '../config.js';

/**
 * `layerguard runbook revert-security-group|revert-route-table|revert-subnet-association|revert-network-acl` and
 * `layerguard sweep`: the runbook function's payloads, run locally (with the caller's credentials,
 * or on a fresh simulated account) or on the deployed function (`--remote`).
 */

import { RUNBOOK_FUNCTION_ENV, RUNBOOK_FUNCTION_OUTPUT } from './runbook-commands.js';

/**
 * The simulated account's retry: the SDK's standard mode as functions/adapters/clients.ts sets it
 * (5 attempts, throttling backoff from 1 s with jitter, capped at 20 s), so a simulated sweep meets
 * EC2's throttle buckets exactly as a real one would.
 */
export const SIMULATED_RETRY = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 20_000 } as const;

export interface RunbookCliOptions {
  readonly dryRun?: boolean;
  /** A real account (`--target aws`, `--remote`) is changed only with `--apply`. */
  readonly apply?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly policy?: string;
  readonly config?: string;
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
      const flags: Record<string, string> = { groupId: '--group-id', routeTableId: '--route-table-id', subnetId: '--subnet-id', networkAclId: '--network-acl-id', vpcId: '--vpc-id' };
      throw new UsageError(error.problems.map((p) => p.replace(/^(\w+):/, (m, k: string) => (flags[k] ? `${flags[k]}:` : m))).join('; ') || error.message);
    }
    throw error;
  }
}

function checkOptions(opts: RunbookCliOptions): void {
  if (opts.remote) {
    if (opts.target === 'simulated') throw new UsageError('--remote invokes the deployed function: it cannot be combined with --target simulated');
    if (opts.policy || opts.config) {
      throw new UsageError(`--remote uses the deployed function's policy: ${opts.policy ? '--policy' : '--config'} applies to local runs only`);
    }
    if (opts.inject?.length) throw new UsageError('--inject needs --target simulated');
  } else if (opts.functionName) {
    throw new UsageError('--function-name needs --remote');
  }
  if (opts.inject?.length && opts.target !== 'simulated') throw new UsageError('--inject needs --target simulated');
}

/** The deployed runbook function's name: `--function-name`, else the environment; a usage error without either. */
export function remoteFunctionName(functionName: string | undefined): string {
  const name = functionName ?? process.env[RUNBOOK_FUNCTION_ENV]?.trim();
  if (!name) {
    throw new UsageError(
      `--remote needs the runbook function: pass --function-name NAME or set ${RUNBOOK_FUNCTION_ENV} to the LayerGuard stack's ${RUNBOOK_FUNCTION_OUTPUT} output ` +
        `(aws cloudformation describe-stacks --stack-name LayerGuard --query "Stacks[0].Outputs[?OutputKey=='${RUNBOOK_FUNCTION_OUTPUT}'].OutputValue" --output text)`,
    );
  }
  return name;
}

/** Invokes the deployed runbook function (RequestResponse) and returns its answer. */
export async function invokeRemote(payload: RunbookPayload, functionName: string | undefined): Promise<RunbookResult> {
  const name = remoteFunctionName(functionName);
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

/** The runbook with the caller's credentials, in the account and region of the SDK configuration. */
async function localAws(payload: RunbookPayload, loaded: LoadedConfig, ctx: AccountContext): Promise<RunbookResult> {
  const deps: RunbookDeps = {
    network: createEc2Network(ec2Client(), { loadBalancers: defaultLoadBalancerReader() }),
    policy: loaded.policy,
    clock: () => new Date(),
    context: { account: ctx.account, region: ctx.region },
  };
  return runRunbook(payload, deps);
}

async function simulated(
  payload: RunbookPayload,
  opts: RunbookCliOptions,
): Promise<{ result: RunbookResult; injected: string[]; ctx: AccountContext }> {
  const loaded = loadConfiguration(opts);
  const { policy } = loaded;
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
  const ctx: AccountContext = { target: 'simulated', account: account.account, region: account.region };
  announce(loaded, ctx);
  const deps: RunbookDeps = {
    network: target.network,
    policy,
    clock: () => new Date(),
    context: { account: account.account, region: account.region },
  };
  return { result: await runRunbook(payload, deps), injected, ctx };
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
    case 'restore-ingress':
      return `restore ${a.rules.map((r) => r.ruleId).join(', ')} of ${a.groupId} from AWS Config`;
    case 'replace-route':
      return `restore the route to ${a.destination.cidrIpv4 ?? a.destination.cidrIpv6 ?? a.destination.prefixListId} on ${a.routeTableId} from AWS Config`;
    case 'delete-route':
      return `delete the route to ${a.destination.cidrIpv4 ?? a.destination.cidrIpv6 ?? a.destination.prefixListId} from ${a.routeTableId}`;
    case 'replace-association':
    case 'associate-subnet':
      return `move ${a.subnetId} from ${a.fromRouteTableId} to ${a.toRouteTableId}`;
    case 'delete-nacl-entry':
      return `delete ${a.egress ? 'egress' : 'ingress'} entry ${a.ruleNumber} from ${a.networkAclId}`;
    case 'replace-nacl-association':
      return `move ${a.subnetId} from ${a.fromNetworkAclId} to ${a.toNetworkAclId}`;
    case 'remove-prefix-list-entries':
      return `remove ${a.cidrs.join(', ')} from ${a.prefixListId}`;
  }
}

const wouldChange = (r: RunbookResult): number => r.summary.counts['dry-run'];

function print(out: CliResult, opts: RunbookCliOptions): void {
  if (opts.json) printLine(JSON.stringify(out));
  else for (const line of human(out)) printLine(line);
}

/**
 * A real account (`--target aws` or `--remote`): what would change first, then, with `--apply`
 * confirmed, the change. `run(dryRun)` runs the payload once.
 */
async function onRealAccount(
  opts: RunbookCliOptions,
  target: string,
  run: (dryRun: boolean) => Promise<RunbookResult>,
): Promise<CliResult | undefined> {
  if (!opts.apply) return { ...(await run(true)), target };
  if (!opts.yes) {
    const plan: CliResult = { ...(await run(true)), target };
    const n = wouldChange(plan);
    if (n === 0 || plan.notFound?.length) return plan;
    print(plan, opts);
    if (!(await ask(`Make these ${n} change${n === 1 ? '' : 's'}?`))) {
      process.stderr.write('layerguard: nothing was changed\n');
      return undefined;
    }
  }
  return { ...(await run(false)), target };
}

/**
 * Runs one runbook from the command line. Exit status: 0 done (or nothing to do), 1 an outcome
 * failed, 2 bad input or an id that does not exist, 3 an outcome is alert-only (a person must act).
 */
export async function runRunbookCommand(fields: Record<string, unknown>, opts: RunbookCliOptions): Promise<number> {
  checkOptions(opts);
  const real = opts.target !== 'simulated';
  if (real) checkApply(opts);
  // The simulated account is a fresh copy: it acts unless --dry-run.
  const payload = payloadOf({ ...fields, dryRun: real ? !opts.apply : opts.dryRun === true });
  let out: CliResult | undefined;
  let ctx: AccountContext;
  if (opts.remote) {
    remoteFunctionName(opts.functionName);
    ctx = await awsContext();
    process.stderr.write(
      `layerguard: configuration the deployed function's, mode ${opts.apply ? "the function's" : 'dry-run'}, account ${ctx.account}, region ${ctx.region}, target remote\n`,
    );
    out = await onRealAccount(opts, 'remote', (dryRun) => invokeRemote({ ...payload, dryRun }, opts.functionName));
  } else if (opts.target === 'simulated') {
    const { result, injected, ctx: simulatedCtx } = await simulated(payload, opts);
    ctx = simulatedCtx;
    out = { ...result, target: 'simulated', injected };
  } else {
    const loaded = loadConfiguration(opts);
    ctx = await awsContext();
    announce(loaded, ctx, !opts.apply);
    if (opts.apply && loaded.policy.mode === 'dry-run') {
      process.stderr.write(`layerguard: the configuration's mode is dry-run (${loaded.source}): --apply changes nothing\n`);
    }
    out = await onRealAccount(opts, 'aws', (dryRun) => localAws({ ...payload, dryRun }, loaded, ctx));
  }
  if (!out) return 0;
  if (out.notFound?.length) {
    if (opts.json) printLine(JSON.stringify(out));
    const where = ctx.target === 'simulated' ? 'the simulated account' : `account ${ctx.account}, region ${ctx.region}`;
    throw new NotFoundError(`${out.notFound.join(', ')} not found in ${where}`);
  }
  print(out, opts);
  if (real && !opts.apply && wouldChange(out) > 0) {
    process.stderr.write('layerguard: nothing was changed: run again with --apply to revert\n');
  }
  // The summary counts every outcome (a remote answer may have dropped some to fit Lambda's limit).
  const { counts } = out.summary;
  return counts.failed > 0 ? 1 : counts['alert-only'] > 0 ? 3 : 0;
}
