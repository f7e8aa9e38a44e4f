import 'aws-sdk-client-mock-vitest/extend';
import {
  DeleteNetworkAclEntryCommand,
  type DeleteNetworkAclEntryCommandInput,
  DescribeNetworkAclsCommand,
  type DescribeNetworkAclsCommandInput,
  DescribeSubnetsCommand,
  EC2Client,
  type NetworkAcl as Ec2NetworkAcl,
  type NetworkAclEntry as Ec2Entry,
  ReplaceNetworkAclAssociationCommand,
  type ReplaceNetworkAclAssociationCommandInput,
  type Subnet as Ec2Subnet,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../functions/core/outcome.js';
import { freshSample } from '../support/events.js';
import { sentCommands } from '../support/sdk-mock.js';

/**
 * The network-ACL events through the route-table Lambda handler (the `network-acl` rule's target), with
 * EC2 mocked at the SDK: a small stateful VPC in EC2's own shapes (DescribeNetworkAcls' `NetworkAcl`,
 * models_1.d.ts), so that the read-back after a revert sees it. Every test asserts the exact EC2 calls,
 * in order, and the notification.
 */

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
const BUS = 'layerguard-outcomes';
const VPC = 'vpc-0a1b2c3d4e5f60001';
const DB_ACL = 'acl-0a1b2c3d4e5f6a003';
const DEF_ACL = 'acl-0a1b2c3d4e5f6a000';
const SUB = { web: 'subnet-0a1b2c3d4e5f61001', app: 'subnet-0a1b2c3d4e5f62001', db1: 'subnet-0a1b2c3d4e5f63001', db2: 'subnet-0a1b2c3d4e5f63002' };

const ec2Mock = mockClient(EC2Client);
const snsMock = mockClient(SNSClient);
const eventBridgeMock = mockClient(EventBridgeClient);

let handler: (event: unknown, context: Context) => Promise<Outcome | { outcome: string; reason: string }>;

beforeAll(async () => {
  process.env.LAYERGUARD_TOPIC_ARN = TOPIC;
  process.env.LAYERGUARD_EVENT_BUS = BUS;
  process.env.LAYERGUARD_POLICY = JSON.stringify({ reconciler: { maxRepeats: 100 } });
  delete process.env.LAYERGUARD_IDEMPOTENCY_TABLE;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.AWS_REGION = 'us-east-1';
  ({ handler } = (await import('../../functions/route-table/handler.js')) as unknown as { handler: typeof handler });
});

const context = {
  functionName: 'layerguard-route-table',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:layerguard-route-table',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345679',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const tags = (t: Record<string, string>) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const entry = (RuleNumber: number, Egress: boolean, RuleAction: 'allow' | 'deny', CidrBlock: string, Protocol = '-1', extra: Partial<Ec2Entry> = {}): Ec2Entry => ({
  RuleNumber,
  Egress,
  RuleAction,
  CidrBlock,
  Protocol,
  ...extra,
});
const stars = [entry(32767, false, 'deny', '0.0.0.0/0'), entry(32767, true, 'deny', '0.0.0.0/0')];
const assoc = (id: string, aclId: string, subnetId: string) => ({ NetworkAclAssociationId: id, NetworkAclId: aclId, SubnetId: subnetId });

let acls: Ec2NetworkAcl[];
let subnets: Ec2Subnet[];
let next: number;

function baseline(): void {
  acls = [
    {
      NetworkAclId: DEF_ACL,
      VpcId: VPC,
      IsDefault: true,
      Entries: [entry(100, false, 'allow', '0.0.0.0/0'), entry(100, true, 'allow', '0.0.0.0/0'), ...stars],
      Associations: [assoc('aclassoc-0a1b2c3d4e5f6b011', DEF_ACL, SUB.web), assoc('aclassoc-0a1b2c3d4e5f6b021', DEF_ACL, SUB.app)],
      Tags: [],
    },
    {
      NetworkAclId: DB_ACL,
      VpcId: VPC,
      IsDefault: false,
      Entries: [entry(100, false, 'allow', '10.0.0.0/16'), entry(100, true, 'allow', '10.0.0.0/16'), ...stars],
      Associations: [assoc('aclassoc-0a1b2c3d4e5f6b031', DB_ACL, SUB.db1), assoc('aclassoc-0a1b2c3d4e5f6b032', DB_ACL, SUB.db2)],
      Tags: tags({ Tier: 'Database' }),
    },
  ];
  const subnet = (SubnetId: string, tier: string): Ec2Subnet => ({ SubnetId, VpcId: VPC, CidrBlock: '10.0.0.0/24', Tags: tags({ Tier: tier }) });
  subnets = [subnet(SUB.web, 'Web'), subnet(SUB.app, 'Application'), subnet(SUB.db1, 'Database'), subnet(SUB.db2, 'Database')];
  next = 0x200;
}
const aclOf = (id: string) => acls.find((a) => a.NetworkAclId === id) as Ec2NetworkAcl;
const ec2Error = (code: string) =>
  Object.assign(new Error(`${code} message`), { name: code, Code: code, $fault: 'client', $metadata: { httpStatusCode: 400 } });

function wireEc2(): void {
  ec2Mock.on(DescribeNetworkAclsCommand).callsFake((input: DescribeNetworkAclsCommandInput) => {
    if (input.NetworkAclIds) {
      const found = acls.filter((a) => input.NetworkAclIds?.includes(a.NetworkAclId as string));
      if (found.length === 0) throw ec2Error('InvalidNetworkAclID.NotFound');
      return { NetworkAcls: structuredClone(found) };
    }
    const vpc = input.Filters?.find((f) => f.Name === 'vpc-id')?.Values?.[0];
    return { NetworkAcls: structuredClone(acls.filter((a) => a.VpcId === vpc)) };
  });
  ec2Mock.on(DescribeSubnetsCommand).callsFake(() => ({ Subnets: structuredClone(subnets) }));
  ec2Mock.on(DeleteNetworkAclEntryCommand).callsFake((input: DeleteNetworkAclEntryCommandInput) => {
    const a = aclOf(input.NetworkAclId as string);
    const i = a.Entries?.findIndex((e) => e.RuleNumber === input.RuleNumber && e.Egress === input.Egress) ?? -1;
    if (i < 0) throw ec2Error('InvalidNetworkAclEntry.NotFound');
    a.Entries?.splice(i, 1);
    return {};
  });
  ec2Mock.on(ReplaceNetworkAclAssociationCommand).callsFake((input: ReplaceNetworkAclAssociationCommandInput) => {
    const current = acls.flatMap((a) => a.Associations ?? []).find((x) => x.NetworkAclAssociationId === input.AssociationId);
    if (!current) throw ec2Error('InvalidAssociationID.NotFound');
    for (const a of acls) a.Associations = a.Associations?.filter((x) => x !== current);
    next += 1;
    const id = `aclassoc-0a1b2c3d4e5f6b${next.toString(16)}`;
    aclOf(input.NetworkAclId as string).Associations?.push(assoc(id, input.NetworkAclId as string, current.SubnetId as string));
    return { NewAssociationId: id };
  });
}

beforeEach(() => {
  baseline();
  wireEc2();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});
afterEach(() => {
  ec2Mock.reset();
  snsMock.reset();
  eventBridgeMock.reset();
});

const sample = freshSample;
const calls = () => sentCommands(ec2Mock);
const byId = (id: string) => ['DescribeNetworkAcls', { NetworkAclIds: [id] }];
const aclsOfVpc = ['DescribeNetworkAcls', { Filters: [{ Name: 'vpc-id', Values: [VPC] }], MaxResults: 100 }];
const subnetsOfVpc = ['DescribeSubnets', { Filters: [{ Name: 'vpc-id', Values: [VPC] }], MaxResults: 1000 }];
const run = async (event: Record<string, unknown>) => (await handler(event, context)) as Outcome;

describe('route-table handler: network ACL entries', () => {
  it('deletes exactly the entry the event created (tcp/3306 from 0.0.0.0/0 on the database ACL), and reads it back', async () => {
    aclOf(DB_ACL).Entries?.push(entry(90, false, 'allow', '0.0.0.0/0', '6', { PortRange: { From: 3306, To: 3306 } }));
    const outcome = await run(sample('CreateNetworkAclEntry/world-mysql-on-database-acl'));
    expect(outcome.outcome).toBe('remediated');
    expect(calls()).toEqual([
      byId(DB_ACL),
      subnetsOfVpc,
      aclsOfVpc,
      ['DeleteNetworkAclEntry', { NetworkAclId: DB_ACL, RuleNumber: 90, Egress: false }],
      byId(DB_ACL),
    ]);
    // The ACL's own entries and the * entries stay.
    expect(aclOf(DB_ACL).Entries?.map((e) => `${e.RuleNumber}${e.Egress ? 'e' : 'i'}`)).toEqual(['100i', '100e', '32767i', '32767e']);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(eventBridgeMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('a replaced entry is deleted and the outcome says what to restore (CloudTrail does not record the old one)', async () => {
    const rule100 = aclOf(DB_ACL).Entries?.find((e) => e.RuleNumber === 100 && !e.Egress) as Ec2Entry;
    rule100.CidrBlock = '0.0.0.0/0';
    const outcome = await run(sample('ReplaceNetworkAclEntry/world-all-on-database-acl'));
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.humanAction).toMatch(/rule 100 of acl-0a1b2c3d4e5f6a003 was deleted, not restored/);
    expect(calls().filter(([n]) => n === 'DeleteNetworkAclEntry')).toEqual([
      ['DeleteNetworkAclEntry', { NetworkAclId: DB_ACL, RuleNumber: 100, Egress: false }],
    ]);
    const published = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(published).toMatch(/FOLLOW-UP: CloudTrail does not record/);
  });

  it('an entry already gone is already-compliant: one read, nothing deleted', async () => {
    const outcome = await run(sample('CreateNetworkAclEntry/world-mysql-on-database-acl'));
    expect(outcome.outcome).toBe('already-compliant');
    expect(calls()).toEqual([byId(DB_ACL)]);
  });

  it('an entry gone between the read and the delete: InvalidNetworkAclEntry.NotFound is already gone (already-compliant)', async () => {
    aclOf(DB_ACL).Entries?.push(entry(90, false, 'allow', '0.0.0.0/0', '6', { PortRange: { From: 3306, To: 3306 } }));
    ec2Mock.on(DeleteNetworkAclEntryCommand).callsFake(() => {
      // Someone else deleted it first: EC2 answers that the entry does not exist.
      aclOf(DB_ACL).Entries = aclOf(DB_ACL).Entries?.filter((e) => e.RuleNumber !== 90);
      throw ec2Error('InvalidNetworkAclEntry.NotFound');
    });
    const outcome = await run(sample('CreateNetworkAclEntry/world-mysql-on-database-acl'));
    expect(outcome.outcome).toBe('already-compliant');
    expect(outcome.actions).toEqual([expect.objectContaining({ type: 'delete-nacl-entry', result: 'already-gone' })]);
  });

  it('a delete that did not take fails verification (retried)', async () => {
    aclOf(DB_ACL).Entries?.push(entry(90, false, 'allow', '0.0.0.0/0', '6', { PortRange: { From: 3306, To: 3306 } }));
    ec2Mock.on(DeleteNetworkAclEntryCommand).resolves({});
    // A failed outcome is thrown, so that Lambda retries the event (then dead-letters it).
    await expect(run(sample('CreateNetworkAclEntry/world-mysql-on-database-acl'))).rejects.toThrow(
      /still on acl-0a1b2c3d4e5f6a003 after DeleteNetworkAclEntry/,
    );
  });

  it('narrow, egress and non-isolated entries: decided without a delete', async () => {
    expect((await run(sample('CreateNetworkAclEntry/narrow-cidr'))).outcome).toBe('ignored');
    expect((await run(sample('CreateNetworkAclEntry/egress-world'))).outcome).toBe('ignored');
    expect(calls()).toEqual([]); // decided from the request alone
    aclOf(DEF_ACL).Entries?.push(entry(130, false, 'allow', '0.0.0.0/0', '6', { PortRange: { From: 443, To: 443 } }));
    expect((await run(sample('CreateNetworkAclEntry/web-tier-default-acl'))).outcome).toBe('ignored');
    expect(calls().map(([n]) => n)).toEqual(['DescribeNetworkAcls', 'DescribeSubnets', 'DescribeNetworkAcls']);
  });

  it('a failed call is ignored with no EC2 call', async () => {
    expect((await run(sample('CreateNetworkAclEntry/failed-call'))).outcome).toBe('ignored');
    expect(calls()).toEqual([]);
  });
});

describe('route-table handler: network ACL associations', () => {
  it('moves a database subnet back from the default ACL to the database ACL', async () => {
    const db1 = aclOf(DB_ACL).Associations?.find((a) => a.SubnetId === SUB.db1);
    aclOf(DB_ACL).Associations = aclOf(DB_ACL).Associations?.filter((a) => a !== db1);
    aclOf(DEF_ACL).Associations?.push(assoc('aclassoc-0a1b2c3d4e5f6b102', DEF_ACL, SUB.db1));
    const outcome = await run(sample('ReplaceNetworkAclAssociation/database-subnet-to-default-acl'));
    expect(outcome.outcome).toBe('remediated');
    expect(calls()).toEqual([
      byId(DEF_ACL),
      subnetsOfVpc,
      aclsOfVpc,
      ['ReplaceNetworkAclAssociation', { AssociationId: 'aclassoc-0a1b2c3d4e5f6b102', NetworkAclId: DB_ACL }],
      byId(DB_ACL),
    ]);
    expect(aclOf(DB_ACL).Associations?.map((a) => a.SubnetId).sort()).toEqual([SUB.db1, SUB.db2]);
    // The default ACL keeps its entries: the web and app tiers use it.
    expect(aclOf(DEF_ACL).Entries).toHaveLength(4);
  });

  it('the app subnet moved onto the database ACL: ignored after one read', async () => {
    const app = aclOf(DEF_ACL).Associations?.find((a) => a.SubnetId === SUB.app);
    aclOf(DEF_ACL).Associations = aclOf(DEF_ACL).Associations?.filter((a) => a !== app);
    aclOf(DB_ACL).Associations?.push(assoc('aclassoc-0a1b2c3d4e5f6b103', DB_ACL, SUB.app));
    const outcome = await run(sample('ReplaceNetworkAclAssociation/app-subnet-to-database-acl'));
    expect(outcome.outcome).toBe('ignored');
    expect(calls()).toEqual([byId(DB_ACL)]);
  });

  it('a redelivered event answers the same and changes nothing twice', async () => {
    const db1 = aclOf(DB_ACL).Associations?.find((a) => a.SubnetId === SUB.db1);
    aclOf(DB_ACL).Associations = aclOf(DB_ACL).Associations?.filter((a) => a !== db1);
    aclOf(DEF_ACL).Associations?.push(assoc('aclassoc-0a1b2c3d4e5f6b102', DEF_ACL, SUB.db1));
    const event = sample('ReplaceNetworkAclAssociation/database-subnet-to-default-acl');
    const first = await run(event);
    const again = await run(event);
    expect(again.outcome).toBe(first.outcome);
    expect(calls().filter(([n]) => n === 'ReplaceNetworkAclAssociation')).toHaveLength(1);
  });
});
