import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { type AudienceContext, audiencesOf } from '../core/audience.js';
import { type ParsedTrigger, parseTrigger } from '../core/cloudtrail.js';
import { NotApplicableEventError, UnreadableEventError, UnsupportedEventError } from '../core/errors.js';
import { resourceAccount, toTrigger } from '../core/guards.js';
import type { NotificationChannel } from '../core/notifier.js';
import type { Outcome } from '../core/outcome.js';
import type { PipelineDeps, Reach, Remediators } from './deps.js';
import { unreadableOutcome } from './outcomes.js';
import { MemoryRepeatLedger } from './memory-repeat-ledger.js';
import { remediate } from './remediate.js';
import { type Coalescer, createCoalescer, groupKey, type Participant, tableKey } from './coalesce.js';
import { toChange } from '../core/change.js';
import type { NetworkApi } from '../core/network.js';
import { type FlowEvidence, unknownEvidence, wantsFlowEvidence, withEvidence } from '../core/flow-evidence.js';

/**
 * The id an unreadable event is told under when its record names none: EventBridge's own event id
 * (the same on every redelivery), else a digest of the event.
 */
function fallbackEventId(input: unknown): string {
  const id = (input as { id?: unknown } | null)?.id;
  if (typeof id === 'string' && id !== '') return `eventbridge-${id.slice(0, 100)}`;
  return `sha256-${createHash('sha256').update(JSON.stringify(input) ?? String(input)).digest('hex').slice(0, 32)}`;
}

/** A `failed` outcome, thrown so that its idempotency record is dropped and a retry runs the pipeline again. */
export class FailedOutcomeError extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.reason);
    this.name = 'FailedOutcomeError';
  }
}

export interface EngineDeps extends PipelineDeps {
  /** Where outcomes are told; each channel is sent once per event and outcome, and retried alone. */
  readonly channels: readonly NotificationChannel[];
  readonly remediators: Remediators;
  /**
   * Makes a store where "this trigger was handled" is remembered: DynamoDB when deployed, memory
   * locally. Called once per idempotent step: Powertools binds a store to one step's configuration.
   */
  readonly makeStore: () => BasePersistenceLayer;
  /** How long a trigger is remembered: longer than EventBridge and Lambda keep retrying it (24 h). */
  readonly rememberSeconds?: number;
  /** What `audiencesOf` needs to decide who is told (the canary's group). */
  readonly audience?: AudienceContext;
  /**
   * Flow-log evidence of a remediated world-open revert (the `flowLogEvidence` switch): asked only after
   * the revert's notices were sent, and told as a second notice. Its failure is logged, never thrown.
   */
  readonly evidence?: (outcome: Outcome, context: Context) => Promise<FlowEvidence>;
  /** Where the evidence step's failures go (they never fail the event). */
  readonly onEvidenceError?: (error: unknown, outcome: Outcome) => void;
}

export interface Engine {
  /** Handles one trigger end to end; returns its outcome (also `failed`: the caller decides to throw). */
  handle(input: unknown, context?: Context): Promise<Outcome>;
  /**
   * Handles a batch of triggers together: each is handled as `handle` would (its own outcome, its own
   * notices, once), on a network coalesced per resource (pipeline/coalesce.ts), so that the events about
   * one group or route table in one account and region are judged on one read and reverted together.
   * One settled result per input, in order.
   */
  handleBatch(inputs: readonly unknown[], context?: Context): Promise<PromiseSettledResult<Outcome>[]>;
}

const DAY = 86_400;

/** What makes a trigger one: the account it changed (empty when the record names none) and its event id. */
interface TriggerKey {
  readonly account: string;
  readonly eventId: string;
}
const LOCAL_CONTEXT = { getRemainingTimeInMillis: () => 60_000 } as Context;

