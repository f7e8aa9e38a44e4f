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
import { dynamoDbClient, ec2Client, eventBridgeClient, snsClient } from './clients.js';
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
    // Reverts per drift and actor, in the idempotency table beside its records (memory without one).
    ...(config.idempotencyTable ? { repeats: new DynamoDbRepeatLedger(dynamoDbClient(), config.idempotencyTable) } : {}),
    makeStore: () =>
      config.idempotencyTable
        ? new DynamoDBPersistenceLayer({ tableName: config.idempotencyTable, awsSdkV3Client: dynamoDbClient() })
        : new MemoryIdempotencyStore(),
  });
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

/**
 * A thin Middy handler around an engine: logs with the CloudTrail event id as correlation id, counts
 * each outcome, returns the outcome, and throws on `failed` (and on a concurrent duplicate still in
 * progress) so that Lambda retries; unreadable input is answered with `ignored` and never retried.
 */
export function createLambdaHandler(name: string, engine: Engine, canaryGroupId = loadConfig().canaryGroupId) {
  return createHandler(name, async (event: unknown, context: Context, { logger, metrics }): Promise<Outcome | Rejected> => {
    const eventId = eventIdOf(event);
    // The logger outlives the invocation: an event without an id must not be logged under the previous
    // event's (Powertools keeps an appended key until it is removed).
    if (eventId) logger.setCorrelationId(eventId);
    else logger.removeKeys(['correlation_id']);
    let outcome: Outcome;
    try {
      outcome = await engine.handle(event, context);
    } catch (error) {
      if (error instanceof UnreadableEventError) {
        // A watched call whose event could not be read: people were told (the engine did), and it is counted.
        logger.warn('unreadable event of a watched call: no action taken, a person is told', {
          reason: error.message,
          eventId: error.outcome?.eventId ?? eventId,
        });
        metrics.addMetric(METRICS.unreadableEvents, MetricUnit.Count, 1);
        return { outcome: 'ignored', reason: error.message, ...(error.outcome ? { eventId: error.outcome.eventId } : {}) };
      }
      if (error instanceof UnsupportedEventError) {
        logger.warn('unsupported event: no action taken', { reason: error.message, eventId });
        metrics.addMetric('unsupported', MetricUnit.Count, 1);
        return { outcome: 'ignored', reason: error.message, ...(eventId ? { eventId } : {}) };
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        logger.info('the same event is being handled by another invocation; retrying later', { eventId });
      } else {
        logger.error('trigger not handled', { error: error as Error, eventId });
        metrics.addMetric('error', MetricUnit.Count, 1);
      }
      throw error;
    }
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
    if (outcome.outcome === 'failed') throw new RemediationFailedError(outcome);
    return outcome;
  });
}
