import 'aws-sdk-client-mock-vitest/extend';
import {
  AssociateRouteTableCommand,
  type AssociateRouteTableCommandInput,
  DeleteRouteCommand,
  type DeleteRouteCommandInput,
  DescribeRouteTablesCommand,
  type DescribeRouteTablesCommandInput,
  DescribeSubnetsCommand,
  EC2Client,
  type Route as Ec2Route,
  type RouteTable as Ec2RouteTable,
  type Subnet as Ec2Subnet,
  ReplaceRouteTableAssociationCommand,
  type ReplaceRouteTableAssociationCommandInput,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../functions/core/outcome.js';
import { freshSample } from '../support/events.js';
import { sentCommands } from '../support/sdk-mock.js';
import { dayFrom } from '../../functions/core/exemption.js';

/**
 * The route-table Lambda handler end to end, with EC2 mocked at the SDK: the real handler, engine,
 * pipeline and EC2 adapter run; the mock holds a small, stateful three-tier VPC in EC2's own shapes
 * so that the verification read after a revert sees the revert. Every test asserts the exact EC2
 * calls, in order, and one notification per trigger (SNS for people, EventBridge for machines).
 */

const TOPIC = 'arn:aws:sns:us-east-1:111122223333:layerguard-notifications';
const BUS = 'layerguard-outcomes';

const VPC = 'vpc-0a1b2c3d4e5f60001';
const IGW = 'igw-0a1b2c3d4e5f65001';
const NAT = 'nat-0a1b2c3d4e5f66001';
const RT = {
  main: 'rtb-0a1b2c3d4e5f64000',
  public: 'rtb-0a1b2c3d4e5f64001',
  private: 'rtb-0a1b2c3d4e5f64002',
  database: 'rtb-0a1b2c3d4e5f64003',
};
const SUB = {
  public1: 'subnet-0a1b2c3d4e5f61001',
  public2: 'subnet-0a1b2c3d4e5f61002',
  private1: 'subnet-0a1b2c3d4e5f62001',
  private2: 'subnet-0a1b2c3d4e5f62002',
  db1: 'subnet-0a1b2c3d4e5f63001',
  db2: 'subnet-0a1b2c3d4e5f63002',
};

const ec2Mock = mockClient(EC2Client);
const snsMock = mockClient(SNSClient);
const eventBridgeMock = mockClient(EventBridgeClient);

let handler: (event: unknown, context: Context) => Promise<Outcome | { outcome: string; reason: string }>;

beforeAll(async () => {
  // No idempotency table: idempotency is in memory (one per module).
  process.env.LAYERGUARD_TOPIC_ARN = TOPIC;
  process.env.LAYERGUARD_EVENT_BUS = BUS;
  // These stories revert the same route by the same actor again and again in one module (one repeat
  // ledger): each is a story of its own, not a reconciler's fight (test/scenarios/reconciler.test.ts).
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
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

// ---- a stateful EC2 in the SDK's shapes --------------------------------------------------------

const LOCAL: Ec2Route = {
  DestinationCidrBlock: '10.0.0.0/16',
  GatewayId: 'local',
  State: 'active',
  Origin: 'CreateRouteTable',
};
const route = (dest: Partial<Ec2Route>, target: Partial<Ec2Route>): Ec2Route => ({
  ...dest,
  ...target,
  State: 'active',
  Origin: 'CreateRoute',
});
const tags = (t: Record<string, string>) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const association = (id: string, routeTableId: string, subnetId?: string) => ({
  RouteTableAssociationId: id,
  RouteTableId: routeTableId,
  ...(subnetId ? { SubnetId: subnetId, Main: false } : { Main: true }),
  AssociationState: { State: 'associated' as const },
});

let tables: Ec2RouteTable[];
let subnets: Ec2Subnet[];
let nextAssociation: number;

function baseline(): void {
  const table = (
    id: string,
    routes: Ec2Route[],
    assocs: ReturnType<typeof association>[],
    t: Record<string, string>,
  ) => ({
    RouteTableId: id,
    VpcId: VPC,
    OwnerId: '111122223333',
    Routes: [LOCAL, ...routes],
    Associations: assocs,
    Tags: tags(t),
  });
  tables = [
    table(RT.main, [], [association('rtbassoc-0a1b2c3d4e5f68000', RT.main)], { Name: 'main' }),
    table(
      RT.public,
      [route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW })],
      [
        association('rtbassoc-0a1b2c3d4e5f68011', RT.public, SUB.public1),
        association('rtbassoc-0a1b2c3d4e5f68012', RT.public, SUB.public2),
      ],
      { Tier: 'Web' },
    ),
    table(
      RT.private,
      [route({ DestinationCidrBlock: '0.0.0.0/0' }, { NatGatewayId: NAT })],
      [
        association('rtbassoc-0a1b2c3d4e5f68021', RT.private, SUB.private1),
        association('rtbassoc-0a1b2c3d4e5f68022', RT.private, SUB.private2),
      ],
      { Tier: 'Application' },
    ),
    table(
      RT.database,
      [],
      [
        association('rtbassoc-0a1b2c3d4e5f68031', RT.database, SUB.db1),
        association('rtbassoc-0a1b2c3d4e5f68032', RT.database, SUB.db2),
      ],
      { Tier: 'Database' },
    ),
  ];
  const subnet = (id: string, tier: string): Ec2Subnet => ({
    SubnetId: id,
    VpcId: VPC,
    CidrBlock: '10.0.0.0/24',
    Tags: tags({ Tier: tier }),
  });
  subnets = [
    subnet(SUB.public1, 'Web'),
    subnet(SUB.public2, 'Web'),
    subnet(SUB.private1, 'Application'),
    subnet(SUB.private2, 'Application'),
    subnet(SUB.db1, 'Database'),
    subnet(SUB.db2, 'Database'),
  ];
  nextAssociation = 0x200;
}

const find = (id: string) => tables.find((t) => t.RouteTableId === id) as Ec2RouteTable;
const addRoute = (id: string, r: Ec2Route) => find(id).Routes?.push(r);
const tag = (id: string, t: Record<string, string>) => {
  find(id).Tags = tags(t);
};
/** Moves a subnet's association to another table (as AssociateRouteTable / ReplaceRouteTableAssociation did). */
const move = (subnetId: string, to: string, id: string) => {
  for (const t of tables) t.Associations = t.Associations?.filter((a) => a.SubnetId !== subnetId);
  find(to).Associations?.push(association(id, to, subnetId));
};
const sameDestination = (r: Ec2Route, i: DeleteRouteCommandInput) =>
  (i.DestinationCidrBlock && r.DestinationCidrBlock === i.DestinationCidrBlock) ||
  (i.DestinationIpv6CidrBlock && r.DestinationIpv6CidrBlock === i.DestinationIpv6CidrBlock) ||
  (i.DestinationPrefixListId && r.DestinationPrefixListId === i.DestinationPrefixListId);
const ec2Error = (code: string) =>
  Object.assign(new Error(`${code} message`), {
    name: code,
    Code: code,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

function wireEc2(): void {
  ec2Mock.on(DescribeRouteTablesCommand).callsFake((input: DescribeRouteTablesCommandInput) => {
    if (input.RouteTableIds) {
      const found = tables.filter((t) => input.RouteTableIds?.includes(t.RouteTableId as string));
      if (found.length === 0) throw ec2Error('InvalidRouteTableID.NotFound');
      return { RouteTables: structuredClone(found) };
    }
    // Filters as EC2 applies them (DescribeRouteTablesRequest.Filters): every filter must hold.
    const vpc = input.Filters?.find((f) => f.Name === 'vpc-id')?.Values?.[0];
    const main = input.Filters?.find((f) => f.Name === 'association.main')?.Values?.[0];
    const kept = tables.filter(
      (t) =>
        (vpc === undefined || t.VpcId === vpc) &&
        (main === undefined || String(t.Associations?.some((a) => a.Main) ?? false) === main),
    );
    return { RouteTables: structuredClone(kept) };
  });
  ec2Mock.on(AssociateRouteTableCommand).callsFake((input: AssociateRouteTableCommandInput) => {
    if (tables.some((t) => t.Associations?.some((a) => a.SubnetId === input.SubnetId))) throw ec2Error('Resource.AlreadyAssociated');
    nextAssociation += 1;
    const id = `rtbassoc-0a1b2c3d4e5f68${nextAssociation.toString(16)}`;
    move(input.SubnetId as string, input.RouteTableId as string, id);
    return { AssociationId: id, AssociationState: { State: 'associated' } };
  });
  ec2Mock.on(DescribeSubnetsCommand).callsFake(() => ({ Subnets: structuredClone(subnets) }));
  ec2Mock.on(DeleteRouteCommand).callsFake((input: DeleteRouteCommandInput) => {
    const t = tables.find((x) => x.RouteTableId === input.RouteTableId);
    const index = t?.Routes?.findIndex((r) => sameDestination(r, input)) ?? -1;
    if (!t || index < 0) throw ec2Error('InvalidRoute.NotFound');
    t.Routes?.splice(index, 1);
    return {};
  });
  ec2Mock
    .on(ReplaceRouteTableAssociationCommand)
    .callsFake((input: ReplaceRouteTableAssociationCommandInput) => {
      const current = tables
        .flatMap((t) => t.Associations ?? [])
        .find((a) => a.RouteTableAssociationId === input.AssociationId);
      if (!current?.SubnetId) throw ec2Error('InvalidAssociationID.NotFound');
      nextAssociation += 1;
      const id = `rtbassoc-0a1b2c3d4e5f68${nextAssociation.toString(16)}`;
      move(current.SubnetId, input.RouteTableId as string, id);
      return { NewAssociationId: id, AssociationState: { State: 'associated' } };
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

// ---- helpers -----------------------------------------------------------------------------------

const sample = freshSample;

const calls = () => sentCommands(ec2Mock);
const byId = (id: string) => ['DescribeRouteTables', { RouteTableIds: [id] }];
const ofVpc = ['DescribeRouteTables', { Filters: [{ Name: 'vpc-id', Values: [VPC] }], MaxResults: 100 }];
const subnetsOfVpc = ['DescribeSubnets', { Filters: [{ Name: 'vpc-id', Values: [VPC] }], MaxResults: 1000 }];
const MUTATING = ['DeleteRoute', 'ReplaceRouteTableAssociation', 'AssociateRouteTable'];
const mainTables = ['DescribeRouteTables', { MaxResults: 100, Filters: [{ Name: 'association.main', Values: ['true'] }] }];
/** A subnet's explicit association removed (DisassociateRouteTable): it falls back to the main table. */
const disassociate = (subnetId: string) => {
  for (const t of tables) t.Associations = t.Associations?.filter((a) => a.SubnetId !== subnetId);
};
const mutatingCalls = () => calls().filter(([name]) => MUTATING.includes(name as string));
const internetRoutesOfDatabaseSubnets = () =>
  tables
    .filter((t) => t.Associations?.some((a) => a.SubnetId === SUB.db1 || a.SubnetId === SUB.db2))
    .flatMap((t) => t.Routes ?? [])
    .filter((r) => r.GatewayId?.startsWith('igw-'));

const run = async (event: Record<string, unknown>) => (await handler(event, context)) as Outcome;

// ---- tests ---------------------------------------------------------------------------------------

describe('route-table handler: routes', () => {
  it.each([
    {
      name: 'IGW route on the database table',
      file: 'CreateRoute/igw-on-database-table',
      inject: () => addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW })),
      table: RT.database,
      delete: { RouteTableId: RT.database, DestinationCidrBlock: '0.0.0.0/0' },
      main: false,
    },
    {
      name: 'IPv6 IGW route on the database table',
      file: 'CreateRoute/ipv6-igw-on-database-table',
      inject: () => addRoute(RT.database, route({ DestinationIpv6CidrBlock: '::/0' }, { GatewayId: IGW })),
      table: RT.database,
      delete: { RouteTableId: RT.database, DestinationIpv6CidrBlock: '::/0' },
      main: false,
    },
    {
      name: 'prefix-list IGW route on the database table',
      file: 'CreateRoute/prefix-list-igw',
      inject: () =>
        addRoute(RT.database, route({ DestinationPrefixListId: 'pl-0a1b2c3d4e5f6a002' }, { GatewayId: IGW })),
      table: RT.database,
      delete: { RouteTableId: RT.database, DestinationPrefixListId: 'pl-0a1b2c3d4e5f6a002' },
      main: false,
    },
    {
      name: 'ReplaceRoute NAT -> IGW on the database table',
      file: 'ReplaceRoute/nat-to-igw-on-database-table',
      inject: () => addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW })),
      table: RT.database,
      delete: { RouteTableId: RT.database, DestinationCidrBlock: '0.0.0.0/0' },
      main: false,
    },
    {
      // SEC05-BP01: no route to the internet, outbound included, so NAT is forbidden by default.
      name: 'NAT route on the database table (default policy)',
      file: 'CreateRoute/nat-on-database-table',
      inject: () => addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { NatGatewayId: NAT })),
      table: RT.database,
      delete: { RouteTableId: RT.database, DestinationCidrBlock: '0.0.0.0/0' },
      main: false,
    },
    {
      name: 'IGW route on the main table used implicitly by the database subnets',
      file: 'CreateRoute/igw-on-main-table',
      inject: () => {
        const db = find(RT.database);
        db.Associations = [];
        addRoute(RT.main, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW }));
      },
      table: RT.main,
      delete: { RouteTableId: RT.main, DestinationCidrBlock: '0.0.0.0/0' },
      main: true,
    },
  ])('$name: deletes exactly that route, verified', async ({ file, inject, table, delete: input, main }) => {
    // Prepare
    inject();
    // Act
    const outcome = await run(sample(file));
    // Assess
    expect(outcome.outcome).toBe('remediated');
    expect(calls()).toEqual([
      byId(table),
      ...(main ? [ofVpc, subnetsOfVpc] : [subnetsOfVpc]),
      ['DeleteRoute', input],
      byId(table),
    ]);
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteRouteCommand, 1);
    expect(find(table).Routes?.filter((r) => r.GatewayId?.startsWith('igw-') || r.NatGatewayId)).toEqual([]);
    expect(find(RT.public).Routes).toHaveLength(2); // the public table keeps its internet route
    expect(outcome.reason).toContain(`${SUB.db1}, ${SUB.db2}`);
    expect(outcome.resources).toEqual([table, SUB.db1, SUB.db2]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC });
    expect(String(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message)).toContain(SUB.db1);
    expect(eventBridgeMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it.each([
    {
      name: 'IGW route on the public table',
      file: 'CreateRoute/igw-on-public-table',
      inject: () => addRoute(RT.public, route({ DestinationIpv6CidrBlock: '::/0' }, { GatewayId: IGW })),
      outcome: 'ignored',
      expected: [byId(RT.public), subnetsOfVpc],
    },
    {
      name: 'a failed CreateRoute',
      file: 'CreateRoute/failed-call',
      inject: () => undefined,
      outcome: 'ignored',
      expected: [],
    },
    {
      name: 'IGW route already deleted',
      file: 'CreateRoute/igw-on-database-table',
      inject: () => undefined,
      outcome: 'already-compliant',
      expected: [byId(RT.database)],
    },
    {
      name: 'IGW route on the main table that no subnet uses',
      file: 'CreateRoute/igw-on-main-table',
      inject: () => addRoute(RT.main, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW })),
      outcome: 'ignored',
      expected: [byId(RT.main), ofVpc, subnetsOfVpc],
    },
    {
      name: 'an exempt database table',
      file: 'CreateRoute/igw-on-database-table',
      inject: () => {
        addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW }));
        tag(RT.database, { Tier: 'Database', 'layerguard:exempt': `until=${dayFrom(new Date(), 30)};reason=migration` });
      },
      outcome: 'exempt',
      expected: [byId(RT.database), subnetsOfVpc],
    },
  ])('$name: $outcome, no mutating call', async ({ file, inject, outcome, expected }) => {
    inject();
    const result = await run(sample(file));
    expect(result.outcome).toBe(outcome);
    expect(calls()).toEqual(expected);
    expect(mutatingCalls()).toEqual([]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('a route table that no longer exists is already-compliant', async () => {
    tables = tables.filter((t) => t.RouteTableId !== RT.database);
    const outcome = await run(sample('CreateRoute/igw-on-database-table'));
    expect(outcome.outcome).toBe('already-compliant');
    expect(calls()).toEqual([byId(RT.database)]);
  });

  it('InvalidRoute.NotFound from DeleteRoute after a race is already-compliant', async () => {
    addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW }));
    ec2Mock.on(DeleteRouteCommand).callsFake(() => {
      find(RT.database).Routes = [LOCAL]; // someone else deleted it first
      throw ec2Error('InvalidRoute.NotFound');
    });
    const outcome = await run(sample('CreateRoute/igw-on-database-table'));
    expect(outcome.outcome).toBe('already-compliant');
    expect(outcome.actions).toEqual([
      expect.objectContaining({ type: 'delete-route', result: 'already-gone' }),
    ]);
    expect(calls().map(([name]) => name)).toEqual([
      'DescribeRouteTables',
      'DescribeSubnets',
      'DeleteRoute',
      'DescribeRouteTables',
    ]);
  });

  it('a redelivered event returns the first outcome without calling EC2 again', async () => {
    addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW }));
    const event = sample('CreateRoute/igw-on-database-table');
    const first = await run(event);
    const count = ec2Mock.calls().length;
    expect(await run(event)).toEqual(first);
    expect(ec2Mock.calls()).toHaveLength(count);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(eventBridgeMock).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('a route that is still there after DeleteRoute fails the invocation (retried, then dead-lettered)', async () => {
    addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW }));
    ec2Mock.on(DeleteRouteCommand).resolves({});
    await expect(run(sample('CreateRoute/igw-on-database-table'))).rejects.toThrow(
      /still on rtb-0a1b2c3d4e5f64003/,
    );
  });

  it('an EC2 error other than NotFound fails the invocation', async () => {
    addRoute(RT.database, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW }));
    ec2Mock.on(DeleteRouteCommand).rejects(ec2Error('UnauthorizedOperation'));
    await expect(run(sample('CreateRoute/igw-on-database-table'))).rejects.toThrow(/UnauthorizedOperation/);
  });
});

