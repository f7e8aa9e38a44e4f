import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  GetManagedPrefixListAssociationsCommand,
  GetManagedPrefixListEntriesCommand,
  type ManagedPrefixList,
  ModifyManagedPrefixListCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../functions/core/outcome.js';
import { loadEvent } from '../support/events.js';

/**
 * The security-group Lambda handler on ModifyManagedPrefixList, with the SDK mocked: the real handler,
 * engine, pipeline, EC2 adapter and notifier run; the tests assert the exact EC2, SNS and EventBridge calls.
 */

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
const OWN_ROLE_ARNS = ['security-group', 'route-table', 'runbook'].map((fn) => `arn:aws:iam::111122223333:role/LayerGuard-${fn}-us-east-1`);
const BUS = 'layerguard-outcomes';
const PL = 'pl-0a1b2c3d4e5f6a001';
const APP = 'sg-0a1b2c3d4e5f67002';
const WEB = 'sg-0a1b2c3d4e5f67001';

const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

type Handler = (event: unknown, context: Context) => Promise<Outcome | { outcome: string; reason: string }>;
let handler: Handler;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = TOPIC;
  process.env.LAYERGUARD_EVENT_BUS = BUS;
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  process.env.LAYERGUARD_POLICY = JSON.stringify({ ownRoleArns: OWN_ROLE_ARNS });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  process.env.LAYERGUARD_ACCOUNT_ID = '111122223333';
  ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
});

const context = { functionName: 'layerguard-security-group', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

let counter = 0;
/** A fresh copy of a sample with its own event id (idempotency would join unrelated tests); a bare record is wrapped as EventBridge delivers it. */
function sample(path: string): { detail: Record<string, unknown> } {
  const raw = structuredClone(loadEvent(path)) as Record<string, unknown>;
  const event = ('detail' in raw ? raw : { version: '0', id: 'eb-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.ec2', account: '111122223333', time: raw.eventTime, region: 'us-east-1', resources: [], detail: raw }) as {
    detail: Record<string, unknown>;
  };
  counter += 1;
  event.detail.eventID = `${String(event.detail.eventID)}-${counter}`;
  // A person of their own per test: the reconciler count (same change, same actor) would otherwise join tests.
  const identity = event.detail.userIdentity as { arn?: string } | undefined;
  if (identity?.arn) identity.arn = `${identity.arn}-${counter}`;
  return event;
}

const office = (over: Partial<ManagedPrefixList> = {}): ManagedPrefixList => ({
  PrefixListId: PL,
  PrefixListName: 'office-and-vpn',
  AddressFamily: 'IPv4',
  State: 'modify-complete',
  Version: 2,
  OwnerId: '111122223333',
  Tags: [],
  ...over,
});
const entries = (...cidrs: string[]) => ({ Entries: cidrs.map((Cidr) => ({ Cidr })) });
const subnet = (SubnetId: string, CidrBlock: string, Tier: string) => ({ SubnetId, VpcId: 'vpc-0a1b2c3d4e5f60001', CidrBlock, Tags: [{ Key: 'Tier', Value: Tier }] });
const sshFromList: SecurityGroupRule = { SecurityGroupRuleId: 'sgr-0a1b2c3d4e5f6e301', GroupId: APP, IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListId: PL };

beforeEach(() => {
  ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [office()] });
  ec2.on(GetManagedPrefixListEntriesCommand).resolvesOnce(entries('203.0.113.0/24', '10.8.0.0/16', '0.0.0.0/0')).resolves(entries('203.0.113.0/24', '10.8.0.0/16'));
  ec2.on(GetManagedPrefixListAssociationsCommand).resolves({
    PrefixListAssociations: [
      { ResourceId: APP, ResourceOwner: '111122223333' },
      { ResourceId: 'rtb-0a1b2c3d4e5f60002', ResourceOwner: '111122223333' },
    ],
  });
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [{ GroupId: APP, GroupName: 'app-tier', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [{ Key: 'Tier', Value: 'Application' }] }],
  });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [sshFromList] });
  ec2.on(ModifyManagedPrefixListCommand).resolves({ PrefixList: office({ State: 'modify-in-progress' }) });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterEach(() => {
  ec2.reset();
  sns.reset();
  events.reset();
});

const names = () => ec2.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
const modifies = () => ec2.commandCalls(ModifyManagedPrefixListCommand).map((c) => c.args[0].input);

