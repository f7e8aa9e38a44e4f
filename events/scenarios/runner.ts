import type { Outcome, OutcomeStatus } from '../../functions/core/outcome.js';
import { buildRulePatterns, matchingRules, type RuleName } from '../../functions/core/patterns.js';
import type { Policy } from '../../functions/core/policy.js';
import type { Reach, Remediators } from '../../functions/pipeline/deps.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { ROUTE_TABLE_REMEDIATORS } from '../../functions/pipeline/route-table.js';
import { SECURITY_GROUP_REMEDIATORS } from '../../functions/pipeline/security-group.js';
import { RecordingNotifier } from '../simulated-account/notifier.js';
import { createSecurityHubChannel } from '../../functions/adapters/security-hub.js';
import { gatherFlowEvidence } from '../../functions/adapters/flow-evidence.js';
import { type EvidenceStatus, otherAccountEvidence } from '../../functions/core/flow-evidence.js';
import type { InternetUse } from '../simulated-account/flow-logs.js';
import type { Scenario } from './catalogue.js';
import type { GamedayTarget, Injection } from './target.js';

/** The remediators behind each deployed rule: the same split as the stack's functions. */
export const HANDLERS: Readonly<Record<RuleName, Remediators>> = {
  'security-group': SECURITY_GROUP_REMEDIATORS,
  'route-table': ROUTE_TABLE_REMEDIATORS,
  // The network-ACL rule invokes the route-table function, as deployed.
  'network-acl': ROUTE_TABLE_REMEDIATORS,
  // The prefix-list rule invokes the security-group function, as deployed.
  'prefix-list': SECURITY_GROUP_REMEDIATORS,
};

export interface ScenarioResult {
  readonly name: string;
  readonly drift: string;
  readonly expected: OutcomeStatus;
  /** What LayerGuard answered; `ignored` when no deployed rule matched (the event never reached a function). */
  readonly outcome: OutcomeStatus | 'error';
  readonly reason: string;
  /** A deployed rule matched the event. */
  readonly detected: boolean;
  /** LayerGuard changed the network (a revoke, a route deleted, an association restored). */
  readonly reverted: boolean;
  /** The outcome was sent to people and machines. */
  readonly notified: boolean;
  /**
   * What the target's Security Hub holds after the scenario (targets that have one): the drift's finding
   * `resolved` (Workflow RESOLVED, Compliance PASSED), still `open` (NEW: alert-only, dry-run), `suppressed`, or `none`.
   */
  readonly finding?: 'none' | 'resolved' | 'open' | 'suppressed';
  /**
   * The flow-log evidence told after the scenario's event (targets with flow logs): the status of the
   * follow-up notice (the one whose outcome carries `evidence`), or `none` when none was sent.
   */
  readonly evidence?: EvidenceStatus | 'none';
  /** What that follow-up told people (`used: 8 flows from 3 public addresses (top 3: …)`), when one was sent. */
  readonly evidenceText?: string;
  /** From the injected change to the verified revert; null when nothing was reverted. */
  readonly secondsToRevert: number | null;
  /**
   * From the injected change to LayerGuard's outcome read from the outcomes bus (`--via deployed`
   * with `--outcomes-queue` only); null when none arrived; absent where it is not measured.
   */
  readonly secondsToNotify?: number | null;
  readonly passed: boolean;
  readonly rules: readonly RuleName[];
  readonly violations: readonly string[];
  /** Where the drift was made and reverted: the target's account and region, or a member's. */
  readonly account?: string;
  readonly region?: string;
}

export interface Scorecard {
  readonly verdict: 'pass' | 'fail';
  readonly target: string;
  /** The policy's mode the game day played under: in dry-run a drift scenario expects `dry-run`. */
  readonly mode?: Policy['mode'];
  /** Where that mode came from (a configuration file, or `defaults`), when the mode is not the game day's own. */
  readonly modeSource?: string;
  readonly scenarios: readonly ScenarioResult[];
  readonly seconds: number;
}

