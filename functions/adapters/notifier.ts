import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { peopleAttributes } from '../core/audience.js';
import { AwsCallError } from '../core/errors.js';
import { formatNotification, toOutcomeEvent } from '../core/notification.js';
import type { NotificationChannel } from '../core/notifier.js';
import { toAwsCallError } from './ec2-network.js';

export interface AwsNotifierDeps {
  readonly sns?: SNSClient;
  readonly eventBridge?: EventBridgeClient;
  /** SNS topic for people; without it (or without `sns`) the SNS channel is skipped. */
  readonly topicArn?: string;
  /** EventBridge bus for machines; without it (or without `eventBridge`) the channel is skipped. */
  readonly eventBusName?: string;
}

// SNS message attribute values must not be empty; subscriptions filter on `outcome` and `attention`
// (core/audience.ts, infra/constructs/notifications.ts).
const attribute = (value: string) => ({ DataType: 'String', StringValue: value || 'unknown' });

/**
 * The notification channels on SNS (people) and EventBridge PutEvents (machines); a channel with no
 * target is left out. A failure, including a PutEvents entry that EventBridge refused
 * (`FailedEntryCount > 0`), throws an `AwsCallError`, so that the channel is retried.
 */
export function createAwsChannels(deps: AwsNotifierDeps): NotificationChannel[] {
  const { sns, eventBridge, topicArn, eventBusName } = deps;
  const channels: NotificationChannel[] = [];

  if (sns && topicArn) {
    channels.push({
      name: 'sns',
      audience: 'people',
      async send(outcome) {
        const { subject, message } = formatNotification(outcome);
        const people = peopleAttributes(outcome);
        try {
          const answer = await sns.send(
            new PublishCommand({
              TopicArn: topicArn,
              Subject: subject,
              Message: message,
              MessageAttributes: {
                outcome: attribute(people.outcome),
                attention: attribute(people.attention),
                eventName: attribute(outcome.eventName),
              },
            }),
          );
          return answer.MessageId;
        } catch (error) {
          throw toAwsCallError('Publish', error);
        }
      },
    });
  }

  if (eventBridge && eventBusName) {
    channels.push({
      name: 'eventbridge',
      audience: 'machines',
      async send(outcome) {
        let answer: PutEventsCommandOutput;
        try {
          answer = await eventBridge.send(
            new PutEventsCommand({ Entries: [{ ...toOutcomeEvent(outcome), EventBusName: eventBusName }] }),
          );
        } catch (error) {
          throw toAwsCallError('PutEvents', error);
        }
        const entry = answer.Entries?.[0];
        if ((answer.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
          const code = entry?.ErrorCode ?? 'FailedEntry';
          // EventBridge's per-entry codes: ThrottlingException and InternalFailure are worth a retry.
          const retryable = code === 'ThrottlingException' || code === 'InternalFailure' || code === 'InternalException';
          throw new AwsCallError('PutEvents', code, entry?.ErrorMessage ?? 'EventBridge refused the entry', { retryable });
        }
        return entry?.EventId;
      },
    });
  }
  return channels;
}
