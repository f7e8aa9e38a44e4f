import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { CLOUDTRAIL_DETAIL_TYPE, GAMEDAY_SOURCE } from '../../functions/core/cloudtrail.js';
import { AwsCallError } from '../../functions/core/errors.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { buildRulePatterns, matchingRules } from '../../functions/core/patterns.js';
import type { Policy } from '../../functions/core/policy.js';
import type { Scenario } from './catalogue.js';
import { type Ec2GamedayRun, Ec2GamedayTarget, newRunId } from './ec2-target.js';
import { erroredScenario, expectedOutcome, type ScenarioResult } from './runner.js';
import type { Injection } from './target.js';

/**
 * `layerguard gameday --target aws --via deployed`: the drift is injected with real calls on a
 * sandbox VPC, and the stack deployed in the account reverts it (from CloudTrail's event, or from the
 * game-day event that `--inject` puts on the default bus). The game day only watches.
 *
 * What it measures, honestly:
 * - time to revert: from the injecting call's response to the first poll that finds the drift gone
 *   (polls back off from 1 s to 10 s, so the figure is an upper bound, within one poll interval).
 * - outcome and time to notify, with the outcomes queue (`--outcomes-queue URL` or
 *   $LAYERGUARD_GAMEDAY_OUTCOMES_QUEUE: the `GamedayOutcomesQueueUrl` output of a stack deployed with
 *   its game-day switch on, whose rule copies every outcome of the `layerguard-outcomes` bus into an
 *   SQS queue; EventBridge has no API to read a bus). While it waits for a scenario, the game day
 *   long-polls the queue and deletes every message it reads (the queue is for one game day at a
 *   time; outcomes of anything else are dropped). An outcome belongs to the scenario when its
 *   `resources` name the group or route table that the injecting call named (each scenario has its
 *   own sandbox VPC, so these ids are the scenario's alone) and its trigger's `eventTime` is not
 *   before the injection. Then `notified` is true, the outcome is LayerGuard's own, and
 *   `secondsToNotify` runs from the injecting call's response to the receipt of the outcome
 *   (see `watchOutcomes`).
 * - outcome without the queue, or when no outcome came in time: inferred from the network state:
 *   reverted in time -> `remediated`; still there at the timeout -> `failed`. A negative control is
 *   watched for a grace period and counts as its expected outcome (`ignored` / `exempt`) if it is
 *   still untouched. `notified` is false and `secondsToNotify` null.
 * - detected: whether the deployed rules' patterns (built here from the same policy) match the
 *   event; the stack's own policy may differ.
 */

export const NOTIFY_NOT_MEASURED =
  'time to notify not measured: reading the outcomes bus needs the game-day queue (deploy with the game-day switch on, then pass --outcomes-queue with the stack output GamedayOutcomesQueueUrl)';

/** Where the queue URL is taken from when `--outcomes-queue` is not given. */
export const OUTCOMES_QUEUE_ENV = 'LAYERGUARD_GAMEDAY_OUTCOMES_QUEUE';

/** The longest long poll SQS allows (s). */
const MAX_WAIT_SECONDS = 20;
/** CloudTrail's eventTime has whole seconds; the injecting call's own clock may differ by a little. */
const EVENT_TIME_SLACK_MS = 1_000;

export interface WaitOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  /** First poll interval (ms); grows by half each poll up to `maxIntervalMs`. */
  readonly intervalMs?: number;
  readonly maxIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Checked after each probe that finds violations: true gives up at once (cleanAt null). */
  readonly stop?: () => boolean;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns no violations or the timeout passes, backing off between polls.
 * Returns the last violations and when the probe first found none (ms on `now`'s clock).
 */
export async function pollUntilClean(
  probe: () => Promise<string[]>,
  o: WaitOptions,
): Promise<{ violations: string[]; cleanAt: number | null }> {
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? realSleep;
  const deadline = now() + o.timeoutMs;
  let interval = o.intervalMs ?? 1_000;
  for (;;) {
    const violations = await probe();
    if (violations.length === 0) return { violations, cleanAt: now() };
    if (now() >= deadline || o.stop?.()) return { violations, cleanAt: null };
    await sleep(Math.min(interval, Math.max(0, deadline - now())));
    interval = Math.min(interval * 1.5, o.maxIntervalMs ?? 10_000);
  }
}

/** Puts the injected change's CloudTrail record on the default bus with source `layerguard.gameday`. */
export async function putGamedayEvent(
  eventBridge: EventBridgeClient,
  injection: Injection,
  eventBusName = 'default',
): Promise<string | undefined> {
  const record = injection.event.detail as Record<string, unknown>;
  let answer: PutEventsCommandOutput;
  try {
    answer = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: GAMEDAY_SOURCE,
            DetailType: CLOUDTRAIL_DETAIL_TYPE,
            Detail: JSON.stringify(record),
            EventBusName: eventBusName,
            Time: new Date(String(record.eventTime)),
          },
        ],
      }),
    );
  } catch (error) {
    throw new AwsCallError('PutEvents', (error as Error).name || 'Unknown', (error as Error).message, {
      cause: error,
    });
  }
  const entry = answer.Entries?.[0];
  if ((answer.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
    throw new AwsCallError(
      'PutEvents',
      entry?.ErrorCode ?? 'FailedEntry',
      entry?.ErrorMessage ?? 'EventBridge refused the game-day event',
    );
  }
  return entry?.EventId;
}

