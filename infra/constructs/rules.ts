import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RuleName, RuleSpec } from '../../functions/core/patterns.js';

/** EventBridge retries delivery (throttles, Lambda unavailable) this often, for at most this long. */
export const TARGET_RETRY_ATTEMPTS = 8;
export const TARGET_MAX_EVENT_AGE = Duration.hours(2);

export interface CloudTrailRuleProps {
  readonly spec: RuleSpec;
  /** The function's queue (infra/constructs/event-queue.ts). */
  readonly target: sqs.IQueue;
  /** The bus the rule is on; the account's default bus unless given (the hub bus of an organisation). */
  readonly eventBus?: events.IEventBus;
}

/**
 * One rule on the default bus (or the given bus) with the pattern from `functions/core/patterns.ts`, exactly as built, and a
 * queue target with a retry policy and an encrypted dead-letter queue (for deliveries EventBridge could not make).
 */
export class CloudTrailRule extends Construct {
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: CloudTrailRuleProps) {
    super(scope, id);
    const { spec } = props;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.rule = new events.Rule(this, 'Rule', {
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      description: spec.description.slice(0, 512),
      eventPattern: toCdkEventPattern(spec.pattern),
      targets: [
        new targets.SqsQueue(props.target, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: TARGET_RETRY_ATTEMPTS,
          maxEventAge: TARGET_MAX_EVENT_AGE,
        }),
      ],
    });
  }
}

/** CDK names the envelope fields in camelCase; the rest of the pattern passes through unchanged. */
export function toCdkEventPattern(pattern: Record<string, unknown>): events.EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType === undefined ? {} : { detailType }) } as events.EventPattern;
}

/** The construct id of each rule (and, with `Hub` in front, of the hub bus's), and the prefix of its dead-letter queue's. */
export const RULE_IDS: Readonly<Record<RuleName, string>> = {
  'security-group': 'SecurityGroup',
  'route-table': 'RouteTable',
  'network-acl': 'NetworkAcl',
  'prefix-list': 'PrefixList',
};
