import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand as DescribeClassicLoadBalancersCommand, ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../functions/core/outcome.js';
import { loadEvent } from '../support/events.js';
import { dayFrom } from '../../functions/core/exemption.js';

/**
 * The security-group Lambda handler end to end with the SDK mocked: the real handler, engine,
 * pipeline, EC2 adapter and notifier run; the tests assert the exact EC2, SNS and EventBridge calls.
 */

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
/** The roles a stack named LayerGuard creates in 111122223333, us-east-1. */
const OWN_ROLE_ARNS = ['security-group', 'route-table', 'runbook'].map(
  (fn) => `arn:aws:iam::111122223333:role/LayerGuard-${fn}-us-east-1`,
);
const BUS = 'layerguard-outcomes';
const APP = 'sg-0a1b2c3d4e5f67002';
const OPEN_RULE = 'sgr-0a1b2c3d4e5f6e101';

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<Outcome | { outcome: string; reason: string }>;
let handler: Handler;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = TOPIC;
  process.env.LAYERGUARD_EVENT_BUS = BUS;
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  // As the stack deploys it: the policy names the stack's own roles by exact ARN.
  process.env.LAYERGUARD_POLICY = JSON.stringify({ ownRoleArns: OWN_ROLE_ARNS });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.LAYERGUARD_ACCOUNT_ID = '111122223333';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
});

const context = {
  functionName: 'layerguard-security-group',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const appRules: SecurityGroupRule[] = [
  { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69201', GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, ReferencedGroupInfo: { GroupId: 'sg-0a1b2c3d4e5f67001' } },
  { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69209', GroupId: APP, IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' },
];
const openRule: SecurityGroupRule = { SecurityGroupRuleId: OPEN_RULE, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' };

/** A fresh copy of a sample with its own event id, so that idempotency does not join unrelated tests. */
let counter = 0;
function sample(path: string): { detail: { eventID: string } } {
  const event = structuredClone(loadEvent(path)) as { detail: { eventID: string } };
  counter += 1;
  event.detail.eventID = `${event.detail.eventID}-${counter}`;
  return event;
}

beforeEach(() => {
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: APP, GroupName: 'app-tier', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [{ Key: 'Tier', Value: 'Application' }] }],
  });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [...appRules, openRule] });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: OPEN_RULE, GroupId: APP }] });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterEach(() => {
  ec2.reset();
  sns.reset();
  events.reset();
});

const mutating = () => ec2.commandCalls(RevokeSecurityGroupIngressCommand).length;