/** The game day's outcomes queue (the stack output `GamedayOutcomesQueueUrl`). */
export interface OutcomesQueue {
  readonly client: SQSClient;
  readonly url: string;
}

/** What decides that an outcome on the queue is a scenario's. */
export interface OutcomeMatch {
  /** The outcome's `resources` must name one of these. */
  readonly resources: readonly string[];
  /** Its trigger's `eventTime` must not be before this (ms since the epoch). */
  readonly notBefore: number;
}

/** An outcome read from the queue. */
export interface ArrivedOutcome {
  readonly outcome: Outcome;
  /** When ReceiveMessage answered with it (ms since the epoch, this machine's clock). */
  readonly receivedAt: number;
  /** The outcome event's EventBridge `time`: when LayerGuard put it on the bus (whole seconds, AWS's clock). */
  readonly busTime?: string;
}

/**
 * The resources the injecting call named, from its CloudTrail record: the group
 * (AuthorizeSecurityGroupIngress, ModifySecurityGroupRules) or the route table (CreateRoute, and
 * ReplaceRouteTableAssociation's new table, which the outcome names with the subnet), and a subnet
 * where the request names one. Every outcome of the handlers names these in its `resources`.
 */
export function injectedResources(injection: Injection): string[] {
  const detail = (injection.event.detail ?? {}) as Record<string, unknown>;
  const request = (detail.requestParameters ?? {}) as Record<string, unknown>;
  const modify = (request.ModifySecurityGroupRulesRequest ?? {}) as Record<string, unknown>;
  const ids = [request.groupId, modify.GroupId, request.routeTableId, request.subnetId];
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id.length > 0))];
}

