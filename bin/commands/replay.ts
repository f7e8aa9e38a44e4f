import { changeTime, parseTrigger } from '../../functions/core/cloudtrail.js';
import { NotApplicableEventError } from '../../functions/core/errors.js';
import { policyWhere } from '../../functions/core/own-roles.js';
import type { Outcome } from '../../functions/core/outcome.js';
import type { Policy } from '../../functions/core/policy.js';
import { ec2Client } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { defaultLoadBalancerReader } from '../../functions/adapters/elb.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { ALL_REMEDIATORS, simulatedEngine } from '../../events/simulated-account/engine.js';
import { materialise, TIERS, type Tier } from '../../events/simulated-account/materialise.js';
import { type AccountContext, announce, awsContext } from '../account.js';
import { ask, checkApply } from '../apply.js';
import { type LoadedConfig, loadConfiguration } from '../config.js';
import { outcomeStatus, printLine, UsageError } from '../io.js';
import { type ReadEvent, readEvents } from '../trail.js';

export interface Replayed extends Outcome {
  readonly file: string;
  /** What replay had to assume because the event does not say it. */
  readonly assumptions: string[];
}

export interface ReplayCliOptions {
  readonly json?: boolean;
  readonly policy?: string;
  readonly config?: string;
  readonly tier?: string;
  readonly target?: string;
  readonly apply?: boolean;
  readonly yes?: boolean;
}

function notApplicable(file: string, input: unknown, error: Error): Replayed {
  const record = ((input as { detail?: unknown }).detail ?? input) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const trigger = {
    eventId: text(record.eventID),
    eventName: text(record.eventName),
    eventTime: text(record.eventTime),
    eventSource: text(record.eventSource),
    source: 'replay',
  };
  return {
    file,
    outcome: 'ignored',
    reason: error.message,
    eventId: trigger.eventId,
    eventName: trigger.eventName,
    trigger,
    resources: [],
    drift: [],
    actions: [],
    assumptions: [],
  };
}

/** The event parsed, or the `ignored` answer the handler would give a well-formed event of another call. */
function parseOrIgnore(event: ReadEvent): ReturnType<typeof parseTrigger> | Replayed {
  try {
    return parseTrigger(event.input);
  } catch (error) {
    if (error instanceof NotApplicableEventError) return notApplicable(event.source, event.input, error);
    throw error;
  }
}

/** One event: a fresh simulated account, the event's change made on it, then the handler's pipeline. */
export async function replaySimulated(event: ReadEvent, policy: Policy, opts: { tier?: Tier; stackName?: string } = {}): Promise<Replayed> {
  const parsed = parseOrIgnore(event);
  if (!('record' in parsed)) return parsed;
  // The baseline's exemption is judged at the event's time, as the clock below plays it.
  // Replay plays the event as if it had just happened: the clock starts at the event's time (now, when
  // the record's time is not in CloudTrail's form), so exemptions are judged then and `secondsOpen` is the
  // handling time, not the sample's age.
  const started = Date.now();
  const eventTime = changeTime(parsed.record.eventTime) ?? started;
  const account = threeTierAccount(new Date(eventTime));
  // Replay answers for the deployed stack, which ignores its own roles' calls where the event happened.
  const deployed = policyWhere(policy, parsed.record, { account: account.account, stackName: opts.stackName });
  const assumptions = materialise(account, parsed, policy, opts.tier);
  const clock = () => new Date(eventTime + (Date.now() - started));
  const { engine } = simulatedEngine(account, { policy: deployed, clock });
  const outcome = await engine.handle(event.input);
  return { file: event.source, ...outcome, assumptions };
}

/**
 * One event judged against the live account of the SDK configuration, as the deployed function
 * would judge it now: nothing is materialised, nothing is told (no topic, no bus), and with a
 * dry-run policy nothing is changed.
 */