describe('security-group handler', () => {
  it('revokes exactly the world-open rule, by id, after two parallel reads, and notifies once on each channel', async () => {
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/world-open-ssh.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { GroupIds: [APP] });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({ GroupId: APP, SecurityGroupRuleIds: [OPEN_RULE] });
    // Verified by the revoke's own answer: no read-back call.
    expect(ec2.calls()).toHaveLength(3);
    expect(outcome.after).toMatchObject({ verifiedBy: 'revoke-response' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC });
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.EventBusName).toBe(BUS);
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ outcome: 'remediated', eventId: outcome.eventId });
  });

  it.each([
    ['a CI role named like LayerGuard (layerguard-ci-deployer)', 'AuthorizeSecurityGroupIngress/role-named-like-layerguard.json', 'sgr-0a1b2c3d4e5f6e1a1'],
    ['LayerGuard’s role name in another account', 'AuthorizeSecurityGroupIngress/own-role-name-other-account.json', 'sgr-0a1b2c3d4e5f6e1a2'],
  ])('%s: not LayerGuard, so the rule is revoked', async (_name, path, ruleId) => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [...appRules, { ...openRule, SecurityGroupRuleId: ruleId }] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: ruleId, GroupId: APP }] });
    const outcome = (await handler(sample(path), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: APP, SecurityGroupRuleIds: [ruleId] });
  });

  it('judges and revokes in the event’s region (us-west-2), not the function’s (us-east-1)', async () => {
    const event = sample('AuthorizeSecurityGroupIngress/world-open-ssh.json') as unknown as {
      region: string;
      detail: { awsRegion: string };
    };
    event.region = 'us-west-2';
    event.detail.awsRegion = 'us-west-2';
    const outcome = (await handler(event, context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: APP, SecurityGroupRuleIds: [OPEN_RULE] });
    // Every EC2 call went through a client of the event's region (the mock records the client as `this`).
    const regions = await Promise.all(ec2.calls().map((call) => (call.thisValue as EC2Client).config.region()));
    expect(regions).toEqual(['us-west-2', 'us-west-2', 'us-west-2']);
  });

  it('an event from another account is ignored with the reason, and no EC2 call is made', async () => {
    const event = sample('AuthorizeSecurityGroupIngress/world-open-ssh.json') as unknown as {
      account: string;
      detail: { recipientAccountId: string };
    };
    event.account = '444455556666';
    event.detail.recipientAccountId = '444455556666';
    const outcome = (await handler(event, context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe('account 444455556666 is not reachable from account 111122223333');
    expect(ec2.calls()).toHaveLength(0);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it.each([
    ['a failed call', 'AuthorizeSecurityGroupIngress/failed-call.json'],
    ['its own action', 'AuthorizeSecurityGroupIngress/own-action.json'],
  ])('%s: ignored with no EC2 call at all', async (_name, path) => {
    const outcome = (await handler(sample(path), context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('the web tier open on 443: ignored after reading the group, no mutating call', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0a1b2c3d4e5f67001', GroupName: 'web', Tags: [{ Key: 'Tier', Value: 'Web' }] }] });
    const event = sample('AuthorizeSecurityGroupIngress/web-tier-443.json') as unknown as { detail: { responseElements: { securityGroupRuleSet: { items: Array<{ securityGroupRuleId: string }> } } } };
    const ruleId = event.detail.responseElements.securityGroupRuleSet.items[0]?.securityGroupRuleId as string;
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [{ SecurityGroupRuleId: ruleId, GroupId: 'sg-0a1b2c3d4e5f67001', IsEgress: false, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' }],
    });
    const outcome = (await handler(event, context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(mutating()).toBe(0);
  });

  it('an exempt group: exempt, no mutating call', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: 'sg-0a1b2c3d4e5f67004', GroupName: 'vendor', Tags: [{ Key: 'layerguard:exempt', Value: `until=${dayFrom(new Date(), 30)};reason=vendor load test` }] }],
    });
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/exempt-group.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('exempt');
    expect(mutating()).toBe(0);
  });

  it('the rule is already gone: already-compliant, no mutating call', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: appRules });
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/world-open-ssh.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('already-compliant');
    expect(mutating()).toBe(0);
  });

  it('a race (the rule goes between the read and the revoke): already-compliant after a read-back', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(Object.assign(new Error('gone'), { name: 'InvalidSecurityGroupRuleId.NotFound' }));
    ec2.on(DescribeSecurityGroupRulesCommand).resolvesOnce({ SecurityGroupRules: [...appRules, openRule] }).resolves({ SecurityGroupRules: appRules });
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/world-open-ssh.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('already-compliant');
  });

  it('the same event delivered twice: one revoke, one notification, the same outcome', async () => {
    const event = sample('AuthorizeSecurityGroupIngress/world-open-ssh.json');
    const first = await handler(event, context);
    const second = await handler(structuredClone(event), context);
    expect(second).toEqual(first);
    expect(mutating()).toBe(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('access denied on the revoke: throws so Lambda retries, and tells a person once', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation', $fault: 'client' }));
    const event = sample('AuthorizeSecurityGroupIngress/world-open-ssh.json');
    await expect(handler(event, context)).rejects.toThrow(/UnauthorizedOperation/);
    await expect(handler(structuredClone(event), context)).rejects.toThrow(/UnauthorizedOperation/);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toMatch(/failed/i);
  });

  it('an unreadable event of a watched call: ignored, no EC2 call, no retry, and a person is told once', async () => {
    const event = loadEvent('_malformed/missing-event-id.json') as { id: string };
    const outcome = await handler(event, context);
    expect(outcome).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/eventID/) });
    expect(ec2.calls()).toHaveLength(0);
    // The record names no event id: it is told under EventBridge's own id, the same on a redelivery.
    await handler(structuredClone(event), context);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.Subject).toMatch(/^\[LayerGuard\] NOT JUDGED - ACTION REQUIRED: AuthorizeSecurityGroupIngress/);
    expect(input?.Message).toContain(`Event id:   eventbridge-${event.id}`);
    expect(input?.Message).toMatch(/could not read this AuthorizeSecurityGroupIngress event.*eventID/);
    expect(input?.Message).toMatch(/ACTION REQUIRED: Look at AuthorizeSecurityGroupIngress eventbridge-/);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('an event of a call LayerGuard does not watch: ignored, nobody is told', async () => {
    const outcome = await handler(loadEvent('AuthorizeSecurityGroupEgress/world-all-traffic.json'), context);
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect(ec2.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it('the notification fails after the revert: the revert stands, a redelivery notifies without revoking again', async () => {
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'Throttling', $fault: 'client' })).resolves({ MessageId: 'm-2' });
    const event = sample('AuthorizeSecurityGroupIngress/world-open-ssh.json');
    await expect(handler(event, context)).rejects.toThrow();
    const outcome = (await handler(structuredClone(event), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(mutating()).toBe(1);
  });
});

