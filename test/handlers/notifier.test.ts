import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsNotifierDeps, createAwsChannels } from '../../functions/adapters/notifier.js';
import { AwsCallError } from '../../functions/core/errors.js';
import { formatNotification, toOutcomeEvent } from '../../functions/core/notification.js';
import type { NetworkApi } from '../../functions/core/network.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { loadEvent } from '../support/events.js';

const snsMock = mockClient(SNSClient);
const ebMock = mockClient(EventBridgeClient);
afterEach(() => {
  snsMock.reset();
  ebMock.reset();
});

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:layerguard';
const BUS = 'layerguard-bus';

const outcome: Outcome = {
  outcome: 'remediated',
  reason: 'world-open ingress revoked',
  eventId: 'e-42',
  eventName: 'AuthorizeSecurityGroupIngress',
  trigger: {
    eventId: 'e-42',
    eventName: 'AuthorizeSecurityGroupIngress',
    eventTime: '2026-03-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    source: 'aws.ec2',
    account: '111122223333',
    region: 'eu-west-1',
  },
  resources: ['sg-1'],
  drift: [],
  actions: [{ type: 'revoke-ingress', groupId: 'sg-1', ruleIds: ['sgr-1'], result: 'done' }],
};

/**
 * The engine a deployed function runs (functions/pipeline/engine.ts: who is told, each channel sent
 * once), with the AWS channels under test; the remediation answers `o`, so that only the fan-out and
 * the channels are exercised.
 */
const createAwsNotifier = (deps: AwsNotifierDeps) => ({
  notify: (o: Outcome): Promise<Outcome> =>
    createEngine({
      network: {} as NetworkApi,
      channels: createAwsChannels(deps),
      makeStore: () => new MemoryIdempotencyStore(),
      policy: DEFAULT_POLICY,
      clock: () => new Date(),
      remediators: { 'sg-ingress': async () => o },
    }).handle(loadEvent('AuthorizeSecurityGroupIngress/world-open-ssh')),
});

const full = () =>
  createAwsNotifier({
    sns: new SNSClient({}),
    eventBridge: new EventBridgeClient({}),
    topicArn: TOPIC,
    eventBusName: BUS,
  });

describe('createAwsChannels', () => {
  it('names its channels sns and eventbridge, leaving out the unconfigured', () => {
    expect(createAwsChannels({ sns: new SNSClient({}), topicArn: TOPIC, eventBridge: new EventBridgeClient({}), eventBusName: BUS }).map((c) => c.name)).toEqual(['sns', 'eventbridge']);
    expect(createAwsChannels({ eventBridge: new EventBridgeClient({}) })).toEqual([]);
  });

  it('publishes to SNS and puts one event on the bus, with the exact inputs', async () => {
    // Prepare
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    const { subject, message } = formatNotification(outcome);

    // Act
    const told = await full().notify(outcome);

    // Assess
    expect(told).toEqual(outcome);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: subject,
      Message: message,
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'remediated' },
        attention: { DataType: 'String', StringValue: 'none' },
        eventName: { DataType: 'String', StringValue: 'AuthorizeSecurityGroupIngress' },
      },
    });
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: subject,
      Message: message,
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'remediated' },
        attention: { DataType: 'String', StringValue: 'none' },
        eventName: { DataType: 'String', StringValue: 'AuthorizeSecurityGroupIngress' },
      },
    });
    expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(ebMock.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          Source: 'layerguard',
          DetailType: 'LayerGuard Outcome',
          Detail: toOutcomeEvent(outcome).Detail,
          EventBusName: BUS,
        },
      ],
    });
    expect(JSON.parse(toOutcomeEvent(outcome).Detail)).toEqual(outcome);
  });

  it('skips SNS when no topic is configured', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    const notifier = createAwsNotifier({
      sns: new SNSClient({}),
      eventBridge: new EventBridgeClient({}),
      eventBusName: BUS,
    });

    await notifier.notify(outcome);
    expect(snsMock).not.toHaveReceivedAnyCommand();
    expect(ebMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('skips EventBridge when no bus (or no client) is configured', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = createAwsNotifier({ sns: new SNSClient({}), topicArn: TOPIC, eventBusName: BUS });

    await notifier.notify(outcome);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(ebMock).not.toHaveReceivedAnyCommand();
  });

  it('sends nothing when nothing is configured', async () => {
    expect(await createAwsNotifier({}).notify(outcome)).toEqual(outcome);
    expect(snsMock).not.toHaveReceivedAnyCommand();
    expect(ebMock).not.toHaveReceivedAnyCommand();
  });

  it('throws an AwsCallError with the entry ErrorCode when PutEvents reports a failed entry', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    ebMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    const error = await full()
      .notify(outcome)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ operation: 'PutEvents', code: 'InternalFailure', retryable: true });
    // SNS was still sent (in parallel); the caller's idempotency keeps a retry from notifying twice.
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('treats a refused entry without a code as a non-retryable failure', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{}] });
    const notifier = createAwsNotifier({ eventBridge: new EventBridgeClient({}), eventBusName: BUS });

    await expect(notifier.notify(outcome)).rejects.toMatchObject({ code: 'FailedEntry', retryable: false });
  });

  it('throws when SNS fails, with the SNS error code', async () => {
    snsMock
      .on(PublishCommand)
      .rejects(Object.assign(new Error('no such topic'), { name: 'NotFoundException', $fault: 'client' }));
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });

    await expect(full().notify(outcome)).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'Publish',
      code: 'NotFoundException',
      retryable: false,
    });
  });

  it('throws when PutEvents itself fails, marking throttling retryable', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    ebMock
      .on(PutEventsCommand)
      .rejects(
        Object.assign(new Error('slow down'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      );

    await expect(full().notify(outcome)).rejects.toMatchObject({
      operation: 'PutEvents',
      code: 'ThrottlingException',
      retryable: true,
    });
  });
});