/**
 * Wires the pipeline to the notification channels with idempotent steps keyed on the account and the
 * CloudTrail event id (a hub hears every account: the same event on two paths, two buses or a
 * redeploy, is one remediation and one notice; the same id in two accounts, which hand-made and
 * game-day events can carry, is two changes): the remediation (a redelivered event returns the first outcome without touching the network),
 * and each channel (sent once per event and outcome, and retried alone when only it failed).
 */
export function createEngine(given: EngineDeps): Engine {
  // Reverts are counted per drift and actor (never fight a reconciler): in memory unless a ledger is given.
  const deps: EngineDeps = { ...given, repeats: given.repeats ?? new MemoryRepeatLedger() };
  const config = (key: string) =>
    new IdempotencyConfig({ eventKeyJmesPath: key, expiresAfterSeconds: deps.rememberSeconds ?? 2 * DAY });
  const remediationConfig = config('[account, eventId]');

  const remediateOnce = makeIdempotent(
    async (_key: TriggerKey, parsed: ReturnType<typeof parseTrigger>, placed: EngineDeps = deps): Promise<Outcome> => {
      const outcome = await remediate(parsed, deps.remediators, placed);
      if (outcome.outcome === 'failed') throw new FailedOutcomeError(outcome);
      return outcome;
    },
    { persistenceStore: deps.makeStore(), config: remediationConfig, dataIndexArgument: 0, keyPrefix: 'remediate' },
  );

  const channels = deps.channels.map((channel) => {
    const channelConfig = config('[account, eventId, outcome]');
    const sendOnce = makeIdempotent(
      async (_key: TriggerKey & { outcome: string }, outcome: Outcome) => ({ id: (await channel.send(outcome)) ?? null }),
      { persistenceStore: deps.makeStore(), config: channelConfig, dataIndexArgument: 0, keyPrefix: `notify-${channel.name}` },
    );
    return { channel, channelConfig, sendOnce };
  });

  // Once per trigger, like the remediation: a redelivered event does not query (and pay) again.
  const evidenceConfig = config('[account, eventId]');
  const { evidence } = deps;
  const evidenceOnce =
    evidence &&
    makeIdempotent(
      async (_key: TriggerKey, outcome: Outcome, context: Context): Promise<FlowEvidence> => {
        try {
          return await evidence(outcome, context);
        } catch (error) {
          deps.onEvidenceError?.(error, outcome);
          return unknownEvidence(`the evidence step failed (${(error as Error)?.name ?? 'error'})`);
        }
      },
      { persistenceStore: deps.makeStore(), config: evidenceConfig, dataIndexArgument: 0, keyPrefix: 'evidence' },
    );

  /**
   * The follow-up: the evidence, told on the channels that heard the revert, once per channel under the
   * outcome `evidence`. Anything that goes wrong here is logged: the event was handled already.
   */
  async function tellEvidence(trigger: TriggerKey, outcome: Outcome, context: Context): Promise<void> {
    if (!evidenceOnce || !wantsFlowEvidence(outcome)) return;
    try {
      const followUp = withEvidence(outcome, await evidenceOnce(trigger, outcome, context));
      const audiences = audiencesOf(outcome, deps.audience);
      const told = channels.filter((c) => audiences.includes(c.channel.audience));
      const sent = await Promise.allSettled(told.map((c) => c.sendOnce({ ...trigger, outcome: 'evidence' }, followUp)));
      for (const s of sent) if (s.status === 'rejected') deps.onEvidenceError?.(s.reason, outcome);
    } catch (error) {
      deps.onEvidenceError?.(error, outcome);
    }
  }

  /**
   * A watched call that could not be read: people are told once per event (what arrived, its id, why),
   * on every channel, idempotently; a channel that fails throws, so that the event is retried.
   */
  async function tellUnreadable(error: UnreadableEventError, input: unknown): Promise<void> {
    const trigger = { ...error.trigger, eventId: error.trigger.eventId || fallbackEventId(input) };
    const outcome = unreadableOutcome(trigger, error.message);
    error.outcome = outcome;
    const key = { account: trigger.account ?? '', eventId: trigger.eventId, outcome: 'unreadable' };
    const audiences = audiencesOf(outcome, deps.audience);
    const told = channels.filter((c) => audiences.includes(c.channel.audience));
    const sent = await Promise.allSettled(told.map((c) => c.sendOnce(key, outcome)));
    const failure = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async function handleWith(input: unknown, context: Context | undefined, placed: EngineDeps): Promise<Outcome> {
    {
      // Outside Lambda there is no deadline; a local one bounds how long an interrupted run holds the event.
      const deadline = context ?? LOCAL_CONTEXT;
      remediationConfig.registerLambdaContext(deadline);
      for (const c of channels) c.channelConfig.registerLambdaContext(deadline);
      evidenceConfig.registerLambdaContext(deadline);
      let parsed: ParsedTrigger;
      try {
        parsed = parseTrigger(input);
      } catch (error) {
        if (error instanceof UnreadableEventError) await tellUnreadable(error, input);
        throw error;
      }
      const trigger: TriggerKey = { account: resourceAccount(parsed.record) ?? '', eventId: parsed.record.eventID };
      let outcome: Outcome;
      try {
        outcome = await remediateOnce(trigger, parsed, placed);
      } catch (error) {
        if (error instanceof FailedOutcomeError) outcome = error.outcome;
        else if (error instanceof UnsupportedEventError && !(error instanceof NotApplicableEventError)) {
          // The record parsed, but what the decision needs of its request or response did not.
          const unreadable =
            error instanceof UnreadableEventError ? error : new UnreadableEventError(error.message, toTrigger(parsed), { cause: error });
          await tellUnreadable(unreadable, input);
          throw unreadable;
        } else throw error;
      }
      const key = { ...trigger, outcome: outcome.outcome };
      const audiences = audiencesOf(outcome, deps.audience);
      const told = channels.filter((c) => audiences.includes(c.channel.audience));
      const sent = await Promise.allSettled(told.map((c) => c.sendOnce(key, outcome)));
      const failure = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failure) throw failure.reason;
      // Only now, with the revert told: the evidence never delays the revert or its notices.
      await tellEvidence(trigger, outcome, deadline);
      return outcome;
    }
  }

  return {
    handle: (input, context) => handleWith(input, context, deps),
    async handleBatch(inputs, context) {
      const participants = inputs.map((input, id) => participantOf(id, input));
      const coalescer = createCoalescer(participants);
      return Promise.allSettled(
        inputs.map((input, i) => {
          const participant = participants[i] as Participant;
          return handleWith(input, context, coalesced(deps, coalescer, participant)).finally(() => coalescer.finish(participant));
        }),
      );
    },
  };
}

