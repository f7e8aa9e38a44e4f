import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { CANARY_METRIC, canaryRevertOf } from '../core/canary.js';
import { loadConfig } from '../core/config.js';
import { LayerGuardError, UnreadableEventError, UnsupportedEventError } from '../core/errors.js';
import type { Outcome } from '../core/outcome.js';
import type { Remediators } from '../pipeline/deps.js';
import { createEngine, type Engine } from '../pipeline/engine.js';
import { MemoryIdempotencyStore } from '../pipeline/memory-idempotency-store.js';
import { configClient, dynamoDbClient, ec2Client, eventBridgeClient, logsClient, snsClient, sqsClient } from './clients.js';
import { gatherFlowEvidence } from './flow-evidence.js';
import { otherAccountEvidence } from '../core/flow-evidence.js';
import { type FailedMessage, QUEUE_ENV, retryDelayOf, retryLater } from './queue.js';
import { createConfigHistory } from './config-history.js';
import { DynamoDbRepeatLedger } from './dynamodb-repeat-ledger.js';
import { METRICS } from './metrics.js';
import { createEc2Network } from './ec2-network.js';
import { defaultLoadBalancerReader } from './elb.js';
import { createAwsChannels } from './notifier.js';
import { createAwsReach } from './reach.js';
import { awsSecurityHubChannels } from './security-hub.js';

/** Thrown for a `failed` outcome so that Lambda retries the event and, in the end, dead-letters it. */
export class RemediationFailedError extends LayerGuardError {
  constructor(readonly outcome: Outcome) {
    super(`${outcome.eventName} ${outcome.eventId}: ${outcome.reason}`);
    this.name = 'RemediationFailedError';
  }
}

/** What the handler returns for input it cannot read: no action, no retry, a clear reason. */
export interface Rejected {
  readonly outcome: 'ignored';
  readonly reason: string;
  readonly eventId?: string;
}

const eventIdOf = (event: unknown): string | undefined => {
  const e = event as { detail?: { eventID?: unknown }; eventID?: unknown } | null;
  const id = e?.detail?.eventID ?? e?.eventID;
  return typeof id === 'string' ? id.slice(0, 128) : undefined;
};

/**
 * The engine a deployed function runs: EC2, SNS and EventBridge through the SDK, idempotency in DynamoDB.
 * Each event is judged in its own account and region: the function's own account with its own
 * credentials; in an organisation's hub, any other account through its member role (`createAwsReach`).
 * `name` is the function's, in the RoleSessionName of each AssumeRole.
 */
export function createAwsEngine(remediators: Remediators, name = 'function'): Engine {
  const config = loadConfig();
  return createEngine({
    network: createEc2Network(ec2Client(), { loadBalancers: defaultLoadBalancerReader() }),
    reach: createAwsReach({
      functionName: name,
      ...(config.account ? { account: config.account } : {}),
      ...(config.organization ? { organization: config.organization } : {}),
    }),
    channels: [
      ...createAwsChannels({
        sns: snsClient(),
        eventBridge: eventBridgeClient(),
        topicArn: config.topicArn,
        eventBusName: config.eventBusName,
      }),
      // Only when the stack's `securityHub` switch is on (LAYERGUARD_SECURITY_HUB).
      ...awsSecurityHubChannels(config, name),
    ],
    policy: config.policy,
    clock: () => new Date(),
    remediators,
    audience: { canaryGroupId: config.canaryGroupId },
    ...(config.flowLogEvidence ? flowEvidenceDeps(config.account) : {}),
    // Reverts per drift and actor, in the idempotency table beside its records (memory without one).
    // Only when the stack's `configRestore` switch is on (LAYERGUARD_CONFIG_RESTORE): the function's own
    // account only, whose role the stack grants GetResourceConfigHistory; a member account's history is
    // not read (its role has no such grant), so there the revert stays a revoke or a delete.
    ...(config.configRestore
      ? {
          configHistory: (region: string | undefined, account: string | undefined) =>
            account !== undefined && config.account !== undefined && account !== config.account
              ? undefined
              : createConfigHistory(configClient(region)),
        }
      : {}),
    ...(config.idempotencyTable ? { repeats: new DynamoDbRepeatLedger(dynamoDbClient(), config.idempotencyTable) } : {}),
    makeStore: () =>
      config.idempotencyTable
        ? new DynamoDBPersistenceLayer({ tableName: config.idempotencyTable, awsSdkV3Client: dynamoDbClient() })
        : new MemoryIdempotencyStore(),
  });
}

