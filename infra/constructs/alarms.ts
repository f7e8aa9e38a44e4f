import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS } from '../../functions/adapters/metrics.js';

export interface AlarmsProps {
  readonly topic: sns.ITopic;
  /** Functions by a short display name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter and failure queues by a short display name. */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  /**
   * Functions whose `UnreadableEvents` metric is alarmed (watched calls whose event could not be read),
   * by a short display name: the value of the metric's `function` dimension.
   */
  readonly unreadableEvents?: Readonly<Record<string, string>>;
  /**
   * Functions whose `ReconcilerFights` metric is alarmed (drift a reconciler kept re-creating, left
   * standing and alerted), by a short display name: the value of the metric's `function` dimension.
   */
  readonly reconcilerFights?: Readonly<Record<string, string>>;
  /**
   * Functions whose `SweepsNotQueued` metric is alarmed (an organisation sweep's account-regions that
   * could not be queued), by a short display name: the value of the metric's `function` dimension.
   */
  readonly sweepsNotQueued?: Readonly<Record<string, string>>;
  /**
   * The rules' event queues by a short display name: alarmed when their oldest message is older than
   * `EVENT_AGE_ALARM` (the functions stopped reading, or a storm outruns EC2's rate): an event the
   * queue kept past its retention would be dropped unseen.
   */
  readonly eventQueues?: Readonly<Record<string, sqs.IQueue>>;
}

/** How old the oldest waiting event may get: a storm of 1,000 groups is cleared in about 200 s. */
export const EVENT_AGE_ALARM = Duration.minutes(15);

/** Alarms on function errors and throttles and on any message in a dead-letter queue, to the topic. */
export class Alarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const action = new actions.SnsAction(props.topic);
    const add = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        new cloudwatch.Alarm(this, `${name}Errors`, {
          alarmDescription: `LayerGuard ${name}: the function failed (the event is retried, then dead-lettered)`,
          metric: fn.metricErrors({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      add(
        new cloudwatch.Alarm(this, `${name}Throttles`, {
          alarmDescription: `LayerGuard ${name}: invocations throttled (reserved concurrency reached)`,
          metric: fn.metricThrottles({ period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    // LayerGuard's own counts: any in five minutes alarms. Powertools EMF: the service dimension from
    // serviceName, the function dimension per handler.
    const counted = (id: string, metricName: string, description: string, fn: string) =>
      add(
        new cloudwatch.Alarm(this, id, {
          alarmDescription: description,
          metric: new cloudwatch.Metric({
            namespace: METRICS.namespace,
            metricName,
            dimensionsMap: { service: METRICS.service, function: fn },
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.SUM,
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    for (const [name, fn] of Object.entries(props.unreadableEvents ?? {})) {
      counted(
        `${name}UnreadableEvents`,
        METRICS.unreadableEvents,
        `LayerGuard ${name}: an event of a watched call could not be read, so its change was not judged (a person was told)`,
        fn,
      );
    }
    for (const [name, fn] of Object.entries(props.reconcilerFights ?? {})) {
      counted(
        `${name}ReconcilerFights`,
        METRICS.reconcilerFights,
        `LayerGuard ${name}: an actor kept re-creating the same drift, so LayerGuard stopped reverting it (fix its source or exempt the resource)`,
        fn,
      );
    }
    for (const [name, fn] of Object.entries(props.sweepsNotQueued ?? {})) {
      counted(
        `${name}SweepsNotQueued`,
        METRICS.sweepsNotQueued,
        `LayerGuard ${name}: the scheduled organisation sweep could not queue some account-regions (named in the function's log as "sweeps not queued"); the next run tries again`,
        fn,
      );
    }
    for (const [name, queue] of Object.entries(props.queues)) {
      add(
        new cloudwatch.Alarm(this, `${name}Messages`, {
          alarmDescription: `LayerGuard ${name}: an event was dead-lettered and needs attention`,
          metric: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(5),
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const [name, queue] of Object.entries(props.eventQueues ?? {})) {
      add(
        new cloudwatch.Alarm(this, `${name}Age`, {
          alarmDescription: `LayerGuard ${name}: events have waited over ${EVENT_AGE_ALARM.toMinutes()} minutes to be handled`,
          metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: EVENT_AGE_ALARM.toSeconds(),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
}