export interface GamedayOptions {
  readonly policy: Policy;
  /** A fresh target per scenario (the simulated account), or the same sandbox each time. */
  readonly target: () => Promise<GamedayTarget>;
  readonly scenarios: readonly Scenario[];
  readonly onResult?: (result: ScenarioResult, index: number, total: number) => void;
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * What the scenario must answer under the policy: a drift scenario is `dry-run` when the policy's
 * mode is (reported, told, and nothing changed); negative controls answer the same in both modes.
 */
export const expectedOutcome = (s: Scenario, policy: Policy): OutcomeStatus =>
  s.expected === 'remediated' && policy.mode === 'dry-run' ? 'dry-run' : s.expected;

/** Whether the scenario holds: the expected outcome, nothing left over, and for drift: seen, reverted (or, in dry-run, reported), told. */
const judge = (expected: OutcomeStatus, r: Omit<ScenarioResult, 'passed'>, evidence: ScenarioResult['evidence']): boolean =>
  r.outcome === expected &&
  r.violations.length === 0 &&
  (expected !== 'remediated' || (r.detected && r.reverted && r.notified)) &&
  (expected !== 'dry-run' || (r.detected && r.notified)) &&
  (expected === 'remediated' || !r.reverted) &&
  (r.finding === undefined || r.finding === FINDING_EXPECTED[expected] || FINDING_EXPECTED[expected] === undefined) &&
  r.evidence === evidence;

/**
 * The evidence the scenario's event must be told with, on a target with flow logs: `used` after the
 * revert of a drift that opened a group to the internet (the simulation had the internet use it),
 * `unknown` when that drift is in another account (the flow logs are read in the function's own
 * account only), `none` for everything else: other drift, controls, failures, and dry-run (nothing reverted).
 */
export const expectedEvidence = (s: Scenario, expected: OutcomeStatus, elsewhere: boolean): NonNullable<ScenarioResult['evidence']> =>
  expected !== 'remediated' || !s.opensToInternet ? 'none' : elsewhere ? 'unknown' : 'used';

/** When the injected change was made: its CloudTrail record's `eventTime` (whole seconds). */
const changeTimeOf = (injected: Injection): Date => {
  const at = (injected.event.detail as { eventTime?: string } | undefined)?.eventTime;
  return at ? new Date(at) : new Date();
};

/** What is wrong with the evidence told: a failed evidence step, a status or counts other than the simulation's. */
function evidenceViolations(
  told: Outcome['evidence'],
  wanted: NonNullable<ScenarioResult['evidence']>,
  use: InternetUse | undefined,
  errors: readonly unknown[],
): string[] {
  const status = told?.status ?? 'none';
  return [
    ...errors.map((e) => `the evidence step failed: ${(e as Error)?.message ?? String(e)}`),
    ...(status === wanted ? [] : [`the flow-log evidence was ${told ? `"${told.text}"` : 'not told'}, not ${wanted}`]),
    ...(status === 'used' && use && (told?.flows !== use.flows || told?.addresses !== use.addresses)
      ? [`the evidence counts ${told?.flows} flows from ${told?.addresses} addresses; the internet made ${use.flows} from ${use.addresses}`]
      : []),
  ];
}

/** The finding each outcome leaves in Security Hub (core/finding.ts); outcomes not listed are not scored. */
const FINDING_EXPECTED: Partial<Record<OutcomeStatus, ScenarioResult['finding']>> = {
  remediated: 'resolved',
  'dry-run': 'open',
  'alert-only': 'open',
  // An exempt group's drift is set aside: a suppressed finding says so, with the exemption's reason and day.
  exempt: 'suppressed',
  ignored: 'none',
};

/**
 * The deployed path of one event: the rules it matches, then each rule's function. Across accounts,
 * the member's rule (the same patterns, at the source) forwards the event to the hub's bus, where the
 * hub's rules match it again: both are `patterns`, so the rules that fire at the hub are the ones that
 * matched at the member. A function's engine is kept for the whole scenario (one idempotency store
 * per function, as deployed), so an event that arrives twice meets the record of its first arrival.
 */
function deliverer(target: GamedayTarget, policy: Policy, notifier: RecordingNotifier, reach: Reach | undefined, evidenceErrors: unknown[]) {
  const patterns = buildRulePatterns(policy, { gameday: true });
  // The real Security Hub channel, on the target's Security Hub where it has one.
  const hub = target.securityHub;
  const findings = hub
    ? [
        createSecurityHubChannel({
          clientFor: () => hub.client,
          context: { account: target.where?.account, region: target.where?.region, tiers: policy.tiers.chain.map((t) => t.name) },
        }),
      ]
    : [];
  // The real evidence step on the target's flow logs, as the deployed function runs it (adapters/lambda-handler.ts),
  // without the second between polls.
  const flowLogs = target.flowLogs;
  const evidence = flowLogs
    ? {
        evidence: async (outcome: Outcome) =>
          otherAccountEvidence(outcome, target.where?.account) ?? gatherFlowEvidence(flowLogs.clients, outcome, { pollMs: 0 }),
        // The engine tells `unknown` and goes on; the game day also says why.
        onEvidenceError: (error: unknown) => evidenceErrors.push(error),
      }
    : {};
  const engines = new Map<RuleName, ReturnType<typeof createEngine>>();
  const engineFor = (rule: RuleName) => {
    let engine = engines.get(rule);
    if (!engine) {
      engine = createEngine({
        network: target.network,
        channels: [notifier, ...findings],
        policy,
        clock: () => new Date(),
        remediators: HANDLERS[rule],
        makeStore: () => new MemoryIdempotencyStore(),
        ...(reach ? { reach } : {}),
        ...evidence,
      });
      engines.set(rule, engine);
    }
    return engine;
  };
  return async (event: Record<string, unknown>): Promise<{ rules: RuleName[]; outcome?: Outcome; handledAt: number }> => {
    const rules = matchingRules(patterns, event);
    let outcome: Outcome | undefined;
    let handledAt = performance.now();
    for (const rule of rules) {
      outcome = await engineFor(rule).handle(event);
      handledAt = performance.now();
    }
    return { rules, ...(outcome ? { outcome } : {}), handledAt };
  };
}

async function runScenario(s: Scenario, target: GamedayTarget, policy: Policy): Promise<ScenarioResult> {
  const expected = expectedOutcome(s, policy);
  const base = { name: s.name, drift: s.drift, expected };
  try {
    const organization = s.organization ? await target.organization?.() : undefined;
    if (s.organization && !organization) throw new Error(`the ${target.kind} target models one account only`);
    await s.setup?.(target);
    const injected = await s.inject(target);
    const elsewhere = injected.where !== undefined && injected.where.account !== target.where?.account;
    // The internet finds the opened group while it is open (in the target's own account, where the flow logs are read).
    const use = s.opensToInternet && target.flowLogs && !elsewhere ? target.flowLogs.internetUse(s.opensToInternet(target), changeTimeOf(injected)) : undefined;
    const notifier = new RecordingNotifier();
    const evidenceErrors: unknown[] = [];
    const deliver = deliverer(target, policy, notifier, organization?.reach, evidenceErrors);
    // Every path the event arrives on; the outcome judged is its first arrival's.
    const deliveries: Outcome[] = [];
    let first: Awaited<ReturnType<typeof deliver>> | undefined;
    for (let path = 0; path < Math.max(1, injected.paths ?? 1); path++) {
      const delivered = await deliver(injected.event);
      first ??= delivered;
      if (delivered.outcome) deliveries.push(delivered.outcome);
    }
    const also: Outcome[] = [];
    for (const other of injected.also ?? []) {
      const delivered = await deliver(other.event);
      if (delivered.outcome) also.push(delivered.outcome);
    }
    const { rules, outcome, handledAt } = first as Awaited<ReturnType<typeof deliver>>;
    // In dry-run the drift stays by design: `mustHold` (the drift is gone) does not apply; "nothing reverted" does.
    const violations = expected === 'dry-run' ? [] : await s.check(target, injected);
    const told = notifier.sent.filter((o) => o.eventId === injected.eventId);
    // The revert's notices, without the evidence follow-up: that is a second notice by design, and the
    // checks that count notices ("told once") are about the revert being told once.
    const notices = told.filter((o) => !o.evidence);
    const followUp = told.find((o) => o.evidence)?.evidence;
    const wantedEvidence = target.flowLogs ? expectedEvidence(s, expected, elsewhere) : undefined;
    if (wantedEvidence) violations.push(...evidenceViolations(followUp, wantedEvidence, use, evidenceErrors));
    if (outcome && s.checkOutcome) {
      violations.push(...(await s.checkOutcome({ outcome, deliveries, notices, also, mode: policy.mode, target })));
    }
    const reverted = (outcome?.actions ?? []).some((a) => a.result === 'done');
    const where = injected.where ?? target.where;
    const result = {
      ...base,
      outcome: outcome?.outcome ?? ('ignored' as const),
      reason: outcome?.reason ?? 'no deployed rule matches the event: no function was invoked',
      detected: rules.length > 0,
      reverted,
      notified: notices.length > 0,
      ...(target.securityHub ? { finding: target.securityHub.state() } : {}),
      ...(target.flowLogs ? { evidence: followUp?.status ?? ('none' as const) } : {}),
      ...(followUp ? { evidenceText: followUp.text } : {}),
      secondsToRevert: reverted ? round((handledAt - injected.injectedAt) / 1000) : null,
      rules,
      violations,
      ...(where ? { account: where.account, region: where.region } : {}),
    };
    return { ...result, passed: judge(expected, result, wantedEvidence) };
  } catch (error) {
    return erroredScenario(s, error);
  }
}

/** A scenario that could not be played to the end (the injection or a read failed): it fails. */
export const erroredScenario = (s: Scenario, error: unknown): ScenarioResult => ({
  name: s.name,
  drift: s.drift,
  expected: s.expected,
  outcome: 'error',
  reason: (error as Error).message,
  detected: false,
  reverted: false,
  notified: false,
  secondsToRevert: null,
  passed: false,
  rules: [],
  violations: [],
});

/** Runs the catalogue: inject, route through the deployed patterns, handle, check; one scorecard. */
export async function runGameday(opts: GamedayOptions, targetName: string): Promise<Scorecard> {
  const started = performance.now();
  const results: ScenarioResult[] = [];
  for (const [i, s] of opts.scenarios.entries()) {
    const target = await opts.target();
    if (s.targets && !s.targets.includes(target.kind)) {
      await target.dispose();
      continue;
    }
    try {
      const result = await runScenario(s, target, opts.policy);
      results.push(result);
      opts.onResult?.(result, i, opts.scenarios.length);
    } finally {
      await target.dispose();
    }
  }
  return {
    verdict: results.every((r) => r.passed) ? 'pass' : 'fail',
    target: targetName,
    mode: opts.policy.mode,
    scenarios: results,
    seconds: round((performance.now() - started) / 1000),
  };
}