/** Time kept back from the evidence's wait, so that the invocation ends before its timeout. */
const EVIDENCE_MARGIN_MS = 5_000;

/**
 * The engine's flow-log evidence step (the `flowLogEvidence` switch): in the function's own account,
 * in the event's region. An event of another account (an organisation's hub) is `unknown`: the member
 * role is not granted the flow-log reads.
 */
function flowEvidenceDeps(account: string | undefined) {
  const logger = new Logger({ serviceName: METRICS.service });
  return {
    evidence: async (outcome: Outcome, context: Context) => {
      const region = outcome.trigger.region ?? process.env.AWS_REGION ?? 'us-east-1';
      const elsewhere = otherAccountEvidence(outcome, account);
      if (elsewhere) return elsewhere;
      const left = context.getRemainingTimeInMillis?.() ?? 60_000;
      return gatherFlowEvidence(
        { ec2: ec2Client(region), logs: logsClient(region) },
        outcome,
        { maxWaitMs: Math.max(0, Math.min(60_000, left - EVIDENCE_MARGIN_MS)) },
      );
    },
    onEvidenceError: (error: unknown, outcome: Outcome) =>
      logger.warn('flow-log evidence not told', { error: error as Error, eventId: outcome.eventId }),
  };
}

/** What a handler body logs and counts with. */
export interface HandlerTools {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The one handler factory of every LayerGuard function (the event handlers and the runbook): a Middy
 * handler whose logs carry the Lambda context and whose metrics are flushed after each invocation,
 * with the function's name as their `function` dimension.
 */
export function createHandler<E, R>(name: string, body: (event: E, context: Context, tools: HandlerTools) => Promise<R>) {
  const logger = new Logger({ serviceName: METRICS.service });
  const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });
  metrics.setDefaultDimensions({ function: name });
  return middy((event: E, context: Context) => body(event, context, { logger, metrics }))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** What an SQS-triggered invocation returns: the messages to deliver again (partial batch responses). */
export interface BatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle?: string;
}

/** An SQS event (the queue between the rules and the function): every record from `aws:sqs`. */
export function isQueueBatch(event: unknown): event is { Records: QueueRecord[] } {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs' && typeof (r as QueueRecord).messageId === 'string')
  );
}

/** A message's body as the rule sent it (the EventBridge event, as JSON); a body that is not JSON stays text (unreadable). */
const bodyOf = (record: QueueRecord): unknown => {
  try {
    return JSON.parse(record.body);
  } catch {
    return record.body;
  }
};

/** How one event's handling ends for Lambda: an answer, and whether it must be delivered again. */
interface Settled {
  readonly answer?: Outcome | Rejected;
  readonly retry: boolean;
  readonly error?: unknown;
}

/**
 * A thin Middy handler around an engine, for one event (an EventBridge target or a direct invoke) and
 * for a batch from the rules' queue. Logs with the CloudTrail event id, counts each outcome, and:
 * alone, returns the outcome and throws on `failed` (and on a concurrent duplicate still in
 * progress) so that Lambda retries; in a batch, handles the events together (`Engine.handleBatch`) and
 * returns the messages of those events as `batchItemFailures`, so that each is delivered again alone,
 * then dead-lettered by the queue's redrive policy. Unreadable input is answered with `ignored` and
 * never retried.
 */