/** Where an event happened (its account and region) and the resource it is about, as far as it can be read. */
function participantOf(id: number, input: unknown): Participant {
  try {
    const parsed = parseTrigger(input);
    const place = placeKey(toTrigger(parsed).account, parsed.record.awsRegion);
    const change = toChange(parsed.record);
    if (change.kind === 'sg-ingress' && change.groupId) return { id, place, resource: groupKey(change.groupId) };
    if (change.kind === 'route') return { id, place, resource: tableKey(change.routeTableId) };
    return { id, place };
  } catch {
    return { id };
  }
}

const placeKey = (account: string | undefined, region: string): string => `${account ?? ''} ${region}`;

/** `deps` whose networks, wherever the event is placed, are the participant's views of the batch's coalesced network. */
function coalesced(deps: EngineDeps, coalescer: Coalescer, participant: Participant): EngineDeps {
  const { reach } = deps;
  const view = (network: NetworkApi, place: string) => coalescer.view(participant, place, network);
  if (!reach) return { ...deps, network: view(deps.network, participant.place ?? '') };
  // The reach keeps its own methods (OUs, aliases); only its networks are coalesced.
  const placed: Reach = Object.assign(Object.create(reach) as Reach, {
    network: (region: string, account?: string) => view(reach.network(region, account), placeKey(account, region)),
  });
  return { ...deps, reach: placed };
}
