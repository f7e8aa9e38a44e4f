import {
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeIngressRecord, eventBridgeEnvelope } from '../../events/generator/cloudtrail.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { motoEndpoint, useMoto } from '../support/moto.js';

/*
 * The deployed path of the security-group function, over real HTTP against moto: the real Lambda
 * handler with its EC2 adapter, the SNS and EventBridge channels, and Powertools idempotency in a
 * DynamoDB table. The CloudTrail event is written from the real AuthorizeSecurityGroupIngress call
 * and its response, as CloudTrail would.
 */

const endpoint = motoEndpoint();
/** The account moto answers for by default (moto's DEFAULT_ACCOUNT_ID). */
const MOTO_ACCOUNT = '123456789012';
const unique = () => `lg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const context = { functionName: 'layerguard-sg', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<Outcome>;

describe.skipIf(!endpoint)(`security-group handler against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let ec2: EC2Client;
  let handler: Handler;
  let table: string;

  beforeAll(async () => {
    ec2 = new EC2Client({});
    table = unique();
    const dynamo = new DynamoDBClient({});
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const topic = await new SNSClient({}).send(new CreateTopicCommand({ Name: unique() }));
    const bus = unique();
    await new EventBridgeClient({}).send(new CreateEventBusCommand({ Name: bus }));
    process.env.LAYERGUARD_IDEMPOTENCY_TABLE = table;
    process.env.LAYERGUARD_TOPIC_ARN = topic.TopicArn;
    process.env.LAYERGUARD_EVENT_BUS = bus;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    // moto's default account: the function's own (events from any other are out of its reach).
    process.env.LAYERGUARD_ACCOUNT_ID = MOTO_ACCOUNT;
    const { resetClients } = await import('../../functions/adapters/clients.js');
    resetClients();
    ({ handler } = (await import('../../functions/security-group/handler.js')) as { handler: Handler });
  });

  async function groupWithRules(client: EC2Client = ec2): Promise<{ groupId: string; created: SecurityGroupRule[] }> {
    const ec2 = client;
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc?.VpcId as string;
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: unique(), Description: 'app', VpcId: vpc })))
      .GroupId as string;
    const narrow = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.30.1.0/24' }] }],
      }),
    );
    expect(narrow.SecurityGroupRules).toHaveLength(1);
    const open = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    return { groupId, created: open.SecurityGroupRules ?? [] };
  }

  const eventFor = (groupId: string, created: SecurityGroupRule[], where = { account: MOTO_ACCOUNT, region: 'us-east-1' }) =>
    eventBridgeEnvelope(
      authorizeIngressRecord(
        groupId,
        created.map((r) => ({
          ruleId: r.SecurityGroupRuleId as string,
          groupId,
          isEgress: false,
          protocol: r.IpProtocol as string,
          fromPort: r.FromPort,
          toPort: r.ToPort,
          cidrIpv4: r.CidrIpv4,
          prefixListId: r.PrefixListId,
        })),
        where,
      ),
    );

  // Tier-to-tier reachability on moto's own state: the tiers of a VPC's subnets (DescribeSubnets with a
  // vpc-id filter) and of referenced groups (DescribeSecurityGroups), read by their Tier tags.
  it('tiers: the web group and a web subnet admitted to the database group are revoked; the application group stays', async () => {
    const tagged = (type: 'vpc' | 'subnet' | 'security-group', Tier: string) => [{ ResourceType: type, Tags: [{ Key: 'Tier', Value: Tier }] }];
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.32.0.0/16' }))).Vpc?.VpcId as string;
    await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.32.1.0/24', TagSpecifications: tagged('subnet', 'Web') }));
    await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.32.11.0/24', TagSpecifications: tagged('subnet', 'Application') }));
    const group = async (Tier: string) =>
      (await ec2.send(new CreateSecurityGroupCommand({ GroupName: unique(), Description: Tier, VpcId: vpc, TagSpecifications: tagged('security-group', Tier) })))
        .GroupId as string;
    const [web, app, db] = [await group('Web'), await group('Application'), await group('Database')];
    const authorize = async (source: { group?: string; cidr?: string }, port: number) =>
      (
        await ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: db,
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: port,
                ToPort: port,
                ...(source.group ? { UserIdGroupPairs: [{ GroupId: source.group }] } : { IpRanges: [{ CidrIp: source.cidr }] }),
              },
            ],
          }),
        )
      ).SecurityGroupRules ?? [];
    const eventOf = (created: SecurityGroupRule[]) =>
      eventBridgeEnvelope(
        authorizeIngressRecord(
          db,
          created.map((r) => ({
            ruleId: r.SecurityGroupRuleId as string,
            groupId: db,
            isEgress: false,
            protocol: r.IpProtocol as string,
            fromPort: r.FromPort,
            toPort: r.ToPort,
            cidrIpv4: r.CidrIpv4,
            referencedGroupId: r.ReferencedGroupInfo?.GroupId,
          })),
          { account: MOTO_ACCOUNT, region: 'us-east-1' },
        ),
      );

    const fromApp = await handler(eventOf(await authorize({ group: app }, 3306)), context);
    const fromWeb = await handler(eventOf(await authorize({ group: web }, 3307)), context);
    const fromWebSubnet = await handler(eventOf(await authorize({ cidr: '10.32.1.0/24' }, 3308)), context);
    const fromPeer = await handler(eventOf(await authorize({ cidr: '172.31.0.0/16' }, 3309)), context);

    expect([fromApp.outcome, fromWeb.outcome, fromWebSubnet.outcome, fromPeer.outcome]).toEqual(['ignored', 'remediated', 'remediated', 'ignored']);
    expect(fromWeb.reason).toBe(`revoked: ${db} admits tcp/3307 from ${web} (in web (${web})): the database tier may be reached from application and database only`);
    const left = await ingress(db);
    expect(left.map((r) => r.FromPort).sort()).toEqual([3306, 3309]);
  });

  // IPv6, where moto differs from EC2: moto 5.2 keeps a subnet's IPv6 block association, but answers its
  // state as the text of a Python dict ("{'State': 'associated'}", its template renders the dict), where the
  // SDK models `Ipv6CidrBlockState.State` as one of SubnetCidrBlockStateCode. LayerGuard reads only blocks
  // whose state is `associated` (ec2-network.ts), so on moto no IPv6 block is a tier's, and the handler
  // says so; the mock test of listSubnets (test/handlers/ec2-network.test.ts) covers EC2's form.
  it('tiers over IPv6 on moto: its block state is not one EC2 sends, so the block is no tier (pinned: fails when moto is fixed)', async () => {
    const tagged = (type: 'subnet' | 'security-group', Tier: string) => [{ ResourceType: type, Tags: [{ Key: 'Tier', Value: Tier }] }];
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.33.0.0/16', AmazonProvidedIpv6CidrBlock: true }))).Vpc?.VpcId as string;
    const block = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc] }))).Vpcs?.[0]?.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock as string;
    const [base = ''] = block.split('::');
    await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.33.1.0/24', Ipv6CidrBlock: `${base}::/64`, TagSpecifications: tagged('subnet', 'Web') }));
    const seen = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }));
    expect(seen.Subnets?.[0]?.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlockState?.State).toBe("{'State': 'associated'}");
    const db = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: unique(), Description: 'db', VpcId: vpc, TagSpecifications: tagged('security-group', 'Database') })))
      .GroupId as string;
    const rules =
      (await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: db, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 3306, ToPort: 3306, Ipv6Ranges: [{ CidrIpv6: `${base}::10/128` }] }] })))
        .SecurityGroupRules ?? [];
    const event = eventBridgeEnvelope(
      authorizeIngressRecord(
        db,
        rules.map((r) => ({ ruleId: r.SecurityGroupRuleId as string, groupId: db, isEgress: false, protocol: r.IpProtocol as string, fromPort: r.FromPort, toPort: r.ToPort, cidrIpv6: r.CidrIpv6 })),
        { account: MOTO_ACCOUNT, region: 'us-east-1' },
      ),
    );
    const outcome = await handler(event, context);
    expect(outcome).toMatchObject({
      outcome: 'ignored',
      reason: 'no rule asked for is open to the internet; no source is in a tier the database tier may not be reached from (only application and database)',
    });
  });

  const ingress = async (groupId: string, client: EC2Client = ec2) =>
    ((await client.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] })))
      .SecurityGroupRules ?? []).filter((r) => !r.IsEgress);

  it('revokes exactly the world-open rule; a redelivery returns the same outcome from the idempotency table', async () => {
    const { groupId, created } = await groupWithRules();
    const event = eventFor(groupId, created);

    const first = await handler(event, context);
    expect(first.outcome).toBe('remediated');
    const left = await ingress(groupId);
    expect(left.map((r) => r.CidrIpv4)).toEqual(['10.30.1.0/24']);

    const again = await handler(structuredClone(event), context);
    expect(again).toEqual(first);
    const records = await new DynamoDBClient({}).send(new ScanCommand({ TableName: table }));
    // One remediation record and one per notification channel, for this event.
    expect(records.Items?.length).toBeGreaterThanOrEqual(3);
    // And the revert is counted for the reconciler, in the same table (the repeat ledger's item).
    expect(records.Items?.some((i) => i.id?.S?.startsWith('repeat#'))).toBe(true);
  });

  it('the same change seen again under a new event id is already-compliant', async () => {
    const { groupId, created } = await groupWithRules();
    await handler(eventFor(groupId, created), context);
    const second = await handler(eventFor(groupId, created), context);
    expect(second.outcome).toBe('already-compliant');
    expect((await ingress(groupId)).map((r) => r.CidrIpv4)).toEqual(['10.30.1.0/24']);
  });

  it('reverts in the event’s region: a group in us-west-2, the function in us-east-1', async () => {
    // moto keeps EC2 state per region: the group exists only in us-west-2.
    const west = new EC2Client({ region: 'us-west-2' });
    const { groupId, created } = await groupWithRules(west);
    const outcome = await handler(eventFor(groupId, created, { account: MOTO_ACCOUNT, region: 'us-west-2' }), context);
    expect(outcome.outcome).toBe('remediated');
    expect((await ingress(groupId, west)).map((r) => r.CidrIpv4)).toEqual(['10.30.1.0/24']);
    // Judged in the function's region instead, the group would not be found: already-compliant, rule open.
    await expect(ingress(groupId, ec2)).resolves.toEqual([]);
  });

  it('a rule from a managed prefix list is judged by the entries moto holds: one of the internet is revoked, one of office ranges stays', async () => {
    const list = async (cidrs: string[]) =>
      (
        await ec2.send(
          new CreateManagedPrefixListCommand({
            PrefixListName: unique(),
            AddressFamily: 'IPv4',
            MaxEntries: 5,
            Entries: cidrs.map((Cidr) => ({ Cidr })),
          }),
        )
      ).PrefixList?.PrefixListId as string;
    const everywhere = await list(['10.8.0.0/16', '0.0.0.0/0']);
    const office = await list(['203.0.113.0/24']);
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.31.0.0/16' }))).Vpc?.VpcId as string;
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: unique(), Description: 'app', VpcId: vpc })))
      .GroupId as string;
    const authorize = async (prefixListId: string, port: number) =>
      (
        await ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, PrefixListIds: [{ PrefixListId: prefixListId }] }],
          }),
        )
      ).SecurityGroupRules ?? [];

    const fromOffice = await handler(eventFor(groupId, await authorize(office, 443)), context);
    const fromEverywhere = await handler(eventFor(groupId, await authorize(everywhere, 22)), context);

    expect(fromOffice.outcome).toBe('ignored');
    expect(fromOffice.reason).toBe(`no entry of ${office} is open to the internet; ${groupId} is in no tier of the policy`);
    expect(fromEverywhere.outcome).toBe('remediated');
    expect(fromEverywhere.reason).toBe(`revoked: ${groupId} admits tcp/22 from ${everywhere} (0.0.0.0/0)`);
    expect((await ingress(groupId)).map((r) => [r.PrefixListId, r.FromPort])).toEqual([[office, 443]]);
  });

  it('ignores an event from an account it cannot reach, with the reason, and leaves the rule', async () => {
    const { groupId, created } = await groupWithRules();
    const outcome = await handler(eventFor(groupId, created, { account: '444455556666', region: 'us-east-1' }), context);
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.reason).toBe(`account 444455556666 is not reachable from account ${MOTO_ACCOUNT}`);
    expect((await ingress(groupId)).map((r) => r.CidrIpv4).sort()).toEqual(['0.0.0.0/0', '10.30.1.0/24']);
  });
});
