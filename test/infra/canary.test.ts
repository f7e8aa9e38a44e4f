import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Match } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createAwsChannels } from '../../functions/adapters/notifier.js';
import { CANARY_SOURCE, CLOUDTRAIL_DETAIL_TYPE, parseTrigger } from '../../functions/core/cloudtrail.js';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import { toOutcomeEvent } from '../../functions/core/notification.js';
import { buildRulePatterns, matchingRules } from '../../functions/core/patterns.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import { createEngine } from '../../functions/pipeline/engine.js';
import { MemoryIdempotencyStore } from '../../functions/pipeline/memory-idempotency-store.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { ALL_REMEDIATORS } from '../../events/simulated-account/engine.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { CANARY_GROUP_ID, CANARY_OUTCOME_PATTERN, canaryRecord } from '../../infra/constructs/canary.js';
import { resourcesOf, synth } from './support.js';

/**
 * The canary (infra/constructs/canary.ts): its schedule, target, outcome rule and alarm in the
 * template; and its event along the path it takes when deployed: the security-group rule's deployed
 * pattern, parseTrigger, the engine (on the simulated account), the notifier, the outcome rule.
 */

const { template } = synth();
const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });

/** The canary's event as EventBridge delivers it to the default bus's rules. */
const delivered = (eventId = 'layerguard-canary-d32c5kddcf5bb8c3') => ({
  version: '0',
  id: 'c1',
  'detail-type': CLOUDTRAIL_DETAIL_TYPE,
  source: CANARY_SOURCE,
  account: '111122223333',
  time: '2026-06-15T12:05:00Z',
  region: 'us-east-1',
  resources: [],
  detail: canaryRecord({ account: '111122223333', region: 'us-east-1', eventId, eventTime: '2026-06-15T12:05:00Z' }),
});

describe('the canary in the template', () => {
  const schedules = resourcesOf(template, 'AWS::Scheduler::Schedule');
  const [schedule] = Object.values(schedules);

  it('runs hourly at minute 5, on time', () => {
    expect(Object.keys(schedules)).toHaveLength(1);
    expect(schedule?.Properties.ScheduleExpression).toBe('cron(5 * * * ? *)');
    expect(schedule?.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(schedule?.Properties.State).toBe('ENABLED');
  });

  it('puts a CloudTrail-shaped event with the canary source on the default bus, a new event id each time', () => {
    const target = schedule?.Properties.Target as Record<string, unknown>;
    expect(JSON.stringify(target.Arn)).toContain(':event-bus/default');
    expect(target.EventBridgeParameters).toEqual({ DetailType: CLOUDTRAIL_DETAIL_TYPE, Source: CANARY_SOURCE });
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 1800, MaximumRetryAttempts: 3 });
    const input = JSON.stringify(target.Input);
    expect(input).toContain('layerguard-canary-<aws.scheduler.execution-id>');
    expect(input).toContain('<aws.scheduler.scheduled-time>');
    expect(input).toContain(CANARY_GROUP_ID);
    // The schedule's role may put events on the default bus, and nothing else.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'events:PutEvents',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':event-bus/default$')])] },
          }),
        ],
      },
    });
  });

  it('matches canary outcomes that did not fail on the outcomes bus, into an encrypted queue', () => {
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((r) => r.Properties.EventBusName);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties.EventPattern).toEqual(CANARY_OUTCOME_PATTERN);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'layerguard-canary-outcomes',
      EventBusName: ref('NotificationsOutcomesBus'),
      EventPattern: CANARY_OUTCOME_PATTERN,
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CanaryOutcomes'), 'Arn'] } })],
    });
    const queues = Object.entries(resourcesOf(template, 'AWS::SQS::Queue')).filter(([id]) =>
      id.startsWith('CanaryOutcomes'),
    );
    expect(queues.map(([, q]) => q.Properties.SqsManagedSseEnabled)).toEqual([true]);
  });

  it('alarms, to the topic, when an hour passes without a canary outcome (missing data breaches)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'MatchedEvents',
      Dimensions: Match.arrayWith([
        { Name: 'EventBusName', Value: ref('NotificationsOutcomesBus') },
        // A Ref of a rule on a custom bus returns `bus-name|rule-name` ("AWS::Events::Rule, Return values",
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-rule.html#aws-resource-events-rule-return-values);
        // the metric's RuleName dimension is the rule's name ("Monitoring Amazon EventBridge", metrics and
        // dimensions, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
        { Name: 'RuleName', Value: 'layerguard-canary-outcomes' },
      ]),
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [ref('NotificationsTopic')],
      OKActions: [ref('NotificationsTopic')],
    });
  });

  it('lets the canary source through the deployed security-group rule only, apart from the game-day switch', () => {
    const deployed = Object.entries(resourcesOf(template, 'AWS::Events::Rule')).filter(
      ([, r]) => !r.Properties.EventBusName,
    );
    const matched = deployed
      .filter(([, r]) => matchesPattern(r.Properties.EventPattern, delivered()))
      .map(([id]) => id);
    expect(matched).toHaveLength(1);
    expect(matched[0]).toMatch(/^SecurityGroupRule/);
    expect(JSON.stringify(template.toJSON())).not.toContain('layerguard.gameday');
    const sources = buildRulePatterns(DEFAULT_POLICY, { gameday: true, canary: true }).map((r) => r.pattern.source);
    expect(sources).toEqual([
      ['aws.ec2', 'layerguard.canary', 'layerguard.gameday'],
      ['aws.ec2', 'layerguard.gameday'],
    ]);
    expect(matchingRules(buildRulePatterns(DEFAULT_POLICY, { gameday: false }), delivered())).toEqual([]);
  });
});