export async function replayLive(event: ReadEvent, policy: Policy, ctx: AccountContext, stackName?: string): Promise<Replayed> {
  const parsed = parseOrIgnore(event);
  if (!('record' in parsed)) return parsed;
  const assumptions: string[] = [];
  const { awsRegion } = parsed.record;
  const account = parsed.record.recipientAccountId ?? parsed.record.userIdentity?.accountId;
  if (awsRegion !== ctx.region || (account && account !== ctx.account)) {
    assumptions.push(
      `the event happened in account ${account ?? '(unknown)'}, region ${awsRegion}: judged against account ${ctx.account}, region ${ctx.region}`,
    );
  }
  const engine = createEngine({
    network: createEc2Network(ec2Client(), { loadBalancers: defaultLoadBalancerReader() }),
    channels: [],
    makeStore: () => new MemoryIdempotencyStore(),
    policy: policyWhere(policy, parsed.record, { account: ctx.account, stackName }),
    clock: () => new Date(),
    remediators: ALL_REMEDIATORS,
  });
  const outcome = await engine.handle(event.input);
  return { file: event.source, ...outcome, assumptions };
}

const human = (r: Replayed): string[] => [
  `${r.file}`,
  `  ${r.eventName} ${r.eventId} -> ${r.outcome}`,
  `  ${r.reason}`,
  ...r.actions.map((a) => `  action: ${a.result === 'skipped' ? 'would ' : ''}${a.type} ${JSON.stringify({ ...a, type: undefined })}`),
  // What a person must do (alert-only), or restore after the revert (a replaced network ACL entry).
  ...(r.humanAction ? [`  to do: ${r.humanAction}`] : []),
  ...r.assumptions.map((a) => `  assumed: ${a}`),
];

const asDryRun = (policy: Policy): Policy => ({ ...policy, mode: 'dry-run' });

function checkReplayOptions(opts: ReplayCliOptions): 'simulated' | 'aws' {
  const target = opts.target ?? 'simulated';
  if (target !== 'simulated' && target !== 'aws') throw new UsageError(`unknown --target ${target}; use simulated or aws`);
  if (opts.tier !== undefined && !(TIERS as readonly string[]).includes(opts.tier)) {
    throw new UsageError(`--tier must be one of ${TIERS.join(', ')}`);
  }
  if (target === 'aws') {
    if (opts.tier !== undefined) throw new UsageError('--tier applies to the simulated account: the live account says what each resource is');
    checkApply(opts);
  } else if (opts.apply || opts.yes) {
    throw new UsageError('--apply and --yes need --target aws: the simulated account is a fresh copy, changed every time');
  }
  return target;
}

/**
 * `layerguard replay FILE…`: each event on the simulated account (default), or against the live
 * account (`--target aws`), read-only unless `--apply`. Exit status: 0, 1 an outcome failed, 2 an
 * event could not be read, 3 an outcome is alert-only.
 */
export async function runReplay(files: string[], opts: ReplayCliOptions): Promise<number> {
  const target = checkReplayOptions(opts);
  const loaded: LoadedConfig = loadConfiguration(opts);
  const events = readEvents(files);
  let live: AccountContext | undefined;
  let policy = loaded.policy;
  if (target === 'aws') {
    live = await awsContext();
    announce(loaded, live, !opts.apply);
    if (!opts.apply) policy = asDryRun(policy);
    else if (!opts.yes) {
      if (!(await ask(`Revert what these ${events.length} event(s) left in account ${live.account}, region ${live.region}?`))) {
        process.stderr.write('layerguard: nothing was changed\n');
        return 0;
      }
    }
  } else {
    const a = threeTierAccount();
    announce(loaded, { target: 'simulated', account: a.account, region: a.region });
  }
  let status = 0;
  const outcomes: Outcome[] = [];
  for (const event of events) {
    try {
      const { stackName } = loaded.config;
      const result = live
        ? await replayLive(event, policy, live, stackName)
        : await replaySimulated(event, policy, { tier: opts.tier as Tier | undefined, stackName });
      outcomes.push(result);
      if (opts.json) printLine(JSON.stringify(result));
      else for (const line of human(result)) printLine(line);
    } catch (error) {
      process.stderr.write(`layerguard replay: ${event.source}: ${(error as Error).message}\n`);
      status = 2;
    }
  }
  if (live && !opts.apply && outcomes.some((o) => o.outcome === 'dry-run')) {
    process.stderr.write('layerguard: nothing was changed: run again with --apply to revert\n');
  }
  const worst = outcomeStatus(outcomes);
  return worst === 1 ? 1 : status || worst;
}
