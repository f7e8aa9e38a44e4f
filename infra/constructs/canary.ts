import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CANARY_SOURCE, CLOUDTRAIL_DETAIL_TYPE } from '../../functions/core/cloudtrail.js';

/**
 * The canary: proof, every hour, that the deployed path still turns a CloudTrail-shaped event into an
 * outcome, so that a rule, a permission or a function that stopped working is noticed within the hour
 * rather than at the next incident.
 *
 * 1. An EventBridge Scheduler schedule puts, at minute 5 of every hour, one event on the default bus:
 *    source `layerguard.canary`, detail-type "AWS API Call via CloudTrail", and as detail a CloudTrail
 *    record of AuthorizeSecurityGroupIngress opening tcp/9 to 0.0.0.0/0 on `CANARY_GROUP_ID`, a group
 *    that does not exist. Its event id is the schedule's execution id, so that idempotency never
 *    answers it from an earlier hour.
 * 2. The security-group rule matches it (its pattern lets the canary source through, see
 *    functions/core/patterns.ts), the function reads the group, finds none, and the outcome is
 *    `already-compliant`: nothing is changed. The outcome goes to the outcomes bus as every outcome
 *    does; SNS skips the canary's outcomes unless they failed (functions/adapters/notifier.ts).
 * 3. A rule on the outcomes bus matches canary outcomes that did not fail; it keeps them in a queue
 *    for inspection. An alarm on that rule's `MatchedEvents` (namespace AWS/Events, dimensions
 *    EventBusName and RuleName, as the EventBridge monitoring guide gives them for a custom bus) goes
 *    off when an hour passes without one: missing data is breaching, since EventBridge sends no data
 *    point for an hour with no match. It notifies the SNS topic, and again when the canary recovers.
 *
 * Right after the first deployment, the alarm may fire once for the hour before the first canary.
 */

/** A security group id that is well formed but is never issued: the canary's revert has nothing to touch. */
export const CANARY_GROUP_ID = 'sg-00000000000000000';
/** At minute 5 of every hour (UTC), so that the outcome lands inside the hour the alarm evaluates. */
export const CANARY_MINUTE = '5';
export const CANARY_PERIOD = Duration.hours(1);
/** The outcome rule's name, unique on the outcomes bus (which the stack names too). */
export const CANARY_OUTCOME_RULE_NAME = 'layerguard-canary-outcomes';

/** The CloudTrail-shaped record the canary sends (the same shape as a real AuthorizeSecurityGroupIngress). */
export function canaryRecord(ctx: {
  readonly account: string;
  readonly region: string;
  readonly eventId: string;
  readonly eventTime: string;
}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'AWSService', invokedBy: 'scheduler.amazonaws.com' },
    eventTime: ctx.eventTime,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'AuthorizeSecurityGroupIngress',
    awsRegion: ctx.region,
    sourceIPAddress: 'scheduler.amazonaws.com',
    userAgent: 'layerguard-canary',
    requestParameters: {
      groupId: CANARY_GROUP_ID,
      ipPermissions: {
        items: [
          {
            ipProtocol: 'tcp',
            fromPort: 9,
            toPort: 9,
            groups: {},
            ipRanges: { items: [{ cidrIp: '0.0.0.0/0', description: 'LayerGuard canary' }] },
            ipv6Ranges: {},
            prefixListIds: {},
          },
        ],
      },
    },
    responseElements: null,
    eventID: ctx.eventId,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.account,
    eventCategory: 'Management',
  };
}

/** Canary outcomes on the outcomes bus (functions/core/notification.ts toOutcomeEvent), except failed ones. */
export const CANARY_OUTCOME_PATTERN = {
  source: ['layerguard'],
  'detail-type': ['LayerGuard Outcome'],
  detail: {
    trigger: { source: [CANARY_SOURCE] },
    outcome: [{ 'anything-but': ['failed'] }],
  },
} as const;

export interface CanaryProps {
  /** The bus outcomes are published on. */
  readonly outcomesBus: events.IEventBus;
  /** Where the alarm notifies. */
  readonly topic: sns.ITopic;
}

export class Canary extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly outcomeRule: events.Rule;
  readonly outcomes: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'LayerGuard canary: a harmless CloudTrail-shaped event through the deployed path, hourly',
      schedule: scheduler.ScheduleExpression.cron({ minute: CANARY_MINUTE }),
      timeWindow: scheduler.TimeWindow.off(),
      target: new schedulerTargets.EventBridgePutEvents(
        {
          eventBus: defaultBus,
          source: CANARY_SOURCE,
          detailType: CLOUDTRAIL_DETAIL_TYPE,
          detail: scheduler.ScheduleTargetInput.fromObject(
            canaryRecord({
              account: Aws.ACCOUNT_ID,
              region: Aws.REGION,
              eventId: `layerguard-canary-${scheduler.ContextAttribute.executionId}`,
              eventTime: scheduler.ContextAttribute.scheduledTime,
            }),
          ),
        },
        { retryAttempts: 3, maxEventAge: Duration.minutes(30) },
      ),
    });

    this.outcomes = new sqs.Queue(this, 'Outcomes', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.outcomes).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue only keeps the canary outcomes for inspection; nothing consumes it, so it needs no dead-letter queue.',
    });
    const { 'detail-type': detailType, ...rest } = CANARY_OUTCOME_PATTERN;
    this.outcomeRule = new events.Rule(this, 'OutcomeRule', {
      eventBus: props.outcomesBus,
      // Named: the Ref of a rule on a custom bus is `bus|rule`, not the rule's name (AWS::Events::Rule,
      // return values), and the alarm's RuleName dimension needs the name itself.
      ruleName: CANARY_OUTCOME_RULE_NAME,
      description: 'LayerGuard canary: outcomes of the hourly canary event (the alarm counts these matches)',
      eventPattern: { ...rest, detailType: [...detailType] } as unknown as events.EventPattern,
      targets: [new targets.SqsQueue(this.outcomes)],
    });

    this.alarm = new cloudwatch.Alarm(this, 'NoOutcome', {
      alarmDescription:
        'LayerGuard canary: no outcome for the hourly canary event. A rule, permission or function on the deployed path stopped working; check the security-group function, its rule and the outcomes bus.',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'MatchedEvents',
        dimensionsMap: { EventBusName: props.outcomesBus.eventBusName, RuleName: CANARY_OUTCOME_RULE_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: CANARY_PERIOD,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const action = new actions.SnsAction(props.topic);
    this.alarm.addAlarmAction(action);
    this.alarm.addOkAction(action);
  }
}