describe('security-group handler: a rule whose source is a managed prefix list', () => {
  const EVERYWHERE = 'pl-0a1b2c3d4e5f6a003';
  const OFFICE = 'pl-0a1b2c3d4e5f6a001';
  const listRule = (ruleId: string, prefixListId: string, port: number): SecurityGroupRule => ({
    SecurityGroupRuleId: ruleId, GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: port, ToPort: port, PrefixListId: prefixListId,
  });
  const names = () => ec2.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));

  it('a list that holds 0.0.0.0/0: its entries are read (every page), then the rule is revoked by id', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [...appRules, listRule('sgr-0a1b2c3d4e5f6e121', EVERYWHERE, 22)] });
    ec2
      .on(GetManagedPrefixListEntriesCommand, { PrefixListId: EVERYWHERE, MaxResults: 100 })
      .resolves({ Entries: [{ Cidr: '10.8.0.0/16' }], NextToken: 'page-2' })
      .on(GetManagedPrefixListEntriesCommand, { PrefixListId: EVERYWHERE, MaxResults: 100, NextToken: 'page-2' })
      .resolves({ Entries: [{ Cidr: '0.0.0.0/0', Description: 'everyone' }] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f6e121', GroupId: APP }] });
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/prefix-list-world.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(names()).toEqual(['DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'GetManagedPrefixListEntries', 'GetManagedPrefixListEntries', 'RevokeSecurityGroupIngress']);
    expect(ec2.commandCalls(GetManagedPrefixListEntriesCommand).map((c) => c.args[0].input)).toEqual([
      { PrefixListId: EVERYWHERE, MaxResults: 100 },
      { PrefixListId: EVERYWHERE, MaxResults: 100, NextToken: 'page-2' },
    ]);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({ GroupId: APP, SecurityGroupRuleIds: ['sgr-0a1b2c3d4e5f6e121'] });
    expect(outcome.reason).toBe(`revoked: ${APP} admits tcp/22 from ${EVERYWHERE} (0.0.0.0/0)`);
  });

  it('a list of office ranges: ignored after reading it (and, the app tier being a tier, the VPC’s subnets its entries could name), no mutating call', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [...appRules, listRule('sgr-0a1b2c3d4e5f6e10b', OFFICE, 443)] });
    ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '203.0.113.0/24' }, { Cidr: '10.8.0.0/16' }] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0a1b2c3d4e5f6b001', VpcId: 'vpc-0a1b2c3d4e5f60001', CidrBlock: '10.0.1.0/24', Tags: [{ Key: 'Tier', Value: 'Web' }] }] });
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/prefix-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe(`no entry of ${OFFICE} is open to the internet; no source is in a tier the application tier may not be reached from (only web and application)`);
    expect(names()).toEqual(['DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'GetManagedPrefixListEntries', 'DescribeSubnets']);
    expect(mutating()).toBe(0);
  });

  it('a list LayerGuard cannot read: the invocation fails (retried, then dead-lettered), nothing is revoked', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [...appRules, listRule('sgr-0a1b2c3d4e5f6e121', EVERYWHERE, 22)] });
    ec2.on(GetManagedPrefixListEntriesCommand).rejects(
      Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation', $fault: 'client', $metadata: { httpStatusCode: 403 } }),
    );
    await expect(handler(sample('AuthorizeSecurityGroupIngress/prefix-list-world.json'), context)).rejects.toThrow(/GetManagedPrefixListEntries/);
    expect(mutating()).toBe(0);
  });

  it('ModifySecurityGroupRules that points a rule at a list of the internet: revoked, and told what to restore', async () => {
    const DB = 'sg-0a1b2c3d4e5f67003';
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: DB, GroupName: 'db-tier', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [{ Key: 'Tier', Value: 'Database' }] }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...listRule('sgr-0a1b2c3d4e5f69301', EVERYWHERE, 3306), GroupId: DB }] });
    ec2.on(GetManagedPrefixListEntriesCommand).resolves({ Entries: [{ Cidr: '0.0.0.0/0' }] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f69301', GroupId: DB }] });
    const outcome = (await handler(sample('ModifySecurityGroupRules/prefix-list-world.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({ GroupId: DB, SecurityGroupRuleIds: ['sgr-0a1b2c3d4e5f69301'] });
    expect(outcome.humanAction).toMatch(/their definition before the edit is not in the event/);
  });
});

describe('security-group handler: the public tier as AWS shows it (the deployed engine reads the load balancers)', () => {
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const classic = mockClient(ElasticLoadBalancingClient);
  afterEach(() => {
    elbv2.reset();
    classic.reset();
  });

  it('an untagged group behind an internet-facing load balancer, opened on 443: ignored, after reading both APIs', async () => {
    const WEB = 'sg-0a1b2c3d4e5f67001';
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: WEB, GroupName: 'web-untagged', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [] }] });
    const event = sample('AuthorizeSecurityGroupIngress/web-tier-443.json') as unknown as { detail: { responseElements: { securityGroupRuleSet: { items: Array<{ securityGroupRuleId: string }> } } } };
    const ruleId = event.detail.responseElements.securityGroupRuleSet.items[0]?.securityGroupRuleId as string;
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [{ SecurityGroupRuleId: ruleId, GroupId: WEB, IsEgress: false, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' }],
    });
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [{ LoadBalancerName: 'shop', Type: 'application', Scheme: 'internet-facing', SecurityGroups: [WEB] }],
    });
    classic.on(DescribeClassicLoadBalancersCommand).resolves({ LoadBalancerDescriptions: [] });
    const outcome = (await handler(event, context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toContain('attached to the internet-facing load balancer shop');
    expect(elbv2).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 1);
    expect(classic).toHaveReceivedCommandTimes(DescribeClassicLoadBalancersCommand, 1);
    expect(mutating()).toBe(0);
  });
});

