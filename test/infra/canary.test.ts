import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { audiencesOf } from '../../functions/core/audience.js';
import { CANARY_METRIC, CANARY_PORT, canaryCidr, canaryRevertOf, planCanary } from '../../functions/core/canary.js';
import { matchesPattern } from '../../functions/core/event-pattern.js';
import { isOwnAction } from '../../functions/core/guards.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import type { SgRule } from '../../functions/core/network.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { authorizeIngressRecord, eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { PLACE, resolveInPlace, resourcesOf, synth } from './support.js';

/**
 * The canary (infra/constructs/canary.ts, functions/canary, functions/core/canary.ts): a real change,
 * every interval, that the deployed path must revert. Here: what the template deploys, and the canary's
 * CloudTrail event along the path it takes (the deployed security-group pattern, the guard, the engine
 * on the simulated account), down to the metric the alarm watches. The IAM side (its role may authorize
 * on its own group only; it is not one of LayerGuard's own roles) is in test/infra/iam-simulation.test.ts;
 * the real code against EC2's API is the `canary` scenario of the emulator game day.
 */

const { template } = synth();
const getAtt = (prefix: string, attr: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), attr] });
const [groupId] = Object.keys(resourcesOf(template, 'AWS::EC2::SecurityGroup'));

describe('the canary in the template', () => {
  it('owns an empty group in a VPC of its own that has no subnets, so nothing can use the group', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: { Ref: Match.stringLikeRegexp('^CanaryVpc') },
      SecurityGroupIngress: Match.absent(),
    });
  });

  it('accepts a configured VPC instead', () => {
    const { template: inVpc } = synth({ canary: { vpcId: 'vpc-0abc1234def567890' } });
    inVpc.resourceCountIs('AWS::EC2::VPC', 0);
    inVpc.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc1234def567890' });
  });

  it('runs the canary function at the start of every interval (hourly by default), on time, once', () => {
    const schedules = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule')).filter((s) =>
      JSON.stringify(s.Properties.Target).includes('CanaryFunction'),
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 * * * ? *)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^CanaryFunction/), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
    const { template: quarter } = synth({ canary: { intervalMinutes: 15, maxSecondsToRevert: 600 } });
    quarter.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0/15 * * * ? *)' });
  });

  it('gives the canary function its group, its CIDR and its port', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: getAtt('CanaryRole', 'Arn'),
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          // GetAtt GroupId of AWS::EC2::SecurityGroup is the group's id, sg-… ("AWS::EC2::SecurityGroup, Return
          // values": https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-securitygroup.html#aws-resource-ec2-securitygroup-return-values).
          LAYERGUARD_CANARY_GROUP_ID: { 'Fn::GetAtt': [groupId, 'GroupId'] },
          LAYERGUARD_CANARY_CIDR: '0.0.0.0/2',
          LAYERGUARD_CANARY_PORT: String(CANARY_PORT),
        }),
      },
    });
  });

  it("tells the security-group and runbook functions the canary's group (its reverts are measured, not mailed)", () => {
    for (const fn of ['SecurityGroupFunction', 'RunbookFunction']) {
      const [, resource] =
        Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(([id]) => id.startsWith(fn)) ?? [];
      expect((resource?.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        LAYERGUARD_CANARY_GROUP_ID: { 'Fn::GetAtt': [groupId, 'GroupId'] },
      });
    }
  });

  it('alarms, to the topic, when an interval passes without a revert or the revert is slow (missing data breaches)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'LayerGuard',
      MetricName: CANARY_METRIC,
      // The dimensions of the metric the security-group function writes in CloudWatch's embedded metric
      // format: Powertools adds `service`, the handler adds account and region
      // (functions/adapters/lambda-handler.ts; test/handlers/canary-metric.test.ts reads the EMF it prints).
      Dimensions: [
        { Name: 'account', Value: { Ref: 'AWS::AccountId' } },
        { Name: 'region', Value: { Ref: 'AWS::Region' } },
        { Name: 'service', Value: 'layerguard' },
      ],
      Statistic: 'Maximum',
      Period: 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsAlarmTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^NotificationsAlarmTopic') }],
    });
    for (const output of ['CanaryGroupId', 'CanaryFunctionName', 'CanaryAlarmName']) template.hasOutput(output, {});
  });

  it('puts nothing on any bus by itself: its event is the one CloudTrail records', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('layerguard.canary');
    for (const schedule of Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'))) {
      expect((schedule.Properties.Target as Record<string, unknown>).EventBridgeParameters).toBeUndefined();
    }
  });

  it('can be turned off', () => {
    const { template: off } = synth({ canary: { enabled: false } });
    off.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(JSON.stringify(off.toJSON())).not.toContain('LAYERGUARD_CANARY_GROUP_ID');
  });
});