describe('route-table handler: associations', () => {
  it('AssociateRouteTable of a database subnet to the public table: moved to the database table', async () => {
    move(SUB.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f68101');
    const outcome = await run(sample('AssociateRouteTable/database-subnet-to-public-table'));
    expect(outcome.outcome).toBe('remediated');
    expect(calls()).toEqual([
      byId(RT.public),
      ofVpc,
      subnetsOfVpc,
      [
        'ReplaceRouteTableAssociation',
        { AssociationId: 'rtbassoc-0a1b2c3d4e5f68101', RouteTableId: RT.database },
      ],
      byId(RT.database),
    ]);
    expect(internetRoutesOfDatabaseSubnets()).toEqual([]);
    expect(outcome.actions).toEqual([
      expect.objectContaining({
        type: 'replace-association',
        result: 'done',
        newAssociationId: 'rtbassoc-0a1b2c3d4e5f68201',
      }),
    ]);
    expect(outcome.reason).toContain(
      `moved isolated subnet ${SUB.db2} from ${RT.public} to ${RT.database}`,
    );
  });

  it('ReplaceRouteTableAssociation: the subnet is found from the new association id', async () => {
    move(SUB.db1, RT.public, 'rtbassoc-0a1b2c3d4e5f68102');
    const outcome = await run(sample('ReplaceRouteTableAssociation/database-subnet-to-public-table'));
    expect(outcome.outcome).toBe('remediated');
    expect(mutatingCalls()).toEqual([
      [
        'ReplaceRouteTableAssociation',
        { AssociationId: 'rtbassoc-0a1b2c3d4e5f68102', RouteTableId: RT.database },
      ],
    ]);
    expect(internetRoutesOfDatabaseSubnets()).toEqual([]);
  });

  it.each([
    {
      name: 'the association was already moved back',
      file: 'AssociateRouteTable/database-subnet-to-public-table',
      inject: () => undefined,
      outcome: 'already-compliant',
      expected: [byId(RT.public)],
    },
    {
      // The private table's NAT route is forbidden for isolated subnets, so the subnet's tier is read.
      name: 'an application subnet onto the private table (a NAT route)',
      file: 'AssociateRouteTable/app-subnet-to-private-table',
      inject: () => move(SUB.private2, RT.private, 'rtbassoc-0a1b2c3d4e5f68103'),
      outcome: 'ignored',
      expected: [byId(RT.private), ofVpc, subnetsOfVpc],
    },
    {
      name: 'a failed AssociateRouteTable',
      file: 'AssociateRouteTable/failed-call',
      inject: () => undefined,
      outcome: 'ignored',
      expected: [],
    },
    {
      name: 'no isolated route table (alert-only)',
      file: 'AssociateRouteTable/database-subnet-to-public-table',
      inject: () => {
        move(SUB.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f68101');
        tag(RT.database, { Name: 'database' });
      },
      outcome: 'alert-only',
      expected: [byId(RT.public), ofVpc, subnetsOfVpc],
    },
    {
      name: 'two isolated route tables (alert-only)',
      file: 'AssociateRouteTable/database-subnet-to-public-table',
      inject: () => {
        move(SUB.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f68101');
        tables.push({
          RouteTableId: 'rtb-0a1b2c3d4e5f6ffff',
          VpcId: VPC,
          Routes: [LOCAL],
          Associations: [],
          Tags: tags({ Tier: 'Database' }),
        });
      },
      outcome: 'alert-only',
      expected: [byId(RT.public), ofVpc, subnetsOfVpc],
    },
    {
      name: 'an exempt database subnet',
      file: 'AssociateRouteTable/database-subnet-to-public-table',
      inject: () => {
        move(SUB.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f68101');
        const s = subnets.find((x) => x.SubnetId === SUB.db2) as Ec2Subnet;
        s.Tags = tags({ Tier: 'Database', 'layerguard:exempt': `until=${dayFrom(new Date(), 30)};reason=replication test` });
      },
      outcome: 'exempt',
      expected: [byId(RT.public), ofVpc, subnetsOfVpc],
    },
  ])('$name: $outcome, no mutating call', async ({ file, inject, outcome, expected }) => {
    inject();
    const result = await run(sample(file));
    expect(result.outcome).toBe(outcome);
    expect(calls()).toEqual(expected);
    expect(mutatingCalls()).toEqual([]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    if (outcome === 'alert-only')
      expect(result.humanAction).toContain('aws ec2 replace-route-table-association');
  });

  it('InvalidAssociationID.NotFound after a race is already-compliant', async () => {
    move(SUB.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f68101');
    ec2Mock.on(ReplaceRouteTableAssociationCommand).callsFake(() => {
      move(SUB.db2, RT.database, 'rtbassoc-0a1b2c3d4e5f68999'); // someone else moved it back first
      throw ec2Error('InvalidAssociationID.NotFound');
    });
    const outcome = await run(sample('AssociateRouteTable/database-subnet-to-public-table'));
    expect(outcome.outcome).toBe('already-compliant');
    expect(calls().at(-1)).toEqual(byId(RT.public));
    expect(internetRoutesOfDatabaseSubnets()).toEqual([]);
  });

  it("a security-group event is not this function's: ignored with a reason, no call", async () => {
    const result = await handler(sample('AuthorizeSecurityGroupIngress/world-open-ssh'), context);
    expect(result.outcome).toBe('ignored');
    expect(calls()).toEqual([]);
  });
});

describe('route-table handler: disassociations', () => {
  const internetMain = () => addRoute(RT.main, route({ DestinationCidrBlock: '0.0.0.0/0' }, { GatewayId: IGW }));

  it('DisassociateRouteTable of a database subnet onto an internet main table: associated with the database table again', async () => {
    internetMain();
    disassociate(SUB.db1);
    const outcome = await run(sample('DisassociateRouteTable/database-subnet-off-database-table'));
    expect(outcome.outcome).toBe('remediated');
    expect(calls()).toEqual([
      mainTables,
      ofVpc,
      subnetsOfVpc,
      ['AssociateRouteTable', { RouteTableId: RT.database, SubnetId: SUB.db1 }],
      byId(RT.database),
    ]);
    expect(internetRoutesOfDatabaseSubnets()).toEqual([]);
    // The main table keeps its route: the event moved a subnet, it did not add the route.
    expect(find(RT.main).Routes).toContainEqual(expect.objectContaining({ GatewayId: IGW }));
    expect(outcome.actions).toEqual([
      { type: 'associate-subnet', subnetId: SUB.db1, fromRouteTableId: RT.main, toRouteTableId: RT.database, result: 'done', newAssociationId: 'rtbassoc-0a1b2c3d4e5f68201' },
    ]);
    expect(outcome.drift).toEqual([
      { kind: 'isolated-subnet-on-internet-table', subnetId: SUB.db1, routeTableId: RT.main, isolatedRouteTableId: RT.database },
    ]);
    expect(outcome.resources).toEqual([RT.main, SUB.db1, RT.database]);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it.each([
    {
      name: 'a main table with no forbidden route: its VPC is not read',
      file: 'DisassociateRouteTable/database-subnet-off-database-table',
      inject: () => disassociate(SUB.db1),
      outcome: 'ignored',
      expected: [mainTables],
    },
    {
      name: 'an application subnet onto an internet main table',
      file: 'DisassociateRouteTable/app-subnet-off-private-table',
      inject: () => {
        internetMain();
        disassociate(SUB.private1);
      },
      outcome: 'ignored',
      expected: [mainTables, ofVpc, subnetsOfVpc],
    },
    {
      name: 'a failed DisassociateRouteTable',
      file: 'DisassociateRouteTable/failed-call',
      inject: internetMain,
      outcome: 'ignored',
      expected: [],
    },
    {
      name: 'no isolated route table (alert-only)',
      file: 'DisassociateRouteTable/database-subnet-off-database-table',
      inject: () => {
        internetMain();
        disassociate(SUB.db1);
        tag(RT.database, { Name: 'database' });
      },
      outcome: 'alert-only',
      expected: [mainTables, ofVpc, subnetsOfVpc],
    },
  ])('$name: $outcome, no mutating call', async ({ file, inject, outcome, expected }) => {
    inject();
    const result = await run(sample(file));
    expect(result.outcome).toBe(outcome);
    expect(calls()).toEqual(expected);
    expect(mutatingCalls()).toEqual([]);
    if (outcome === 'alert-only') expect(result.humanAction).toContain(`aws ec2 associate-route-table --subnet-id ${SUB.db1}`);
  });

  it('Resource.AlreadyAssociated after a race fails the invocation; the retry finds the subnet back and changes nothing', async () => {
    internetMain();
    disassociate(SUB.db1);
    ec2Mock.on(AssociateRouteTableCommand).callsFake(() => {
      move(SUB.db1, RT.database, 'rtbassoc-0a1b2c3d4e5f68999'); // someone else associated it first
      throw ec2Error('Resource.AlreadyAssociated');
    });
    const event = sample('DisassociateRouteTable/database-subnet-off-database-table');
    await expect(run(event)).rejects.toThrow(/Resource.AlreadyAssociated/);
    ec2Mock.resetHistory();
    const retried = await run(event);
    expect(retried.outcome).toBe('ignored');
    expect(retried.reason).toBe(
      `no isolated subnet uses ${RT.main} implicitly: the subnet of rtbassoc-0a1b2c3d4e5f68031 is not isolated, or has an explicit association again`,
    );
    expect(mutatingCalls()).toEqual([]);
    expect(internetRoutesOfDatabaseSubnets()).toEqual([]);
  });
});