describe('the EventBridge channel reads PutEvents answers', () => {
  // PutEventsResponse { FailedEntryCount?, Entries?: PutEventsResultEntry[] }, each entry { EventId?, ErrorCode?,
  // ErrorMessage? } (@aws-sdk/client-eventbridge dist-types/models/models_0.d.ts). Every field is optional.
  const channel = () => {
    const [eventBridge] = createAwsChannels({ eventBridge: new EventBridgeClient({}), eventBusName: BUS });
    if (!eventBridge) throw new Error('no EventBridge channel');
    return eventBridge;
  };

  it('answers the event id of the accepted entry', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    expect(await channel().send(outcome)).toBe('ev-1');
  });

  it('accepts an answer without entries, and has no event id to give', async () => {
    ebMock.on(PutEventsCommand).resolves({});
    expect(await channel().send(outcome)).toBeUndefined();
  });

  it('fails a refused answer without entries as FailedEntry', async () => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1 });
    await expect(channel().send(outcome)).rejects.toMatchObject({
      code: 'FailedEntry',
      retryable: false,
      message: 'PutEvents failed: FailedEntry: EventBridge refused the entry',
    });
  });

  it("keeps EventBridge's message for the refused entry", async () => {
    ebMock.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    await expect(channel().send(outcome)).rejects.toMatchObject({
      code: 'MalformedDetail',
      retryable: false,
      message: 'PutEvents failed: MalformedDetail: Detail is malformed.',
    });
  });

  // "Retryable errors include: InternalFailure, ThrottlingException" (PutEventsResultEntry.ErrorCode).
  // InternalException is not in that list; the channel retries it too.
  it.each(['ThrottlingException', 'InternalFailure', 'InternalException'])('retries an entry refused with %s', async (code) => {
    ebMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: code, ErrorMessage: 'later' }] });
    await expect(channel().send(outcome)).rejects.toMatchObject({ code, retryable: true });
  });
});

describe('the SNS channel', () => {
  it("fills an empty attribute with 'unknown', which SNS requires to be non-empty", async () => {
    // SNS MessageAttributeValue.StringValue must not be empty ("Amazon SNS message attributes", SNS Developer Guide).
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const [sns] = createAwsChannels({ sns: new SNSClient({}), topicArn: TOPIC });
    await sns?.send({ ...outcome, eventName: '' });
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes?.eventName).toEqual({
      DataType: 'String',
      StringValue: 'unknown',
    });
  });
});
