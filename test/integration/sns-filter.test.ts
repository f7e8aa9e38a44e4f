import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAwsChannels } from '../../functions/adapters/notifier.js';
import type { Outcome, OutcomeStatus } from '../../functions/core/outcome.js';
import { unreadableOutcome } from '../../functions/pipeline/outcomes.js';
import { resourcesOf, synth } from '../infra/support.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/**
 * Who hears what, on an outside model of SNS: moto's filter-policy matcher (`$or`, string lists),
 * over real HTTP. The filter policy is the one the synthesised stack gives a person's outcomes
 * subscription; the messages are what the real SNS channel (functions/adapters/notifier.ts) publishes.
 * A queue stands in for the e-mail endpoint: SNS applies a subscription's filter policy before delivery,
 * whatever the protocol (https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html).
 */

useMoto();
const endpoint = motoEndpoint();

const person = 'secops@example.com';
const { template } = synth({ notificationEmails: [person] });
const filterPolicy = Object.values(resourcesOf(template, 'AWS::SNS::Subscription')).find(
  (r) => r.Properties.Endpoint === person && r.Properties.FilterPolicy !== undefined,
)?.Properties.FilterPolicy;

const outcomeOf = (status: OutcomeStatus, eventId: string, extra: Partial<Outcome> = {}): Outcome => ({
  outcome: status,
  reason: `a ${status} outcome`,
  eventId,
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: { eventId, eventName: 'AuthorizeSecurityGroupIngress', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2', account: '111122223333', region: 'us-east-1' },
  resources: ['sg-0a1b2c3d4e5f67003'],
  drift: [],
  actions: [],
  ...extra,
});

describe.skipIf(!endpoint)('people hear what needs them: the deployed filter policy on moto', () => {
  const sns = new SNSClient({});
  const sqs = new SQSClient({});
  let topicArn = '';
  let queueUrl = '';

  beforeAll(async () => {
    expect(filterPolicy).toBeDefined();
    topicArn = (await sns.send(new CreateTopicCommand({ Name: `lg-filter-${Date.now()}` }))).TopicArn ?? '';
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `lg-filter-${Date.now()}` }))).QueueUrl ?? '';
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn;
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queueArn,
        Attributes: { FilterPolicy: JSON.stringify(filterPolicy), RawMessageDelivery: 'true' },
      }),
    );
  });

  async function delivered(): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (!answer.Messages?.length) break;
      for (const m of answer.Messages) seen.push(m.Body ?? '');
    }
    return seen;
  }

  it('delivers what LayerGuard did or would do, and anything a person must act on; nothing else, and no alarm', async () => {
    const [channel] = createAwsChannels({ sns, topicArn });
    const sent: Record<string, Outcome> = {
      remediated: outcomeOf('remediated', 'e-remediated'),
      'dry-run': outcomeOf('dry-run', 'e-dry-run'),
      'alert-only': outcomeOf('alert-only', 'e-alert-only', { humanAction: 'move the subnet by hand' }),
      failed: outcomeOf('failed', 'e-failed'),
      ignored: outcomeOf('ignored', 'e-ignored'),
      'already-compliant': outcomeOf('already-compliant', 'e-already-compliant'),
      exempt: outcomeOf('exempt', 'e-exempt'),
      unreadable: unreadableOutcome(outcomeOf('ignored', 'e-unreadable').trigger, 'requestParameters.groupId: expected a security group id'),
    };
    for (const outcome of Object.values(sent)) await channel?.send(outcome);
    // A CloudWatch alarm's notification as the alarm action publishes it: no message attributes.
    await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: 'ALARM: e-alarm', Message: '{"AlarmName":"e-alarm"}' }));

    const bodies = await delivered();
    const got = Object.keys(sent).filter((k) => bodies.some((b) => b.includes(sent[k]?.eventId ?? '?')));
    expect(got.sort()).toEqual(['alert-only', 'dry-run', 'failed', 'remediated', 'unreadable']);
    // Why alarms have a topic of their own, with no filter: attribute-less messages never pass a filter.
    expect(bodies.some((b) => b.includes('e-alarm'))).toBe(false);
  });
});
