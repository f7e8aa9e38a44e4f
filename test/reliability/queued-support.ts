import { sharedStores } from '../../events/simulated-account/stores.js';
import type { Context } from 'aws-lambda';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { ALL_REMEDIATORS } from '../../events/simulated-account/engine.js';
import { SimulatedNetwork, type SimulatedNetworkOptions } from '../../events/simulated-account/network.js';
import { RecordingNotifier } from '../../events/simulated-account/notifier.js';
import { type QueueMessage, type QueueOptions, type QueueReport, SimulatedQueue } from '../../events/simulated-account/queue.js';
import { type BatchResponse, createLambdaHandler } from '../../functions/adapters/lambda-handler.js';
import type { NotificationChannel } from '../../functions/core/notifier.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { clock } from './support.js';

/**
 * The queued path of test/reliability/queued.test.ts: the rules' SQS queue and its event source
 * mapping (events/simulated-account/queue.ts) in front of `maxConcurrency` instances of the deployed
 * handler (functions/adapters/lambda-handler.ts), each with its own engine, all sharing one
 * idempotency table (a store per step), one simulated account, one log of EC2 calls and the two
 * notification channels as deployed (SNS for people, EventBridge for machines).
 */

/** One RevokeSecurityGroupIngress as the account answered it: what was asked, and which rules it confirmed gone. */
export interface RevokeRecord {
  readonly groupId: string;
  readonly ruleIds: readonly string[];
  readonly confirmedRuleIds?: readonly string[];
  readonly result: 'done' | 'already-gone' | 'error';
}

/** The simulated network, with each `revokeIngress` (a logical call, after its retries) and its arguments kept. */
export class RevokeLoggingNetwork extends SimulatedNetwork {
  readonly revokes: RevokeRecord[] = [];

  override async revokeIngress(groupId: string, ruleIds: readonly string[]) {
    try {
      const answer = await super.revokeIngress(groupId, ruleIds);
      this.revokes.push({
        groupId,
        ruleIds: [...ruleIds],
        result: answer.result,
        ...(answer.result === 'done' ? { confirmedRuleIds: answer.confirmedRuleIds } : {}),
      });
      return answer;
    } catch (error) {
      this.revokes.push({ groupId, ruleIds: [...ruleIds], result: 'error' });
      throw error;
    }
  }
}

/** A recording channel whose sends fail, each with probability `failRate` (drawn from `random`). */
export class FlakyChannel implements NotificationChannel {
  readonly recorder: RecordingNotifier;
  failures = 0;
  constructor(
    readonly name: string,
    readonly audience: NotificationChannel['audience'],
    readonly failRate = 0,
    readonly random: () => number = Math.random,
  ) {
    this.recorder = new RecordingNotifier(name, audience);
  }
  get sent(): readonly Outcome[] {
    return this.recorder.sent;
  }
  async send(outcome: Outcome): Promise<string> {
    if (this.failRate > 0 && this.random() < this.failRate) {
      this.failures += 1;
      throw new Error(`${this.name} is down (injected)`);
    }
    return this.recorder.send(outcome);
  }
  /** The outcomes told of one event, in order. */
  toldOf(eventId: string): string[] {
    return this.sent.filter((o) => o.eventId === eventId).map((o) => o.outcome);
  }
}


/** A message's end: deleted (its last invocation did not name it as failed) or dead-lettered. */
export interface Fate {
  readonly receives: number;
  readonly end: 'deleted' | 'dead-letter';
}

export interface QueuedRun<T> {
  readonly report: QueueReport<T>;
  /** By message id. */
  readonly fates: ReadonlyMap<string, Fate>;
  /** The records each invocation was handed (message ids), in the order of the invocations. */
  readonly invocations: readonly (readonly string[])[];
}

