import { parseTrigger } from '../../functions/core/cloudtrail.js';
import { NotApplicableEventError } from '../../functions/core/errors.js';
import { policyWhere } from '../../functions/core/own-roles.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { materialise, TIERS, type Tier } from '../../events/simulated-account/materialise.js';
import { loadPolicy, printLine, readJson, UsageError } from '../io.js';

export interface Replayed extends Outcome {
  readonly file: string;
  /** What replay had to assume because the event does not say it. */
  readonly assumptions: string[];
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

/** One event: a fresh simulated account, the event's change made on it, then the handler's pipeline. */
export async function replayOne(file: string, opts: { policy?: string; tier?: string }): Promise<Replayed> {
  if (opts.tier !== undefined && !(TIERS as readonly string[]).includes(opts.tier)) {
    throw new UsageError(`--tier must be one of ${TIERS.join(', ')}`);
  }
  const policy = loadPolicy(opts.policy);
  const input = readJson(file);
  let parsed: ReturnType<typeof parseTrigger>;
  try {
    parsed = parseTrigger(input);
  } catch (error) {
    // A well-formed event of another API call is not LayerGuard's: the handler would ignore it too.
    if (error instanceof NotApplicableEventError) return notApplicable(file, input, error);
    throw error;
  }
  const account = threeTierAccount();
  // Replay answers for the deployed stack, which ignores its own roles' calls where the event happened.
  const deployed = policyWhere(policy, parsed.record, { account: account.account });
  const assumptions = materialise(account, parsed, policy, opts.tier as Tier | undefined);
  // Replay plays the event as if it had just happened: the clock starts at the event's time, so
  // exemptions are judged then and `secondsOpen` is the handling time, not the sample's age.
  const started = Date.now();
  const eventTime = Date.parse(parsed.record.eventTime);
  const clock = () => new Date(eventTime + (Date.now() - started));
  const { engine } = simulatedEngine(account, { policy: deployed, clock });
  const outcome = await engine.handle(input);
  return { file, ...outcome, assumptions };
}

const human = (r: Replayed): string[] => [
  `${r.file}`,
  `  ${r.eventName} ${r.eventId} -> ${r.outcome}`,
  `  ${r.reason}`,
  ...r.actions.map((a) => `  action: ${a.type} ${JSON.stringify({ ...a, type: undefined })}`),
  ...r.assumptions.map((a) => `  assumed: ${a}`),
];

export async function runReplay(files: string[], opts: { json?: boolean; policy?: string; tier?: string }): Promise<number> {
  let status = 0;
  for (const file of files) {
    try {
      const result = await replayOne(file, opts);
      if (opts.json) printLine(JSON.stringify(result));
      else for (const line of human(result)) printLine(line);
      if (result.outcome === 'failed') status = 1;
    } catch (error) {
      process.stderr.write(`layerguard replay: ${file}: ${(error as Error).message}\n`);
      status = status || 2;
    }
  }
  return status;
}