describe('the canary decision', () => {
  const probe = { groupId: 'sg-0ca0a1e0000000001', port: CANARY_PORT, cidr: '0.0.0.0/2' };
  const rule = (over: Partial<SgRule>): SgRule => ({
    ruleId: 'sgr-01',
    groupId: probe.groupId,
    isEgress: false,
    protocol: 'tcp',
    fromPort: CANARY_PORT,
    toPort: CANARY_PORT,
    cidrIpv4: '0.0.0.0/2',
    ...over,
  });

  it('opens its rule only in an empty group that nothing uses', () => {
    const egress = rule({ ruleId: 'sgr-e', isEgress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' });
    expect(planCanary({ interfaceIds: [], rules: [egress] }, probe)).toEqual({ kind: 'authorize' });
    expect(planCanary({ interfaceIds: ['eni-0123'], rules: [] }, probe)).toMatchObject({ kind: 'refuse' });
    expect(planCanary({ interfaceIds: [], rules: [rule({ ruleId: 'sgr-x', fromPort: 22, toPort: 22 })] }, probe)).toMatchObject({
      kind: 'refuse',
    });
    expect(planCanary({ interfaceIds: [], rules: [rule({})] }, probe)).toEqual({ kind: 'still-open', ruleIds: ['sgr-01'] });
  });

  it('uses a CIDR the policy counts as the internet, never 0.0.0.0/0', () => {
    expect(canaryCidr(DEFAULT_POLICY)).toBe('0.0.0.0/2');
    expect(canaryCidr(parsePolicy({ worldOpen: { ipv4MinPrefix: 2 } }))).toBe('0.0.0.0/1');
    expect(() => canaryCidr(parsePolicy({ worldOpen: { ipv4MinPrefix: 1 } }))).toThrow(/canary/);
  });
});

describe("the canary's event along the deployed path", () => {
  const account = threeTierAccount();
  const canaryGroup = account.createSecurityGroup(BASELINE.vpcId, 'layerguard-canary');
  const [created] = account.authorizeIngress(canaryGroup, [
    { protocol: 'tcp', fromPort: CANARY_PORT, toPort: CANARY_PORT, cidrIpv4: '0.0.0.0/2' },
  ]);
  const callTime = new Date('2026-06-15T12:00:01Z');
  // The canary function's role, as CloudTrail names it: CloudFormation generates the name.
  const record = authorizeIngressRecord(canaryGroup, created ? [created] : [], {
    account: PLACE.account,
    region: PLACE.region,
    eventTime: callTime,
    actor: { roleName: 'LayerGuard-CanaryRole1A2B3C4D-5E6F7G8H9I0J', sessionName: 'LayerGuard-CanaryFunction', sourceIp: '3.5.140.2', userAgent: 'aws-sdk-js/3' },
  });
  const event = eventBridgeEnvelope(record);
  const rules = Object.entries(resourcesOf(template, 'AWS::Events::Rule')).map(([id, r]) => ({
    id,
    pattern: resolveInPlace(r.Properties.EventPattern),
  }));
  const [, sgFunction] =
    Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('SecurityGroupFunction')) ?? [];
  const deployedPolicy = parsePolicy(
    JSON.parse(
      resolveInPlace(
        (sgFunction?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.LAYERGUARD_POLICY,
      ) as string,
    ),
  );

  it('matches the deployed security-group rule, and no other', () => {
    expect(rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.id)).toEqual([
      expect.stringMatching(/^SecurityGroupRule/),
    ]);
  });

  it("is not LayerGuard's own call for the deployed function's guard", () => {
    expect(deployedPolicy.ownRoleArns.length).toBeGreaterThan(0);
    expect(isOwnAction(parseTrigger(event).record, deployedPolicy)).toBe(false);
  });

  it('is reverted, measured as secondsToRevert for its account and region, and kept off the topic', async () => {
    const { engine, network } = simulatedEngine(account, {
      policy: deployedPolicy,
      clock: () => new Date(callTime.getTime() + 95_000),
    });
    const outcome = await engine.handle(event);
    expect(outcome.outcome).toBe('remediated');
    expect(network.calls.filter((c) => c.operation === 'RevokeSecurityGroupIngress')).toHaveLength(1);
    expect(canaryRevertOf(outcome, canaryGroup)).toEqual({ secondsToRevert: 95, account: PLACE.account, region: PLACE.region });
    expect(audiencesOf(outcome, { canaryGroupId: canaryGroup })).toEqual(['machines']);
    // A revert of any other group is news for people, and is not the canary's measure.
    expect(canaryRevertOf(outcome, 'sg-0ffffffffffffffff')).toBeUndefined();
    expect(audiencesOf(outcome, { canaryGroupId: 'sg-0ffffffffffffffff' })).toEqual(['people', 'machines']);
    // A failed canary needs a person.
    expect(audiencesOf({ ...outcome, outcome: 'failed' }, { canaryGroupId: canaryGroup })).toEqual(['people', 'machines']);
    // A sweep's revert of the canary's rule is not the event path's measure.
    expect(canaryRevertOf({ ...outcome, trigger: { ...outcome.trigger, source: 'runbook' } }, canaryGroup)).toBeUndefined();
  });
});
