import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { CLOUDTRAIL_DETAIL_TYPE, GAMEDAY_SOURCE } from '../../functions/core/cloudtrail.js';
import { AwsCallError } from '../../functions/core/errors.js';
import { buildRulePatterns, matchingRules } from '../../functions/core/patterns.js';
import type { Policy } from '../../functions/core/policy.js';
import type { Scenario } from './catalogue.js';
import { type Ec2GamedayRun, Ec2GamedayTarget, newRunId } from './ec2-target.js';
import { erroredScenario, type ScenarioResult } from './runner.js';
import type { Injection } from './target.js';

/**
 * `layerguard gameday --target aws --via deployed`: the drift is injected with real calls on a
 * canary VPC, and the stack deployed in the account reverts it (from CloudTrail's event, or from the
 * game-day event that `--inject` puts on the default bus). The game day only watches.
 *
 * What it measures, honestly:
 * - time to revert: from the injecting call's response to the first poll that finds the drift gone
 *   (polls back off from 1 s to 10 s, so the figure is an upper bound, within one poll interval).
 * - outcome: inferred from the network state, not read from LayerGuard: reverted in time ->
 *   `remediated`; still there at the timeout -> `failed`. A negative control is watched for a grace
 *   period and counts as its expected outcome (`ignored` / `exempt`) if it is still untouched.
 * - detected: whether the deployed rules' patterns (built here from the same policy) match the
 *   event; the stack's own policy may differ.
 * - time to notify: NOT measured; `notified` is always false. EventBridge has no API to read events
 *   from a bus: reading the outcomes bus (`layerguard-outcomes`) needs a rule on it with a readable
 *   target, e.g. an SQS queue (the game day would then ReceiveMessage and match `detail.eventId`) or
 *   a CloudWatch Logs group (FilterLogEvents). The stack does not create one, and the game day does
 *   not create infrastructure outside its canary VPC.
 */

export const NOTIFY_NOT_MEASURED =
  'time to notify not measured: reading the outcomes bus needs a rule on layerguard-outcomes with a readable target (SQS queue or log group), which the stack does not create';

export interface WaitOptions {
  /** Give up after this long (ms). */
  readonly timeoutMs: number;
  /** First poll interval (ms); grows by half each poll up to `maxIntervalMs`. */
  readonly intervalMs?: number;
  readonly maxIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
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
    if (now() >= deadline) return { violations, cleanAt: null };
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

export interface DeployedGamedayOptions {
  readonly client: EC2Client;
  readonly policy: Policy;
  readonly scenarios: readonly Scenario[];
  /** Also put each event on the default bus with source `layerguard.gameday` (the stack's game-day switch must be on). */
  readonly inject?: EventBridgeClient;
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

async function runOne(s: Scenario, t: Ec2GamedayTarget, o: DeployedGamedayOptions): Promise<ScenarioResult> {
  const base = { name: s.name, drift: s.drift, expected: s.expected };
  try {
    await s.setup?.(t);
    const injected = await s.inject(t);
    if (o.inject) await putGamedayEvent(o.inject, injected);
    const rules = matchingRules(buildRulePatterns(o.policy, { gameday: Boolean(o.inject) }), injected.event);
    const detected = rules.length > 0;
    const probe = () => s.check(t, injected);
    if (s.expected === 'remediated') {
      const { violations, cleanAt } = await pollUntilClean(probe, {
        timeoutMs: o.timeoutMs ?? 300_000,
        ...o.wait,
      });
      const reverted = cleanAt !== null;
      const result = {
        ...base,
        outcome: reverted ? ('remediated' as const) : ('failed' as const),
        reason: reverted
          ? `the drift was gone from the network (outcome inferred from the state); ${NOTIFY_NOT_MEASURED}`
          : `the drift was still there after ${Math.round((o.timeoutMs ?? 300_000) / 1000)} s; ${NOTIFY_NOT_MEASURED}`,
        detected,
        reverted,
        notified: false,
        secondsToRevert: cleanAt === null ? null : round((cleanAt - injected.injectedAt) / 1000),
        rules,
        violations,
      };
      return { ...result, passed: reverted && violations.length === 0 };
    }
    // A negative control: it must still hold after the grace period (a revert would have come by then).
    await (o.wait?.sleep ?? realSleep)(o.graceMs ?? 60_000);
    const violations = await probe();
    const result = {
      ...base,
      outcome: violations.length === 0 ? s.expected : ('failed' as const),
      reason:
        violations.length === 0
          ? `untouched after ${Math.round((o.graceMs ?? 60_000) / 1000)} s (outcome inferred from the state); ${NOTIFY_NOT_MEASURED}`
          : `a negative control was touched; ${NOTIFY_NOT_MEASURED}`,
      detected,
      reverted: violations.length > 0,
      notified: false,
      secondsToRevert: null,
      rules,
      violations,
    };
    return { ...result, passed: violations.length === 0 };
  } catch (error) {
    return erroredScenario(s, error);
  }
}

/** Runs the catalogue against the deployed stack: one canary per scenario, inject, watch the state, clean up. */
export async function runDeployedGameday(o: DeployedGamedayOptions): Promise<Ec2GamedayRun> {
  const runId = o.runId ?? newRunId();
  const started = performance.now();
  const results: ScenarioResult[] = [];
  const leftovers: string[] = [];
  for (const [i, s] of o.scenarios.entries()) {
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
      scenarios: results,
      seconds: round((performance.now() - started) / 1000),
    },
  };
}