export interface QueuedFunction {
  readonly network: RevokeLoggingNetwork;
  readonly sns: FlakyChannel;
  readonly eventBridge: FlakyChannel;
  /** Puts `bodies` on a queue at once and runs it (with the handler instances) until every message is deleted or dead-lettered. */
  run<T extends { readonly event: unknown }>(bodies: readonly T[]): Promise<QueuedRun<T>>;
}

const context = {
  functionName: 'layerguard-security-group',
  awsRequestId: 'queued',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/**
 * `queue.maxConcurrency` instances of the deployed security-group handler over one simulated account.
 * No reverts are remembered between events (`repeats`): many events by one actor on one group here
 * are about delivery, not about a reconciler's fight (test/scenarios/reconciler.test.ts).
 */
export function queuedFunction(
  account: SimulatedAccount,
  queue: QueueOptions,
  opts: { network?: SimulatedNetworkOptions; notifyFailRate?: number; random?: () => number } = {},
): QueuedFunction {
  const network = new RevokeLoggingNetwork(account, opts.network);
  const sns = new FlakyChannel('sns', 'people', opts.notifyFailRate, opts.random);
  const eventBridge = new FlakyChannel('eventbridge', 'machines', opts.notifyFailRate, opts.random);
  const stores = sharedStores();
  const handlers = Array.from({ length: queue.maxConcurrency }, () =>
    createLambdaHandler(
      'security-group',
      createEngine({
        network,
        channels: [sns, eventBridge],
        makeStore: stores(),
        policy: DEFAULT_POLICY,
        clock,
        remediators: ALL_REMEDIATORS,
        repeats: { record: async () => {}, since: async () => [] },
      }),
      '',
    ),
  );
  return {
    network,
    sns,
    eventBridge,
    async run<T extends { readonly event: unknown }>(bodies: readonly T[]) {
      const q = new SimulatedQueue<T>(queue);
      for (const body of bodies) q.send(body);
      const deleted = new Map<string, number>();
      const invocations: string[][] = [];
      const report = await q.run(async (batch: readonly QueueMessage<T>[], poller: number) => {
        invocations.push(batch.map((m) => m.messageId));
        const records = batch.map((m) => ({ messageId: m.messageId, body: JSON.stringify(m.body.event), eventSource: 'aws:sqs' }));
        const handler = handlers[poller] as (typeof handlers)[number];
        const answer = (await handler({ Records: records }, context)) as BatchResponse;
        const failed = new Set(answer.batchItemFailures.map((f) => f.itemIdentifier));
        for (const m of batch) if (!failed.has(m.messageId)) deleted.set(m.messageId, m.receiveCount);
        return [...failed];
      });
      const fates = new Map<string, Fate>();
      for (const [id, receives] of deleted) fates.set(id, { receives, end: 'deleted' });
      for (const m of report.deadLettered) {
        if (fates.has(m.messageId)) throw new Error(`${m.messageId} was both deleted and dead-lettered`);
        fates.set(m.messageId, { receives: m.receiveCount, end: 'dead-letter' });
      }
      return { report, fates, invocations };
    },
  };
}

/** The message ids the queue gives `bodies` (`msg-1`, `msg-2`, … in the order they are sent). */
export const messageIdOf = (index: number): string => `msg-${index + 1}`;

/** Powertools silenced for the file (the handler logs every outcome and flushes metrics per batch); returns the restore. */
export function silencePowertools(): () => void {
  const env = {
    log: process.env.POWERTOOLS_LOG_LEVEL,
    metrics: process.env.POWERTOOLS_METRICS_DISABLED,
    dev: process.env.POWERTOOLS_DEV,
  };
  const warn = console.warn;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // Metrics warns of an empty flush (a batch of duplicates in progress only) on its own console unless in dev mode.
  process.env.POWERTOOLS_DEV = 'true';
  console.warn = () => {};
  const restore = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  return () => {
    console.warn = warn;
    restore('POWERTOOLS_LOG_LEVEL', env.log);
    restore('POWERTOOLS_METRICS_DISABLED', env.metrics);
    restore('POWERTOOLS_DEV', env.dev);
  };
}