export function createLambdaHandler(name: string, engine: Engine, canaryGroupId = loadConfig().canaryGroupId) {
  return createHandler(name, async (event: unknown, context: Context, tools): Promise<Outcome | Rejected | BatchResponse> => {
    const { logger } = tools;
    if (isQueueBatch(event)) {
      logger.removeKeys(['correlation_id']);
      const bodies = event.Records.map(bodyOf);
      const results = await engine.handleBatch(bodies, context);
      const settled = results.map((r, i) => settle(r, eventIdOf(bodies[i]), tools, canaryGroupId));
      const batchItemFailures = event.Records.flatMap((record, i) =>
        settled[i]?.retry ? [{ itemIdentifier: record.messageId }] : [],
      );
      const queueUrl = process.env[QUEUE_ENV.url];
      const delay = retryDelayOf();
      const failed = event.Records.filter((r, i) => settled[i]?.retry && r.receiptHandle);
      if (queueUrl && delay !== undefined && failed.length > 0) {
        const later = await retryLater(sqsClient(), queueUrl, failed as FailedMessage[], delay);
        if (later.unchanged > 0) logger.warn('failed events come back after the queue\'s visibility timeout', { ...later });
      }
      logger.info('batch', { events: bodies.length, retried: batchItemFailures.length });
      return { batchItemFailures };
    }
    const eventId = eventIdOf(event);
    // The logger outlives the invocation: an event without an id must not be logged under the previous
    // event's (Powertools keeps an appended key until it is removed).
    if (eventId) logger.setCorrelationId(eventId);
    else logger.removeKeys(['correlation_id']);
    const [result] = await Promise.allSettled([engine.handle(event, context)]);
    const { answer, retry, error } = settle(result as PromiseSettledResult<Outcome>, eventId, tools, canaryGroupId);
    if (!retry) return answer as Outcome | Rejected;
    if (answer?.outcome === 'failed') throw new RemediationFailedError(answer as Outcome);
    throw error;
  });
}

/** Logs and counts one event's result, and says whether Lambda must deliver it again. */
function settle(result: PromiseSettledResult<Outcome>, eventId: string | undefined, tools: HandlerTools, canaryGroupId: string | undefined): Settled {
  const { logger, metrics } = tools;
  if (result.status === 'rejected') {
    const error: unknown = result.reason;
    if (error instanceof UnreadableEventError) {
      // A watched call whose event could not be read: people were told (the engine did), and it is counted.
      logger.warn('unreadable event of a watched call: no action taken, a person is told', {
        reason: error.message,
        eventId: error.outcome?.eventId ?? eventId,
      });
      metrics.addMetric(METRICS.unreadableEvents, MetricUnit.Count, 1);
      return { answer: { outcome: 'ignored', reason: error.message, ...(error.outcome ? { eventId: error.outcome.eventId } : {}) }, retry: false };
    }
    if (error instanceof UnsupportedEventError) {
      logger.warn('unsupported event: no action taken', { reason: error.message, eventId });
      metrics.addMetric('unsupported', MetricUnit.Count, 1);
      return { answer: { outcome: 'ignored', reason: error.message, ...(eventId ? { eventId } : {}) }, retry: false };
    }
    if (error instanceof IdempotencyAlreadyInProgressError) {
      logger.info('the same event is being handled by another invocation; retrying later', { eventId });
    } else {
      logger.error('trigger not handled', { error: error as Error, eventId });
      metrics.addMetric('error', MetricUnit.Count, 1);
    }
    return { retry: true, error };
  }
  const outcome = result.value;
  logger.info('outcome', { outcome });
  metrics.addMetric(outcome.outcome, MetricUnit.Count, 1);
  if (outcome.fight) metrics.addMetric(METRICS.reconcilerFights, MetricUnit.Count, 1);
  if (outcome.secondsOpen !== undefined) metrics.addMetric('secondsOpen', MetricUnit.Seconds, outcome.secondsOpen);
  const canary = canaryRevertOf(outcome, canaryGroupId);
  if (canary) {
    // Its own metric set, dimensions account and region only (the canary alarm watches exactly these).
    const single = new Metrics({ namespace: 'LayerGuard', serviceName: 'layerguard', singleMetric: true });
    single.addDimensions({ account: canary.account, region: canary.region });
    single.addMetric(CANARY_METRIC, MetricUnit.Seconds, canary.secondsToRevert);
    logger.info('canary reverted', { ...canary });
  }
  return { answer: outcome, retry: outcome.outcome === 'failed' };
}