/*
 * Tier-to-tier reachability (policy.tiers, the default chain web -> application -> database by the Tier
 * tag): the three-tier VPC of the samples. DescribeSubnets is read with the VPC's id as a filter
 * (`Filters: [{ Name: 'vpc-id' }]`, the SDK's DescribeSubnetsRequest); a referenced group by its id.
 */
describe('security-group handler: tiers', () => {
  const VPC = 'vpc-0a1b2c3d4e5f60001';
  const WEB = 'sg-0a1b2c3d4e5f67001';
  const DB = 'sg-0a1b2c3d4e5f67003';
  const sdkGroup = (GroupId: string, GroupName: string, Tier: string) => ({ GroupId, GroupName, VpcId: VPC, Tags: [{ Key: 'Tier', Value: Tier }] });
  const subnets = [
    { SubnetId: 'subnet-0a1b2c3d4e5f6b001', VpcId: VPC, CidrBlock: '10.0.1.0/24', Tags: [{ Key: 'Tier', Value: 'Web' }] },
    { SubnetId: 'subnet-0a1b2c3d4e5f6b011', VpcId: VPC, CidrBlock: '10.0.11.0/24', Tags: [{ Key: 'Tier', Value: 'Application' }] },
    { SubnetId: 'subnet-0a1b2c3d4e5f6b021', VpcId: VPC, CidrBlock: '10.0.21.0/24', Tags: [{ Key: 'Tier', Value: 'Database' }] },
  ];
  const dbRule = (SecurityGroupRuleId: string, source: Partial<SecurityGroupRule>, FromPort = 3306): SecurityGroupRule => ({
    SecurityGroupRuleId, GroupId: DB, IsEgress: false, IpProtocol: 'tcp', FromPort, ToPort: FromPort, ...source,
  });
  const fromApp = dbRule('sgr-0a1b2c3d4e5f69301', { ReferencedGroupInfo: { GroupId: APP } });
  const callNames = () => ec2.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));

  beforeEach(() => {
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: [DB] }).resolves({ SecurityGroups: [sdkGroup(DB, 'db-tier', 'Database')] });
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: [WEB] }).resolves({ SecurityGroups: [sdkGroup(WEB, 'web-tier', 'Web')] });
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: [APP] }).resolves({ SecurityGroups: [sdkGroup(APP, 'app-tier', 'Application')] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: subnets });
  });

  it('the web group admitted to the database tier: revoked by id, after the group, its rules and the web group are read', async () => {
    const skip = dbRule('sgr-0a1b2c3d4e5f6e401', { ReferencedGroupInfo: { GroupId: WEB, UserId: '111122223333' } });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [fromApp, skip] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: skip.SecurityGroupRuleId, GroupId: DB }] });
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/tier-skip-web-group-on-db.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.drift).toEqual([
      expect.objectContaining({ kind: 'sg-tier-skip', groupId: DB, tier: 'database', reached: { [skip.SecurityGroupRuleId as string]: `web (${WEB})` } }),
    ]);
    expect(callNames()).toEqual(['DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'DescribeSecurityGroups', 'RevokeSecurityGroupIngress']);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[1]?.args[0].input).toEqual({ GroupIds: [WEB] });
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({ GroupId: DB, SecurityGroupRuleIds: [skip.SecurityGroupRuleId] });
    expect(outcome.reason).toBe(`revoked: ${DB} admits tcp/3306 from ${WEB} (in web (${WEB})): the database tier may be reached from application and database only`);
  });

  it('a web subnet’s CIDR on the database tier: revoked, after the VPC’s subnets are read', async () => {
    const skip = dbRule('sgr-0a1b2c3d4e5f6e402', { CidrIpv4: '10.0.1.0/24' });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [fromApp, skip] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: skip.SecurityGroupRuleId, GroupId: DB }] });
    const outcome = (await handler(sample('AuthorizeSecurityGroupIngress/tier-skip-web-subnet-on-db.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(callNames()).toEqual(['DescribeSecurityGroups', 'DescribeSecurityGroupRules', 'DescribeSubnets', 'RevokeSecurityGroupIngress']);
    expect(ec2.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input).toMatchObject({ Filters: [{ Name: 'vpc-id', Values: [VPC] }] });
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({ GroupId: DB, SecurityGroupRuleIds: [skip.SecurityGroupRuleId] });
  });

  it('controls: the app group on the database tier, an app subnet on the app tier, a peered range: ignored, no mutating call', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand, { Filters: [{ Name: 'group-id', Values: [DB] }] }).resolves({
      SecurityGroupRules: [fromApp, dbRule('sgr-0a1b2c3d4e5f6e10a', { ReferencedGroupInfo: { GroupId: APP } }, 5432), dbRule('sgr-0a1b2c3d4e5f6e403', { CidrIpv4: '172.31.0.0/16' })],
    });
    const reference = (await handler(sample('AuthorizeSecurityGroupIngress/group-reference.json'), context)) as Outcome;
    expect(reference).toMatchObject({
      outcome: 'ignored',
      reason: 'no rule asked for is open to the internet; no source is in a tier the database tier may not be reached from (only application and database)',
    });
    const peered = (await handler(sample('AuthorizeSecurityGroupIngress/peered-cidr-on-db.json'), context)) as Outcome;
    expect(peered.outcome).toBe('ignored');
    ec2.on(DescribeSecurityGroupRulesCommand, { Filters: [{ Name: 'group-id', Values: [APP] }] }).resolves({
      SecurityGroupRules: [...appRules, { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f6e109', GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, CidrIpv4: '10.0.11.0/24' }],
    });
    const narrow = (await handler(sample('AuthorizeSecurityGroupIngress/narrow-cidr.json'), context)) as Outcome;
    expect(narrow.outcome).toBe('ignored');
    expect(mutating()).toBe(0);
  });

  it('the subnets cannot be read: the invocation fails (retried, then dead-lettered), nothing is revoked', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [fromApp, dbRule('sgr-0a1b2c3d4e5f6e402', { CidrIpv4: '10.0.1.0/24' })] });
    ec2.on(DescribeSubnetsCommand).rejects(
      Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation', $fault: 'client', $metadata: { httpStatusCode: 403 } }),
    );
    await expect(handler(sample('AuthorizeSecurityGroupIngress/tier-skip-web-subnet-on-db.json'), context)).rejects.toThrow(/DescribeSubnets/);
    expect(mutating()).toBe(0);
  });

  it('the same skip spelled with host bits (10.0.1.77/24) lands in the same web subnet and is revoked', async () => {
    const skip = dbRule('sgr-0a1b2c3d4e5f6e402', { CidrIpv4: '10.0.1.0/24' });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [fromApp, skip] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true, RevokedSecurityGroupRules: [{ SecurityGroupRuleId: skip.SecurityGroupRuleId, GroupId: DB }] });
    const event = sample('AuthorizeSecurityGroupIngress/tier-skip-web-subnet-on-db.json') as unknown as {
      detail: {
        requestParameters: { ipPermissions: { items: Array<{ ipRanges: { items: Array<{ cidrIp: string }> } }> } };
        responseElements: { securityGroupRuleSet: { items: Array<{ cidrIpv4: string }> } };
      };
    };
    const range = event.detail.requestParameters.ipPermissions.items[0]?.ipRanges.items[0];
    if (range) range.cidrIp = '10.0.1.77/24';
    const created = event.detail.responseElements.securityGroupRuleSet.items[0];
    if (created) created.cidrIpv4 = '10.0.1.77/24';
    const outcome = (await handler(event, context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({ GroupId: DB, SecurityGroupRuleIds: [skip.SecurityGroupRuleId] });
  });

  it('a narrow public CIDR (outside the tiers’ address space): ignored from the request alone, no EC2 call', async () => {
    // The request and the rule EC2 created (the response) both name the CIDR.
    const event = sample('AuthorizeSecurityGroupIngress/narrow-cidr.json') as unknown as {
      detail: {
        requestParameters: { ipPermissions: { items: Array<{ ipRanges: { items: Array<{ cidrIp: string }> } }> } };
        responseElements: { securityGroupRuleSet: { items: Array<{ cidrIpv4: string }> } };
      };
    };
    const range = event.detail.requestParameters.ipPermissions.items[0]?.ipRanges.items[0];
    if (range) range.cidrIp = '203.0.113.0/24';
    const created = event.detail.responseElements.securityGroupRuleSet.items[0];
    if (created) created.cidrIpv4 = '203.0.113.0/24';
    const outcome = (await handler(event, context)) as Outcome;
    expect(outcome).toMatchObject({ outcome: 'ignored', reason: "no rule in the request is open to the internet, or names a group or a CIDR of the tiers' address space" });
    expect(ec2.calls()).toHaveLength(0);
  });
});

