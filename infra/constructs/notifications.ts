import { Aws, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PEOPLE_OUTCOMES, peopleFilterPolicy } from '../../functions/core/audience.js';
import type { OutcomeStatus } from '../../functions/core/outcome.js';

/** One e-mail subscription: an address, or an address and the outcomes it receives. */
export type EmailSubscriptionConfig = string | { readonly email: string; readonly outcomes: readonly OutcomeStatus[] };

export interface NotificationsProps {
  /** E-mail subscriptions to the topic; each receives `PEOPLE_OUTCOMES` unless it names its own. */
  readonly emails: readonly EmailSubscriptionConfig[];
}

/** Where outcomes and alarms go: encrypted SNS topics for people (outcomes, alarms), an EventBridge bus for machines. */
export class Notifications extends Construct {
  readonly key: kms.Key;
  /** Outcomes for people; each subscription filters (core/audience.ts). */
  readonly topic: sns.Topic;
  /** CloudWatch alarms; subscriptions never filter (an alarm's notification has no attributes). */
  readonly alarmTopic: sns.Topic;
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'LayerGuard: encrypts the notification topics',
      enableKeyRotation: true,
      // Removed with the stack, after KMS's longest waiting period.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    // CloudWatch alarms publish to the encrypted topic as the CloudWatch service, which needs the
    // topic key: "Amazon SNS: Encryption at rest / Enable compatibility between event sources from AWS
    // services and encrypted topics" gives CloudWatch kms:Decrypt and kms:GenerateDataKey* in the key
    // policy (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'LayerGuard',
      masterKey: this.key,
      enforceSSL: true,
    });
    // Alarms have a topic of their own. A CloudWatch alarm's notification carries no message attributes,
    // and a subscription with a filter policy on message attributes delivers no message without them
    // ("exists": false, too, "only matches if at least one attribute is present":
    // https://docs.aws.amazon.com/sns/latest/dg/attribute-key-matching.html). On the outcomes topic,
    // whose people's subscriptions filter, an alarm would reach no one.
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'LayerGuard alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    // `enforceSSL` gives the topic a policy of its own, which replaces SNS's default policy (the one
    // that let the account's principals, CloudWatch alarms included, publish). So CloudWatch is
    // allowed here, for this account's alarms only: aws:SourceAccount and aws:SourceArn are the
    // confused-deputy keys CloudWatch sets when it publishes an alarm action
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). The ARNs are every alarm
    // of the stack, read when the template is written, so an alarm added later is covered too.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': Lazy.list({ produce: () => alarmArnsOf(Stack.of(this)) }, { omitEmpty: false }),
          },
        },
      }),
    );
    // Each person gets every alarm, and the outcomes their filter policy names (core/audience.ts: the
    // SNS channel sets `outcome` and `attention` on every message).
    props.emails.forEach((entry, i) => {
      const { email, outcomes } = typeof entry === 'string' ? { email: entry, outcomes: PEOPLE_OUTCOMES } : entry;
      const outcomesSubscription = new sns.Subscription(this, `Outcomes${i}`, {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
      });
      // `$or` across attributes cannot be written with SubscriptionFilter, so the policy is set as written.
      (outcomesSubscription.node.defaultChild as sns.CfnSubscription).filterPolicy = peopleFilterPolicy(outcomes);
      new sns.Subscription(this, `Alarms${i}`, {
        topic: this.alarmTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
      });
    });
    this.bus = new events.EventBus(this, 'OutcomesBus', {
      eventBusName: 'layerguard-outcomes',
      description: 'LayerGuard outcomes, one event per trigger, for machine consumers',
    });
  }
}

/** The ARN of every CloudWatch alarm in the stack (they all notify the alarm topic). */
function alarmArnsOf(stack: Stack): string[] {
  return stack.node
    .findAll()
    .filter((c): c is cloudwatch.Alarm => c instanceof cloudwatch.Alarm)
    .map((alarm) => alarm.alarmArn);
}
