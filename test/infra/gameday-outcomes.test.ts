import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import { toOutcomeEvent } from '../../functions/core/notification.js';
import { GAMEDAY_OUTCOMES_PATTERN } from '../../infra/constructs/gameday-outcomes.js';
import { resourcesOf, synth } from './support.js';

/**
 * The game day's outcomes queue (infra/constructs/gameday-outcomes.ts): a rule on the outcomes bus
 * that copies every outcome into an encrypted queue, with the queue's URL as a stack output, only
 * when the game-day switch is on.
 */

const on = synth({ gameday: true });
const off = synth({ gameday: false });

const isGameday = (id: string) => id.startsWith('GamedayOutcomes');
const busRules = (s: typeof on) =>
  Object.entries(resourcesOf(s.template, 'AWS::Events::Rule')).filter(([, r]) => r.Properties.EventBusName);

describe('with the game-day switch on', () => {
  const { template } = on;
  const [queueId, queue] = Object.entries(resourcesOf(template, 'AWS::SQS::Queue')).find(([id]) =>
    id.startsWith('GamedayOutcomesQueue'),
  ) ?? [undefined, undefined];
  const [ruleId, rule] = busRules(on).find(([id]) => isGameday(id)) ?? [undefined, undefined];

  it('has an encrypted queue that keeps messages one day', () => {
    expect(queueId).toBeDefined();
    expect(queue?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 86_400 });
    expect(queue?.Properties.KmsMasterKeyId).toBeUndefined();
  });

  it('outputs the queue URL', () => {
    template.hasOutput('GamedayOutcomesQueueUrl', { Value: { Ref: queueId } });
  });

  it('routes every outcome on the outcomes bus to the queue', () => {
    expect(ruleId).toBeDefined();
    expect(rule?.Properties.EventPattern).toEqual(GAMEDAY_OUTCOMES_PATTERN);
    expect(rule?.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^NotificationsOutcomesBus/) });
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } }),
    ]);
    expect(rule?.Properties.State ?? 'ENABLED').toBe('ENABLED');
    // Every status, from CloudTrail or a game day: exactly what the notifier puts on the bus.
    for (const [outcome, source] of [
      ['remediated', 'aws.ec2'],
      ['ignored', 'layerguard.gameday'],
      ['failed', 'aws.ec2'],
      ['already-compliant', 'runbook'],
    ] as const) {
      const e = toOutcomeEvent({
        outcome,
        reason: 'r',
        eventId: 'e',
        eventName: 'AuthorizeSecurityGroupIngress',
        trigger: {
          eventId: 'e',
          eventName: 'AuthorizeSecurityGroupIngress',
          eventTime: '2026-06-15T12:00:00Z',
          eventSource: 'ec2.amazonaws.com',
          source,
        },
        resources: ['sg-0123456789abcdef0'],
        drift: [],
        actions: [],
      });
      const onBus = { source: e.Source, 'detail-type': e.DetailType, detail: JSON.parse(e.Detail) };
      expect(matchesPattern(rule?.Properties.EventPattern, onBus), outcome).toBe(true);
    }
    // And nothing else that might share the bus.
    expect(
      matchesPattern(rule?.Properties.EventPattern, { source: 'aws.ec2', 'detail-type': 'LayerGuard Outcome', detail: {} }),
    ).toBe(false);
  });

  it('lets only that rule send to the queue, and only over TLS', () => {
    const policies = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy')).filter((p) =>
      JSON.stringify(p.Properties.Queues).includes(String(queueId)),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]?.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const allows = statements
      .filter((s) => s.Effect === 'Allow')
      .map((s) => ({ ...s, Action: [...(s.Action as string[])].sort() }));
    expect(allows).toEqual([
      {
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
    ]);
    const denies = statements.filter((s) => s.Effect === 'Deny');
    expect(denies).toEqual([
      expect.objectContaining({
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Principal: { AWS: '*' },
      }),
    ]);
  });

  it('adds the only rule on the outcomes bus', () => {
    expect(busRules(on).map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['GamedayOutcomesRule']);
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    const report = new AwsSolutionsChecks(on.app).validateScope(on.app);
    expect(
      report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('with the game-day switch off (the default)', () => {
  it('has no game-day queue, rule or output', () => {
    const ids = Object.keys(off.template.toJSON().Resources as Record<string, unknown>);
    expect(ids.filter(isGameday)).toEqual([]);
    expect(Object.keys(off.template.findOutputs('GamedayOutcomesQueueUrl'))).toEqual([]);
    expect(busRules(off).map(([id]) => id)).toEqual([]);
    expect(Object.keys(synth().template.findOutputs('*'))).not.toContain('GamedayOutcomesQueueUrl');
  });
});