describe('the canary event along the deployed path', () => {
  const sns = mockClient(SNSClient);
  const events = mockClient(EventBridgeClient);

  it('is read, changes nothing, and its outcome reaches the outcomes bus (not people) and matches the outcome rule', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    expect(parseTrigger(delivered()).source).toBe(CANARY_SOURCE);
    const network = new SimulatedNetwork(threeTierAccount());
    const engine = createEngine({
      network,
      channels: createAwsChannels({
        sns: new SNSClient({ region: 'us-east-1' }),
        eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
        topicArn: 'arn:aws:sns:us-east-1:111122223333:layerguard',
        eventBusName: 'layerguard-outcomes',
      }),
      makeStore: () => new MemoryIdempotencyStore(),
      policy: DEFAULT_POLICY,
      clock: () => new Date('2026-06-15T12:05:01Z'),
      remediators: ALL_REMEDIATORS,
    });
    const first = await engine.handle(delivered('layerguard-canary-hour-1'));
    const second = await engine.handle(delivered('layerguard-canary-hour-2'));
    for (const outcome of [first, second]) {
      expect(outcome.outcome).toBe('already-compliant');
      expect(outcome.reason).toMatch(/no longer exists/);
    }
    // Two reads per canary, never a write.
    expect(network.calls.map((c) => c.operation).sort()).toEqual([
      'DescribeSecurityGroupRules',
      'DescribeSecurityGroupRules',
      'DescribeSecurityGroups',
      'DescribeSecurityGroups',
    ]);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 2); // a new event id every hour: never deduplicated away
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    const onBus = {
      source: entry?.Source,
      'detail-type': entry?.DetailType,
      detail: JSON.parse(entry?.Detail ?? '{}'),
    };
    expect(matchesPattern(CANARY_OUTCOME_PATTERN, onBus)).toBe(true);
  });

  it('a failed canary is told to people and does not count as a canary outcome (the alarm fires)', () => {
    const failed = {
      ...toOutcomeEvent({
        outcome: 'failed',
        reason: 'x',
        eventId: 'c',
        eventName: 'AuthorizeSecurityGroupIngress',
        trigger: {
          eventId: 'c',
          eventName: 'AuthorizeSecurityGroupIngress',
          eventTime: 't',
          eventSource: 'ec2.amazonaws.com',
          source: CANARY_SOURCE,
        },
        resources: [],
        drift: [],
        actions: [],
      }),
    };
    const onBus = { source: failed.Source, 'detail-type': failed.DetailType, detail: JSON.parse(failed.Detail) };
    expect(matchesPattern(CANARY_OUTCOME_PATTERN, onBus)).toBe(false);
    const real = {
      ...onBus,
      detail: { ...onBus.detail, outcome: 'remediated', trigger: { ...onBus.detail.trigger, source: 'aws.ec2' } },
    };
    expect(matchesPattern(CANARY_OUTCOME_PATTERN, real)).toBe(false);
  });
});