describe('security-group handler: ModifyManagedPrefixList', () => {
  it('removes exactly the added internet entry at the live version, names every referencing resource, reads back, notifies once', async () => {
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandWith(DescribeManagedPrefixListsCommand, { PrefixListIds: [PL] });
    expect(ec2).toHaveReceivedCommandWith(GetManagedPrefixListAssociationsCommand, { PrefixListId: PL, MaxResults: 100 });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { GroupIds: [APP] });
    // Nothing but RemoveEntries and the version: no name, no size, no entry added (moto 5.2 would even reset the name).
    expect(modifies()).toEqual([{ PrefixListId: PL, CurrentVersion: 2, RemoveEntries: [{ Cidr: '0.0.0.0/0' }] }]);
    // Read back: the entries once before, once after.
    expect(ec2).toHaveReceivedCommandTimes(GetManagedPrefixListEntriesCommand, 2);
    // 1 describe + entries + associations + group + rules + modify + read-back.
    expect(ec2.calls()).toHaveLength(7);
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
    expect(outcome.resources).toEqual([PL, APP, 'rtb-0a1b2c3d4e5f60002']);
    expect(outcome.drift).toEqual([
      { kind: 'prefix-list-internet-entry', prefixListId: PL, cidrs: ['0.0.0.0/0'], groupIds: [APP], referencedBy: [APP, 'rtb-0a1b2c3d4e5f60002'] },
    ]);
    expect(outcome.actions).toEqual([{ type: 'remove-prefix-list-entries', prefixListId: PL, currentVersion: 2, cidrs: ['0.0.0.0/0'], result: 'done' }]);
    expect(outcome.after).toMatchObject({ entries: ['203.0.113.0/24', '10.8.0.0/16'], verifiedBy: 'read-back' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const message = String(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message);
    expect(message).toContain(`prefix list ${PL} gained 0.0.0.0/0, opening the ingress of ${APP} to the internet; referenced by ${APP}, rtb-0a1b2c3d4e5f60002`);
    expect(message).toContain(`remove entry 0.0.0.0/0 from prefix list ${PL} at version 2: done`);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('the same event delivered again: one removal, one notice', async () => {
    const event = sample('ModifyManagedPrefixList/world-added-to-office-list.json');
    const first = (await handler(event, context)) as Outcome;
    const again = (await handler(structuredClone(event), context)) as Outcome;
    expect(again.outcome).toBe(first.outcome);
    expect(modifies()).toHaveLength(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('the entry is already gone (a later event, the same change): already compliant, no write', async () => {
    ec2.on(GetManagedPrefixListEntriesCommand).resolves(entries('203.0.113.0/24', '10.8.0.0/16'));
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('already-compliant');
    expect(modifies()).toEqual([]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupsCommand, 0);
  });

  it('private ranges added: not the internet, and no tier’s range (the app tier names the list; the VPC’s subnets read): ignored, nothing changed', async () => {
    ec2.on(GetManagedPrefixListEntriesCommand).resolves(entries('203.0.113.0/24', '10.20.0.0/16', '192.168.0.0/16'));
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [subnet('subnet-0a1b2c3d4e5f6b001', '10.0.1.0/24', 'Web'), subnet('subnet-0a1b2c3d4e5f6b011', '10.0.11.0/24', 'Application')] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/private-cidrs-added.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe(`no entry added (10.20.0.0/16, 192.168.0.0/16) is a range of a tier that may not reach a group naming ${PL}`);
    expect(names()).toEqual([
      'DescribeManagedPrefixLists',
      'GetManagedPrefixListEntries',
      'GetManagedPrefixListAssociations',
      'DescribeSecurityGroups',
      'DescribeSecurityGroupRules',
      'DescribeSubnets',
    ]);
    expect(modifies()).toEqual([]);
  });

  it('a web subnet’s range added to a list the database tier names: the entry is removed at the live version, and the notice says where it lands', async () => {
    const DB = 'sg-0a1b2c3d4e5f67003';
    ec2.on(GetManagedPrefixListAssociationsCommand).resolves({ PrefixListAssociations: [{ ResourceId: DB, ResourceOwner: '111122223333' }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: DB, GroupName: 'db-tier', VpcId: 'vpc-0a1b2c3d4e5f60001', Tags: [{ Key: 'Tier', Value: 'Database' }] }],
    });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...sshFromList, GroupId: DB, FromPort: 3306, ToPort: 3306 }] });
    ec2.on(GetManagedPrefixListEntriesCommand).resolvesOnce(entries('203.0.113.0/24', '10.0.1.0/24')).resolves(entries('203.0.113.0/24'));
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [subnet('subnet-0a1b2c3d4e5f6b001', '10.0.1.0/24', 'Web'), subnet('subnet-0a1b2c3d4e5f6b011', '10.0.11.0/24', 'Application')] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/web-subnet-added.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.drift).toEqual([
      {
        kind: 'prefix-list-tier-entry',
        prefixListId: PL,
        cidrs: ['10.0.1.0/24'],
        groupIds: [DB],
        reached: { '10.0.1.0/24': `web (subnet-0a1b2c3d4e5f6b001) into ${DB} (database)` },
        referencedBy: [DB],
      },
    ]);
    expect(modifies()).toEqual([{ PrefixListId: PL, CurrentVersion: 2, RemoveEntries: [{ Cidr: '10.0.1.0/24' }] }]);
    expect(outcome.reason).toBe(
      `removed 10.0.1.0/24 from ${PL}: ${PL} gained 10.0.1.0/24 (web (subnet-0a1b2c3d4e5f6b001) into ${DB} (database)): ranges of tiers that may not reach those groups' tiers`,
    );
  });

  it('a failed call: ignored, no EC2 call', async () => {
    const outcome = (await handler(sample('ModifyManagedPrefixList/failed-call.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('an AWS-managed list: ignored after one read, never modified', async () => {
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [office({ PrefixListId: 'pl-63a5400a', OwnerId: 'AWS', PrefixListName: 'com.amazonaws.us-east-1.s3' })] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/aws-managed-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toMatch(/AWS-managed/);
    expect(ec2.calls()).toHaveLength(1);
  });

  it('an exempt list: exempt after one read', async () => {
    const until = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [office({ Tags: [{ Key: 'layerguard:exempt', Value: `until=${until};reason=migration` }] })] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('exempt');
    expect(ec2.calls()).toHaveLength(1);
  });

  it('the list no longer exists (EC2: an empty answer, or InvalidPrefixListID.NotFound): already compliant', async () => {
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
    expect(((await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome).outcome).toBe('already-compliant');
    ec2.on(DescribeManagedPrefixListsCommand).rejects(Object.assign(new Error('gone'), { name: 'InvalidPrefixListID.NotFound', Code: 'InvalidPrefixListID.NotFound', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    expect(((await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome).outcome).toBe('already-compliant');
    expect(modifies()).toEqual([]);
  });

  it('only the web tier on 443 references the list: ignored, the reason names it, nothing changed', async () => {
    ec2.on(GetManagedPrefixListAssociationsCommand).resolves({ PrefixListAssociations: [{ ResourceId: WEB, ResourceOwner: '111122223333' }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: WEB, GroupName: 'web-tier', VpcId: 'vpc-1', Tags: [{ Key: 'Tier', Value: 'Web' }] }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...sshFromList, GroupId: WEB, FromPort: 443, ToPort: 443 }] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toMatch(new RegExp(`referenced by ${WEB}$`));
    expect(modifies()).toEqual([]);
  });

  it('nothing references the list: ignored, the reason says so', async () => {
    ec2.on(GetManagedPrefixListAssociationsCommand).resolves({ PrefixListAssociations: [] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe(`no security group references ${PL}: 0.0.0.0/0 left in the list`);
  });

  it('the associations on several pages: every page is read', async () => {
    ec2.on(GetManagedPrefixListAssociationsCommand, { PrefixListId: PL, MaxResults: 100 })
      .resolves({ PrefixListAssociations: [{ ResourceId: 'rtb-0a1b2c3d4e5f60002' }], NextToken: 't1' });
    ec2.on(GetManagedPrefixListAssociationsCommand, { PrefixListId: PL, MaxResults: 100, NextToken: 't1' }).resolves({ PrefixListAssociations: [{ ResourceId: APP }] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandTimes(GetManagedPrefixListAssociationsCommand, 2);
  });

  it('a version race: the removal fails, the list is read again at its new version, and removed there once', async () => {
    const mismatch = Object.assign(new Error('version'), { name: 'InvalidParameterValue', Code: 'InvalidParameterValue', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    ec2.on(ModifyManagedPrefixListCommand).rejectsOnce(mismatch).resolves({ PrefixList: office({ Version: 3 }) });
    ec2.on(DescribeManagedPrefixListsCommand).resolvesOnce({ PrefixLists: [office()] }).resolves({ PrefixLists: [office({ Version: 3 })] });
    ec2.on(GetManagedPrefixListEntriesCommand)
      .resolvesOnce(entries('203.0.113.0/24', '0.0.0.0/0'))
      .resolvesOnce(entries('203.0.113.0/24', '0.0.0.0/0', '198.51.100.0/24'))
      .resolves(entries('203.0.113.0/24', '198.51.100.0/24'));
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(modifies()).toEqual([
      { PrefixListId: PL, CurrentVersion: 2, RemoveEntries: [{ Cidr: '0.0.0.0/0' }] },
      { PrefixListId: PL, CurrentVersion: 3, RemoveEntries: [{ Cidr: '0.0.0.0/0' }] },
    ]);
    expect(outcome.actions[0]).toMatchObject({ currentVersion: 3, result: 'done' });
  });

  it('a failed removal with the list unchanged: failed, never taken for done', async () => {
    const denied = Object.assign(new Error('no'), { name: 'UnauthorizedOperation', Code: 'UnauthorizedOperation', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    ec2.on(ModifyManagedPrefixListCommand).rejects(denied);
    ec2.on(GetManagedPrefixListEntriesCommand).resolves(entries('203.0.113.0/24', '0.0.0.0/0'));
    // A failed outcome is thrown, so that Lambda retries the event (then dead-letters it): the retry reads the list again.
    await expect(handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)).rejects.toThrow(/UnauthorizedOperation/);
    expect(modifies()).toHaveLength(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('the removal failed but the entry is gone when read again: already compliant, said honestly', async () => {
    ec2.on(ModifyManagedPrefixListCommand).rejects(Object.assign(new Error('reset'), { name: 'InvalidParameterValue', Code: 'InvalidParameterValue', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    ec2.on(GetManagedPrefixListEntriesCommand).resolvesOnce(entries('0.0.0.0/0')).resolves(entries());
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('already-compliant');
    expect(outcome.reason).toMatch(/answered with an error/);
    expect(modifies()).toHaveLength(1);
  });

  it('the removal is applied asynchronously (modify-in-progress): the read-back waits for it', async () => {
    ec2.on(GetManagedPrefixListEntriesCommand)
      .resolvesOnce(entries('0.0.0.0/0', '203.0.113.0/24'))
      .resolvesOnce(entries('0.0.0.0/0', '203.0.113.0/24'))
      .resolves(entries('203.0.113.0/24'));
    ec2.on(DescribeManagedPrefixListsCommand).resolvesOnce({ PrefixLists: [office()] }).resolves({ PrefixLists: [office({ State: 'modify-in-progress' })] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    expect(ec2).toHaveReceivedCommandTimes(GetManagedPrefixListEntriesCommand, 3);
  });

  it('the change itself is still being applied (modify-in-progress): the list is read again before it is judged', async () => {
    ec2.on(DescribeManagedPrefixListsCommand).resolvesOnce({ PrefixLists: [office({ State: 'modify-in-progress', Version: 1 })] }).resolves({ PrefixLists: [office()] });
    const outcome = (await handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)) as Outcome;
    expect(outcome.outcome).toBe('remediated');
    // Judged at the applied version, never on the old one's entries.
    expect(modifies()).toEqual([{ PrefixListId: PL, CurrentVersion: 2, RemoveEntries: [{ Cidr: '0.0.0.0/0' }] }]);
    expect(ec2.commandCalls(GetManagedPrefixListEntriesCommand)).toHaveLength(2);
  });

  it('a list that stays in progress: failed (retried), nothing judged or written', { timeout: 10_000 }, async () => {
    ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [office({ State: 'modify-in-progress' })] });
    await expect(handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)).rejects.toThrow(/is still modify-in-progress/);
    expect(ec2.commandCalls(GetManagedPrefixListEntriesCommand)).toHaveLength(0);
    expect(modifies()).toEqual([]);
  });

  it('the entry stays after the removal (the list not in progress): failed (verification)', async () => {
    ec2.on(GetManagedPrefixListEntriesCommand).resolves(entries('0.0.0.0/0'));
    await expect(handler(sample('ModifyManagedPrefixList/world-added-to-office-list.json'), context)).rejects.toThrow(/still present after the removal/);
  });

  it('dry-run: the plan is reported, nothing is written', async () => {
    // The dry-run policy comes from the handler's configuration: judged through the pipeline instead.
    const { remediatePrefixList } = await import('../../functions/pipeline/prefix-list.js');
    const { createEc2Network } = await import('../../functions/adapters/ec2-network.js');
    const { parsePolicy } = await import('../../functions/core/policy.js');
    const trigger = { eventId: 'e', eventName: 'ModifyManagedPrefixList', eventSource: 'ec2.amazonaws.com', source: 'aws.ec2', account: '111122223333', region: 'us-east-1' };
    const outcome = await remediatePrefixList(
      { kind: 'prefix-list-entries', eventName: 'ModifyManagedPrefixList', prefixListId: PL, added: ['0.0.0.0/0'], removed: [] },
      trigger,
      { network: createEc2Network(new EC2Client({})), policy: parsePolicy({ mode: 'dry-run' }), clock: () => new Date() },
    );
    expect(outcome.outcome).toBe('dry-run');
    expect(outcome.actions).toEqual([{ type: 'remove-prefix-list-entries', prefixListId: PL, currentVersion: 2, cidrs: ['0.0.0.0/0'], result: 'skipped' }]);
    expect(modifies()).toEqual([]);
  });
});
