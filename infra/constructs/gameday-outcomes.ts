import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Where a game day reads LayerGuard's outcomes from (`layerguard gameday --target aws --via deployed
 * --outcomes-queue URL`): EventBridge has no API to read a bus, so a rule on the outcomes bus copies
 * every outcome (functions/core/notification.ts toOutcomeEvent) into a queue the game day long-polls,
 * matching each outcome to its scenario and measuring the time to notify.
 *
 * Only with the stack's game-day switch on (infra/config.ts `gameday`). The queue keeps messages one
 * day: a game day reads what arrives while it runs, and nothing else consumes the queue.
 */

/** Every outcome on the outcomes bus. */
export const GAMEDAY_OUTCOMES_PATTERN = {
  source: ['layerguard'],
  'detail-type': ['LayerGuard Outcome'],
} as const;

export interface GamedayOutcomesProps {
  /** The bus outcomes are published on. */
  readonly outcomesBus: events.IEventBus;
}

export class GamedayOutcomes extends Construct {
  readonly queue: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: GamedayOutcomesProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(1),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue only hands outcomes to a game day, which deletes what it reads; a message it cannot use is dropped on purpose, and the rest expire after a day, so it needs no dead-letter queue.',
    });
    const { 'detail-type': detailType, ...rest } = GAMEDAY_OUTCOMES_PATTERN;
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.outcomesBus,
      description: 'LayerGuard game day: every outcome, into the queue the game day reads (game-day switch on)',
      eventPattern: { ...rest, detailType: [...detailType] } as unknown as events.EventPattern,
      targets: [new targets.SqsQueue(this.queue)],
    });
  }
}