/** The outcome in a message of the game-day queue (EventBridge delivers the whole event as the body), if it is one. */
export function parseOutcomeMessage(
  body: string | undefined,
): { outcome: Outcome; busTime?: string } | undefined {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(body ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (event?.source !== 'layerguard' || event['detail-type'] !== 'LayerGuard Outcome') return undefined;
  const detail = event.detail as Partial<Outcome> | undefined;
  if (
    typeof detail?.outcome !== 'string' ||
    !Array.isArray(detail.resources) ||
    typeof detail.trigger?.eventTime !== 'string'
  )
    return undefined;
  return { outcome: detail as Outcome, ...(typeof event.time === 'string' ? { busTime: event.time } : {}) };
}

/** Whether an outcome is the scenario's: it names the scenario's resource, and its trigger is not older than the injection. */
export function belongsTo(outcome: Outcome, m: OutcomeMatch): boolean {
  if (!outcome.resources.some((r) => m.resources.includes(r))) return false;
  const eventTime = Date.parse(outcome.trigger.eventTime ?? '');
  return Number.isFinite(eventTime) && eventTime >= m.notBefore;
}

export interface WatchOptions {
  /** Stop waiting at this time (ms since the epoch). */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly warn?: (line: string) => void;
}

/**
 * Long-polls the outcomes queue (ReceiveMessage, up to 20 s a call, never past the deadline) until an
 * outcome that belongs to the scenario arrives; deletes every message it reads, the scenario's or
 * not (the queue is one game day's at a time, and nothing else reads it). Null at the deadline.
 *
 * The time to notify is taken at the receipt (this machine's clock when ReceiveMessage answers),
 * not from the event's EventBridge `time`: the receipt is on the same clock as the injection (no
 * skew between this machine and AWS) and has millisecond resolution, where `time` has whole
 * seconds. It is an upper bound: it includes EventBridge's delivery to SQS (a long poll answers
 * as soon as a message is there). The `time` is kept (`busTime`) and shown in the reason.
 */
export async function watchOutcomes(
  q: OutcomesQueue,
  match: OutcomeMatch,
  o: WatchOptions,
): Promise<ArrivedOutcome | null> {
  const sleep = o.sleep ?? realSleep;
  while (!o.signal?.aborted) {
    const remaining = o.deadline - Date.now();
    if (remaining <= 0) return null;
    const asked = Date.now();
    let messages: Message[];
    try {
      const answer = await q.client.send(
        new ReceiveMessageCommand({
          QueueUrl: q.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: Math.min(MAX_WAIT_SECONDS, Math.ceil(remaining / 1000)),
        }),
        o.signal ? { abortSignal: o.signal } : {},
      );
      messages = answer.Messages ?? [];
    } catch (error) {
      if (o.signal?.aborted) return null;
      throw new AwsCallError('ReceiveMessage', (error as Error).name || 'Unknown', (error as Error).message, {
        cause: error,
      });
    }
    const receivedAt = Date.now();
    if (messages.length === 0) {
      // A long poll that answers empty at once (an emulator, a stand-in): do not spin.
      const waited = receivedAt - asked;
      if (waited < 1_000) await sleep(Math.min(1_000 - waited, Math.max(0, o.deadline - Date.now())));
      continue;
    }
    await deleteMessages(q, messages, o.warn);
    for (const message of messages) {
      const parsed = parseOutcomeMessage(message.Body);
      if (parsed && belongsTo(parsed.outcome, match)) return { ...parsed, receivedAt };
    }
  }
  return null;
}

async function deleteMessages(q: OutcomesQueue, messages: readonly Message[], warn?: (line: string) => void) {
  const entries = messages.flatMap((m, i) =>
    m.ReceiptHandle ? [{ Id: String(i), ReceiptHandle: m.ReceiptHandle }] : [],
  );
  if (entries.length === 0) return;
  try {
    const answer = await q.client.send(new DeleteMessageBatchCommand({ QueueUrl: q.url, Entries: entries }));
    if ((answer.Failed ?? []).length > 0)
      warn?.(`could not delete ${answer.Failed?.length} message(s) from the outcomes queue; they will be read again`);
  } catch (error) {
    // Not fatal: an undeleted message comes back after its visibility timeout and is read again.
    warn?.(`could not delete messages from the outcomes queue: ${(error as Error).message}`);
  }
}

export interface DeployedGamedayOptions {
  readonly client: EC2Client;
  /** The deployed stack's policy, as the CLI read it from the configuration the stack deploys. */
  readonly policy: Policy;
  /** Where `policy` came from (a configuration file, or `defaults`): the scorecard says it beside the mode. */
  readonly policySource?: string;
  readonly scenarios: readonly Scenario[];
  /** Also put each event on the default bus with source `layerguard.gameday` (the stack's game-day switch must be on). */
  readonly inject?: EventBridgeClient;
  /** The game-day outcomes queue: read LayerGuard's outcomes and measure the time to notify. */
  readonly outcomes?: OutcomesQueue;
  /** How long to wait for a revert (default 300 s: CloudTrail's delivery to EventBridge takes up to a few minutes). */
  readonly timeoutMs?: number;
  /** How long a negative control must stay untouched (default 60 s). */
  readonly graceMs?: number;
  readonly runId?: string;
  readonly onResult?: (result: ScenarioResult, index: number, total: number) => void;
  readonly warn?: (line: string) => void;
  readonly wait?: Omit<WaitOptions, 'timeoutMs'>;
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/** Outcomes after which LayerGuard will not revert: no need to keep polling the state for one. */
const FINAL_WITHOUT_REVERT = new Set<string>(['failed', 'dry-run', 'alert-only', 'ignored', 'exempt']);

interface Watch {
  /** Settles by the deadline; never rejects. */
  readonly done: Promise<{ arrived: ArrivedOutcome | null; error?: string }>;
  /** The outcome, once it has arrived. */
  arrived(): ArrivedOutcome | null;
  stop(): void;
}

function startWatch(
  o: DeployedGamedayOptions,
  injected: Injection,
  startedAt: number,
  deadline: number,
): Watch | undefined {
  const queue = o.outcomes;
  if (!queue) return undefined;
  const controller = new AbortController();
  let arrived: ArrivedOutcome | null = null;
  const match = {
    resources: injectedResources(injected),
    // CloudTrail's eventTime is in whole seconds (and AWS's clock): a little slack before the call.
    notBefore: Math.floor(startedAt / 1000) * 1000 - EVENT_TIME_SLACK_MS,
  };
  const done = watchOutcomes(queue, match, {
    deadline,
    signal: controller.signal,
    ...(o.wait?.sleep ? { sleep: o.wait.sleep } : {}),
    ...(o.warn ? { warn: o.warn } : {}),
  }).then(
    (a) => {
      arrived = a;
      return { arrived: a };
    },
    (error: unknown) => ({ arrived: null, error: (error as Error).message }),
  );
  return { done, arrived: () => arrived, stop: () => controller.abort() };
}

/** What the queue said, for the reason line. */
function notifyNote(
  o: DeployedGamedayOptions,
  r: { arrived: ArrivedOutcome | null; error?: string } | undefined,
  waitedMs: number,
  secondsToNotify: number | null,
): string {
  if (!o.outcomes || !r) return NOTIFY_NOT_MEASURED;
  if (r.error) return `time to notify not measured: could not read the outcomes queue (${r.error})`;
  if (!r.arrived) return `no outcome for it on the outcomes queue within ${Math.round(waitedMs / 1000)} s`;
  return `LayerGuard's outcome arrived on the outcomes queue ${secondsToNotify} s after the change${r.arrived.busTime ? ` (put on the bus at ${r.arrived.busTime})` : ''}: ${r.arrived.outcome.reason}`;
}

async function runOne(s: Scenario, t: Ec2GamedayTarget, o: DeployedGamedayOptions): Promise<ScenarioResult> {
  // Under a dry-run policy (the deployed stack's, as the configuration says) drift is reported, not reverted.
  const expected = expectedOutcome(s, o.policy);
  const base = { name: s.name, drift: s.drift, expected };
  let watch: Watch | undefined;
  try {
    await s.setup?.(t);
    const startedAt = Date.now();
    const injected = await s.inject(t);
    // The injecting call's response on the wall clock (injectedAt is on performance.now()'s).
    const injectedWall = Date.now() - (performance.now() - injected.injectedAt);
    if (o.inject) await putGamedayEvent(o.inject, injected);
    const rules = matchingRules(buildRulePatterns(o.policy, { gameday: Boolean(o.inject) }), injected.event);
    const detected = rules.length > 0;
    const probe = () => s.check(t, injected);
    const toNotify = (a: ArrivedOutcome | null) => (a ? round((a.receivedAt - injectedWall) / 1000) : null);
    if (expected === 'remediated') {
      const timeoutMs = o.timeoutMs ?? 300_000;
      watch = startWatch(o, injected, startedAt, injectedWall + timeoutMs);
      const current = watch;
      const { violations, cleanAt } = await pollUntilClean(probe, {
        timeoutMs,
        ...o.wait,
        // LayerGuard said it will not revert (failed, dry-run, alert-only...): stop watching the state.
        stop: () => FINAL_WITHOUT_REVERT.has(current?.arrived()?.outcome.outcome ?? ''),
      });
      // The outcome is published after the revert is verified: wait for it, up to the same deadline.
      const told = await watch?.done;
      const arrived = told?.arrived ?? null;
      const reverted = cleanAt !== null;
      const secondsToNotify = toNotify(arrived);
      const state = reverted
        ? `the drift was gone from the network${arrived ? '' : ' (outcome inferred from the state)'}`
        : `the drift was still there after ${Math.round((performance.now() - injected.injectedAt) / 1000)} s`;
      const outcome = arrived ? arrived.outcome.outcome : reverted ? ('remediated' as const) : ('failed' as const);
      const result = {
        ...base,
        outcome,
        reason: `${state}; ${notifyNote(o, told, timeoutMs, secondsToNotify)}`,
        detected,
        reverted,
        notified: arrived !== null,
        secondsToRevert: cleanAt === null ? null : round((cleanAt - injected.injectedAt) / 1000),
        secondsToNotify,
        rules,
        violations,
      };
      // With the queue, LayerGuard must also have told, and said `remediated`.
      const toldRemediated = arrived !== null && outcome === 'remediated';
      return { ...result, passed: reverted && violations.length === 0 && (!o.outcomes || toldRemediated) };
    }
    if (expected === 'dry-run') {
      // A dry-run stack reports the drift and leaves it: after the grace period it must still be there
      // (the scenario's own check then names it), and with the queue LayerGuard must have said dry-run.
      const graceMs = o.graceMs ?? 60_000;
      watch = startWatch(o, injected, startedAt, injectedWall + graceMs);
      await (o.wait?.sleep ?? realSleep)(graceMs);
      const reverted = (await probe()).length === 0;
      const told = await watch?.done;
      const arrived = told?.arrived ?? null;
      const secondsToNotify = toNotify(arrived);
      const outcome = arrived ? arrived.outcome.outcome : reverted ? ('remediated' as const) : ('dry-run' as const);
      const state = reverted
        ? 'the drift was reverted, under a dry-run policy'
        : `the drift was left in place for ${Math.round(graceMs / 1000)} s${arrived ? '' : ' (outcome inferred from the state)'}`;
      return {
        ...base,
        outcome,
        reason: `${state}; ${notifyNote(o, told, graceMs, secondsToNotify)}`,
        detected,
        reverted,
        notified: arrived !== null,
        secondsToRevert: null,
        secondsToNotify,
        rules,
        violations: reverted ? ['a dry-run stack reverted the drift'] : [],
        passed: !reverted && outcome === 'dry-run' && (!o.outcomes || arrived !== null),
      };
    }
    // A negative control: it must still hold after the grace period (a revert would have come by then).
    const graceMs = o.graceMs ?? 60_000;
    watch = startWatch(o, injected, startedAt, injectedWall + graceMs);
    await (o.wait?.sleep ?? realSleep)(graceMs);
    const violations = await probe();
    const told = await watch?.done; // ends by the grace period's end
    const arrived = told?.arrived ?? null;
    const secondsToNotify = toNotify(arrived);
    const outcome = arrived ? arrived.outcome.outcome : violations.length === 0 ? s.expected : ('failed' as const);
    const state =
      violations.length === 0
        ? `untouched after ${Math.round(graceMs / 1000)} s${arrived ? '' : ' (outcome inferred from the state)'}`
        : 'a negative control was touched';
    const result = {
      ...base,
      outcome,
      reason: `${state}; ${notifyNote(o, told, graceMs, secondsToNotify)}`,
      detected,
      reverted: violations.length > 0,
      notified: arrived !== null,
      secondsToRevert: null,
      secondsToNotify,
      rules,
      violations,
    };
    // An outcome that came must be the expected one; a control with none (a failed call matches no rule) is judged by the state.
    return { ...result, passed: violations.length === 0 && outcome === s.expected };
  } catch (error) {
    return erroredScenario(s, error);
  } finally {
    watch?.stop();
  }
}

/** Runs the catalogue against the deployed stack: one sandbox per scenario, inject, watch the state, clean up. */
export async function runDeployedGameday(o: DeployedGamedayOptions): Promise<Ec2GamedayRun> {
  const runId = o.runId ?? newRunId();
  const started = performance.now();
  const results: ScenarioResult[] = [];
  const leftovers: string[] = [];
  for (const [i, s] of o.scenarios.entries()) {
    // Scenarios that name their targets and not aws (those across accounts need a second account) are not played.
    if (s.targets && !s.targets.includes('aws')) continue;
    const t = await Ec2GamedayTarget.create({
      client: o.client,
      kind: 'aws',
      runId,
      label: String(i + 1),
      ...(o.warn ? { warn: o.warn } : {}),
    });
    try {
      const result = await runOne(s, t, o);
      results.push(result);
      o.onResult?.(result, i, o.scenarios.length);
    } finally {
      await t.dispose();
      leftovers.push(...t.leftovers);
    }
  }
  return {
    runId,
    leftovers,
    card: {
      verdict: results.every((r) => r.passed) ? 'pass' : 'fail',
      target: o.inject ? 'aws (deployed, injected)' : 'aws (deployed)',
      mode: o.policy.mode,
      ...(o.policySource ? { modeSource: o.policySource } : {}),
      scenarios: results,
      seconds: round((performance.now() - started) / 1000),
    },
  };
}
