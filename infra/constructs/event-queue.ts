import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUE_ENV } from '../../functions/adapters/queue.js';
import { EC2_SHARE_ENV } from '../../functions/adapters/pace.js';
import type { BucketName } from '../../functions/core/ec2-rates.js';
import type { QueueConfig } from '../config.js';
import type { RemediationFunction } from './functions.js';

/**
 * Each event function's part of an account-region's EC2 buckets, per invocation: a bucket one function
 * alone draws from in a storm (the security-group function's revokes, the route-table function's
 * deletes) is shared by that function's invocations; the reads, which both draw from, by all of them.
 */
export function ec2Shares(securityGroup: number, routeTable: number): Record<'securityGroup' | 'routeTable', Record<BucketName, number>> {
  const all = 1 / (securityGroup + routeTable);
  return {
    securityGroup: { sgIngress: 1 / securityGroup, mutating: all, reads: all },
    routeTable: { sgIngress: all, mutating: 1 / routeTable, reads: all },
  };
}

export interface EventQueueProps {
  /** The function that reads the queue. */
  readonly consumer: RemediationFunction;
  readonly config: QueueConfig;
  /** The consumer's part of each EC2 bucket per invocation (`ec2Shares`). */
  readonly shares: Readonly<Record<BucketName, number>>;
}

/**
 * The queue between a function's rules and the function: the rules put each event on it, an event
 * source mapping hands the function batches (of up to `batchSize`, after at most the batching window,
 * at most `maxConcurrency` invocations at a time), partial batch responses deliver the failed events
 * again alone, and after `maxReceiveCount` receives an event goes to the dead-letter queue (alarmed).
 * Both queues are encrypted (SQS-managed keys, which EventBridge may send to without a key policy) and
 * refuse plain HTTP.
 */
export class EventQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly mapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    const { consumer, config } = props;
    const timeout = consumer.fn.timeout ?? Duration.seconds(3);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // "Set the source queue's visibility timeout to at least six times the timeout that you configure
      // on your function" (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      // As long as EventBridge keeps retrying a delivery: an event older than that is stale anyway.
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    // Written without SqsEventSource, whose grant would add a second policy to the role: the statement
    // below, in the function's one policy, is the only queue permission it has.
    this.mapping = new lambda.EventSourceMapping(this, 'Mapping', {
      target: consumer.fn,
      eventSourceArn: this.queue.queueArn,
      batchSize: config.batchSize,
      maxBatchingWindow: Duration.seconds(config.batchingWindowSeconds),
      maxConcurrency: config.maxConcurrency,
      reportBatchItemFailures: true,
    });
    consumer.permissions.addStatements(
      new iam.PolicyStatement({
        sid: 'ReadEventQueue',
        actions: [...QUEUE_CONSUMER_ACTIONS],
        resources: [this.queue.queueArn],
      }),
    );
    this.mapping.node.addDependency(consumer.permissions);
    consumer.fn.addEnvironment(QUEUE_ENV.url, this.queue.queueUrl);
    consumer.fn.addEnvironment(QUEUE_ENV.retryDelaySeconds, String(config.retryDelaySeconds));
    consumer.fn.addEnvironment(EC2_SHARE_ENV, JSON.stringify(props.shares));
  }
}

/**
 * What the event source mapping needs of the queue (ReceiveMessage, DeleteMessage, GetQueueAttributes:
 * "Execution role permissions", the Lambda developer guide's SQS page) and what the handler needs to
 * deliver a failed event again after the retry delay (ChangeMessageVisibility, as
 * ChangeMessageVisibilityBatch authorises).
 */
export const QUEUE_CONSUMER_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ChangeMessageVisibility',
] as const;
