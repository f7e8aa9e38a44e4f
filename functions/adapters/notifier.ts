import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
} from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { AwsCallError } from '../core/errors.js';
import { formatNotification, toOutcomeEvent } from '../core/notification.js';
import type { Notifier, NotifyReceipt } from '../core/notifier.js';
import type { Outcome } from '../core/outcome.js';
import { toAwsCallError } from './ec2-network.js';

/** IAM actions the notifier needs (resource-scoped to the topic and the bus in the stack). */
export const NOTIFIER_ACTIONS = { sns: ['sns:Publish'], eventBridge: ['events:PutEvents'] } as const;

export interface AwsNotifierDeps {
  readonly sns?: SNSClient;
  readonly eventBridge?: EventBridgeClient;
  /** SNS topic for people; without it (or without `sns`) the SNS channel is skipped. */
  readonly topicArn?: string;
  /** EventBridge bus for machines; without it (or without `eventBridge`) the channel is skipped. */
  readonly eventBusName?: string;
}

// SNS message attribute values must not be empty; subscribers filter on these.
const attribute = (value: string) => ({ DataType: 'String', StringValue: value || 'unknown' });

/**
 * The `Notifier` port on SNS (people) and EventBridge PutEvents (machines). Both channels are sent in
 * parallel; a channel with no target is skipped. Any failure, including a PutEvents entry that
 * EventBridge refused (`FailedEntryCount > 0`), throws an `AwsCallError`, so the trigger is retried.
 */
export function createAwsNotifier(deps: AwsNotifierDeps): Notifier {
  const { sns, eventBridge, topicArn, eventBusName } = deps;

  const publish = async (outcome: Outcome): Promise<string | undefined> => {
    if (!sns || !topicArn) return undefined;
    const { subject, message } = formatNotification(outcome);
    try {
      const answer = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subject,
          Message: message,
          MessageAttributes: {
            outcome: attribute(outcome.outcome),
            eventName: attribute(outcome.eventName),
          },
        }),
      );
      return answer.MessageId;
    } catch (error) {
      throw toAwsCallError('Publish', error);
    }
  };

  const putEvent = async (outcome: Outcome): Promise<string | undefined> => {
    if (!eventBridge || !eventBusName) return undefined;
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
      const retryable =
        code === 'ThrottlingException' || code === 'InternalFailure' || code === 'InternalException';
      throw new AwsCallError('PutEvents', code, entry?.ErrorMessage ?? 'EventBridge refused the entry', {
        retryable,
      });
    }
    return entry?.EventId;
  };

  return {
    async notify(outcome): Promise<NotifyReceipt> {
      // allSettled, so that one channel's failure does not hide the other's; then throw the first.
      const [snsResult, ebResult] = await Promise.allSettled([publish(outcome), putEvent(outcome)]);
      if (snsResult.status === 'rejected') throw snsResult.reason;
      if (ebResult.status === 'rejected') throw ebResult.reason;
      const receipt: { sns?: string; eventBridge?: string } = {};
      if (snsResult.value !== undefined) receipt.sns = snsResult.value;
      if (ebResult.value !== undefined) receipt.eventBridge = ebResult.value;
      return receipt;
    },
  };
}
