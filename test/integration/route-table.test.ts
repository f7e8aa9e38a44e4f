import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateManagedPrefixListCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  type RouteTable as Ec2RouteTable,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClients } from '../../functions/adapters/clients.js';
import type { Change } from '../../functions/core/change.js';
import type { NetworkApi, RouteDestination } from '../../functions/core/network.js';
import type { Outcome, Trigger } from '../../functions/core/outcome.js';
import type { PipelineDeps } from '../../functions/pipeline/deps.js';
import { remediateAssociation, remediateDisassociation, remediateRoute } from '../../functions/pipeline/route-table.js';
import { motoEndpoint, motoPipeline, useMoto } from '../support/moto.js';

/*
 * The route-table remediators through the EC2 adapter, over real HTTP against moto: each test builds
 * its own three-tier VPC with real calls (never resetting moto, which other files share), injects
 * one drift with a real call, runs the remediator twice (the second run is already-compliant), and
 * checks with DescribeRouteTables that the database subnets have no internet route and that the
 * rest of the VPC is as it was.
 */

const endpoint = motoEndpoint();
const tagSpec = (resourceType: 'subnet' | 'route-table', tags: Record<string, string>) => [
  { ResourceType: resourceType, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
];

interface Vpc {
  vpcId: string;
  igw: string;
  nat: string;
  main: string;
  public: string;
  private: string;
  database: string;
  subnets: { web: string[]; app: string[]; db: string[] };
}

describe.skipIf(!endpoint)(`route-table remediation against moto (${endpoint ?? 'unavailable'})`, () => {
  useMoto();
  let client: EC2Client;
  let network: NetworkApi;
  let deps: PipelineDeps;

  beforeAll(() => {
    ({ client, network, deps } = motoPipeline());
  });
  afterAll(() => {
    client?.destroy();
    resetClients();
  });

  /** The SEC05-BP01 three tiers, with real calls. `databaseOnMain`: the database subnets keep the main table. */
  async function threeTierVpc(opts: { databaseOnMain?: boolean; webOnMain?: boolean } = {}): Promise<Vpc> {
    const vpcId = (await client.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc
      ?.VpcId as string;
    const subnet = async (cidr: string, tier: string) =>
      (
        await client.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: cidr,
            TagSpecifications: tagSpec('subnet', { Tier: tier }),
          }),
        )
      ).Subnet?.SubnetId as string;
    const subnets = {
      web: [await subnet('10.0.1.0/24', 'Web'), await subnet('10.0.2.0/24', 'Web')],
      app: [await subnet('10.0.11.0/24', 'Application'), await subnet('10.0.12.0/24', 'Application')],
      db: [await subnet('10.0.21.0/24', 'Database'), await subnet('10.0.22.0/24', 'Database')],
    };
    const igw = (await client.send(new CreateInternetGatewayCommand({}))).InternetGateway
      ?.InternetGatewayId as string;
    await client.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const eip = (await client.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId as string;
    const nat = (
      await client.send(new CreateNatGatewayCommand({ SubnetId: subnets.web[0], AllocationId: eip }))
    ).NatGateway?.NatGatewayId as string;
    const table = async (tier: string) =>
      (
        await client.send(
          new CreateRouteTableCommand({
            VpcId: vpcId,
            TagSpecifications: tagSpec('route-table', { Tier: tier }),
          }),
        )
      ).RouteTable?.RouteTableId as string;
    const publicTable = await table('Web');
    const privateTable = await table('Application');
    const databaseTable = await table('Database');
    await client.send(
      new CreateRouteCommand({
        RouteTableId: publicTable,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igw,
      }),
    );
    await client.send(
      new CreateRouteCommand({
        RouteTableId: privateTable,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: nat,
      }),
    );
    const associate = (RouteTableId: string, SubnetId: string) =>
      client.send(new AssociateRouteTableCommand({ RouteTableId, SubnetId }));
    if (!opts.webOnMain) for (const s of subnets.web) await associate(publicTable, s);
    for (const s of subnets.app) await associate(privateTable, s);
    if (!opts.databaseOnMain) for (const s of subnets.db) await associate(databaseTable, s);
    const main = (await routeTablesOf(vpcId)).find((t) => t.Associations?.some((a) => a.Main))
      ?.RouteTableId as string;
    return {
      vpcId,
      igw,
      nat,
      main,
      public: publicTable,
      private: privateTable,
      database: databaseTable,
      subnets,
    };
  }

  const routeTablesOf = async (vpcId: string): Promise<Ec2RouteTable[]> =>
    (await client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
      .RouteTables ?? [];

  /** Each table's routes, and the table each subnet uses (explicitly, else the main table): compared before and after. */
  async function layout(vpc: Vpc) {
    const tables = await routeTablesOf(vpc.vpcId);
    const routes: Record<string, string[]> = Object.fromEntries(
      tables.map((t) => [
        t.RouteTableId,
        (t.Routes ?? [])
          .map(
            (r) =>
              `${r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId} -> ${r.GatewayId ?? r.NatGatewayId}`,
          )
          .sort(),
      ]),
    );
    const all = [...vpc.subnets.web, ...vpc.subnets.app, ...vpc.subnets.db];
    const effective: Record<string, string> = Object.fromEntries(
      all.map((s) => [
        s,
        tables.find((t) =>
          t.Associations?.some((a) => a.SubnetId === s && a.AssociationState?.State !== 'disassociated'),
        )?.RouteTableId ?? vpc.main,
      ]),
    );
    return { routes, effective };
  }

  /** Internet routes of the tables the database subnets use, read with DescribeRouteTables. */
  async function databaseInternetRoutes(vpc: Vpc): Promise<string[]> {
    const { routes, effective } = await layout(vpc);
    return vpc.subnets.db.flatMap((s) =>
      (routes[effective[s] as string] ?? []).filter((r: string) => r.includes('igw-')),
    );
  }

  let sequence = 0;
  const trigger = (eventName: string): Trigger => {
    sequence += 1;
    return {
      eventId: `moto-${sequence}`,
      eventName,
      eventTime: new Date().toISOString(),
      eventSource: 'ec2.amazonaws.com',
      source: 'aws.ec2',
    };
  };

  async function twice(change: Change): Promise<[Outcome, Outcome]> {
    const run = () =>
      change.kind === 'route'
        ? remediateRoute(change, trigger(change.eventName), deps)
        : remediateAssociation(
            change as Extract<Change, { kind: 'association' }>,
            trigger(change.eventName),
            deps,
          );
    const first = await run();
    const second = await run();
    return [first, second];
  }

  const routeChange = (
    routeTableId: string,
    destination: RouteDestination,
    gatewayId: string,
    eventName: 'CreateRoute' | 'ReplaceRoute' = 'CreateRoute',
  ): Change => ({ kind: 'route', eventName, routeTableId, destination, target: { gatewayId } });

  it('IGW route on the database table: deleted; the rest untouched', async () => {
    const vpc = await threeTierVpc();
    const before = await layout(vpc);
    await client.send(
      new CreateRouteCommand({
        RouteTableId: vpc.database,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: vpc.igw,
      }),
    );
    expect(await databaseInternetRoutes(vpc)).toHaveLength(2);

    const [first, second] = await twice(routeChange(vpc.database, { cidrIpv4: '0.0.0.0/0' }, vpc.igw));

    expect(first.outcome).toBe('remediated');
    expect(first.reason).toContain([...vpc.subnets.db].sort().join(', '));
    expect(second.outcome).toBe('already-compliant');
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(await layout(vpc)).toEqual(before);
  });

  it('IGW route on the main table that the database subnets use implicitly', async () => {
    const vpc = await threeTierVpc({ databaseOnMain: true });
    const before = await layout(vpc);
    await client.send(
      new CreateRouteCommand({
        RouteTableId: vpc.main,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: vpc.igw,
      }),
    );
    expect(await databaseInternetRoutes(vpc)).toHaveLength(2);

    const [first, second] = await twice(routeChange(vpc.main, { cidrIpv4: '0.0.0.0/0' }, vpc.igw));

    expect(first.outcome).toBe('remediated');
    expect(first.drift).toEqual([expect.objectContaining({ subnetIds: [...vpc.subnets.db].sort() })]);
    expect(second.outcome).toBe('already-compliant');
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(await layout(vpc)).toEqual(before);
  });

  it('IPv6 IGW route on the database table', async () => {
    const vpc = await threeTierVpc();
    const before = await layout(vpc);
    await client.send(
      new CreateRouteCommand({
        RouteTableId: vpc.database,
        DestinationIpv6CidrBlock: '::/0',
        GatewayId: vpc.igw,
      }),
    );

    const [first, second] = await twice(routeChange(vpc.database, { cidrIpv6: '::/0' }, vpc.igw));

    expect([first.outcome, second.outcome]).toEqual(['remediated', 'already-compliant']);
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(await layout(vpc)).toEqual(before);
  });

  it('prefix-list IGW route on the database table', async () => {
    const vpc = await threeTierVpc();
    const before = await layout(vpc);
    const prefixListId = (
      await client.send(
        new CreateManagedPrefixListCommand({
          PrefixListName: `lg-${Date.now()}`,
          AddressFamily: 'IPv4',
          MaxEntries: 5,
          Entries: [{ Cidr: '203.0.113.0/24' }],
        }),
      )
    ).PrefixList?.PrefixListId as string;
    await client.send(
      new CreateRouteCommand({
        RouteTableId: vpc.database,
        DestinationPrefixListId: prefixListId,
        GatewayId: vpc.igw,
      }),
    );
    expect(await databaseInternetRoutes(vpc)).toHaveLength(2);

    const [first, second] = await twice(routeChange(vpc.database, { prefixListId }, vpc.igw));

    expect([first.outcome, second.outcome]).toEqual(['remediated', 'already-compliant']);
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(await layout(vpc)).toEqual(before);
  });

  it('ReplaceRoute NAT -> IGW on the database table: the route is deleted (the old target is unknown)', async () => {
    const vpc = await threeTierVpc();
    const before = await layout(vpc);
    await client.send(
      new CreateRouteCommand({
        RouteTableId: vpc.database,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: vpc.nat,
      }),
    );
    await client.send(
      new ReplaceRouteCommand({
        RouteTableId: vpc.database,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: vpc.igw,
      }),
    );

    const [first, second] = await twice(
      routeChange(vpc.database, { cidrIpv4: '0.0.0.0/0' }, vpc.igw, 'ReplaceRoute'),
    );

    expect([first.outcome, second.outcome]).toEqual(['remediated', 'already-compliant']);
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(await layout(vpc)).toEqual(before);
  });

  it('ReplaceRouteTableAssociation of a database subnet to the public table: moved back', async () => {
    const vpc = await threeTierVpc();
    const before = await layout(vpc);
    const [db1] = vpc.subnets.db as [string];
    const current = (await routeTablesOf(vpc.vpcId))
      .flatMap((t) => t.Associations ?? [])
      .find((a) => a.SubnetId === db1)?.RouteTableAssociationId as string;
    const replaced = await client.send(
      new ReplaceRouteTableAssociationCommand({ AssociationId: current, RouteTableId: vpc.public }),
    );
    expect(await databaseInternetRoutes(vpc)).toHaveLength(1);

    const [first, second] = await twice({
      kind: 'association',
      eventName: 'ReplaceRouteTableAssociation',
      routeTableId: vpc.public,
      previousAssociationId: current,
      associationId: replaced.NewAssociationId as string,
    });

    expect(first.outcome).toBe('remediated');
    expect(first.actions).toEqual([
      expect.objectContaining({
        type: 'replace-association',
        subnetId: db1,
        toRouteTableId: vpc.database,
        result: 'done',
      }),
    ]);
    expect(second.outcome).toBe('already-compliant');
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(await layout(vpc)).toEqual(before);
  });

  it('AssociateRouteTable of an unassociated database subnet to the public table: moved to the database table', async () => {
    const vpc = await threeTierVpc({ databaseOnMain: true });
    const [, db2] = vpc.subnets.db as [string, string];
    const associated = await client.send(
      new AssociateRouteTableCommand({ RouteTableId: vpc.public, SubnetId: db2 }),
    );

    const [first, second] = await twice({
      kind: 'association',
      eventName: 'AssociateRouteTable',
      routeTableId: vpc.public,
      subnetId: db2,
      associationId: associated.AssociationId as string,
    });

    expect([first.outcome, second.outcome]).toEqual(['remediated', 'already-compliant']);
    expect((await layout(vpc)).effective[db2]).toBe(vpc.database);
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
  });

  it('IGW route on the public table is left alone; NAT on the database table is deleted (SEC05-BP01 default)', async () => {
    const vpc = await threeTierVpc();
    await client.send(
      new CreateRouteCommand({
        RouteTableId: vpc.database,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: vpc.nat,
      }),
    );
    const before = await layout(vpc);

    const publicRoute = await remediateRoute(
      {
        kind: 'route',
        eventName: 'CreateRoute',
        routeTableId: vpc.public,
        destination: { cidrIpv4: '0.0.0.0/0' },
        target: { gatewayId: vpc.igw },
      },
      trigger('CreateRoute'),
      deps,
    );
    expect(publicRoute.outcome).toBe('ignored');
    expect(await layout(vpc)).toEqual(before);

    const natRoute = await remediateRoute(
      {
        kind: 'route',
        eventName: 'CreateRoute',
        routeTableId: vpc.database,
        destination: { cidrIpv4: '0.0.0.0/0' },
        target: { natGatewayId: vpc.nat },
      },
      trigger('CreateRoute'),
      deps,
    );
    expect(natRoute.outcome).toBe('remediated');
    expect((await layout(vpc)).routes[vpc.database]).toEqual(['10.0.0.0/16 -> local']);
  });

  it('a database subnet shares the public table and the internet route is replaced: the route stays, the subnet moves', async () => {
    const vpc = await threeTierVpc();
    const dbAssociation = (await routeTablesOf(vpc.vpcId))
      .flatMap((t) => t.Associations ?? [])
      .find((a) => a.SubnetId === vpc.subnets.db[1])?.RouteTableAssociationId as string;
    await client.send(new ReplaceRouteTableAssociationCommand({ AssociationId: dbAssociation, RouteTableId: vpc.public }));
    await client.send(
      new ReplaceRouteCommand({ RouteTableId: vpc.public, DestinationCidrBlock: '0.0.0.0/0', GatewayId: vpc.igw }),
    );
    const before = await layout(vpc);

    const [first, second] = await twice(routeChange(vpc.public, { cidrIpv4: '0.0.0.0/0' }, vpc.igw, 'ReplaceRoute'));

    expect(first.outcome).toBe('remediated');
    expect(first.actions.map((a) => a.type)).toEqual(['replace-association']);
    const after = await layout(vpc);
    expect(after.routes).toEqual(before.routes); // the web tier keeps its only default route
    expect(after.effective).toEqual({ ...before.effective, [vpc.subnets.db[1] as string]: vpc.database });
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(second.outcome).toBe('ignored'); // only the web subnets use the public table now
  });

  it('default-VPC layout: web and database subnets on the main table; its internet route stays, the database subnets get the database table', async () => {
    const vpc = await threeTierVpc({ databaseOnMain: true, webOnMain: true });
    await client.send(new CreateRouteCommand({ RouteTableId: vpc.main, DestinationCidrBlock: '0.0.0.0/0', GatewayId: vpc.igw }));
    const before = await layout(vpc);
    expect(await databaseInternetRoutes(vpc)).toHaveLength(2);

    const [first, second] = await twice(routeChange(vpc.main, { cidrIpv4: '0.0.0.0/0' }, vpc.igw));

    expect(first.outcome).toBe('remediated');
    expect(first.actions.map((a) => a.type)).toEqual(['associate-subnet', 'associate-subnet']);
    const after = await layout(vpc);
    expect(after.routes).toEqual(before.routes);
    for (const web of vpc.subnets.web) expect(after.effective[web]).toBe(vpc.main);
    for (const db of vpc.subnets.db) expect(after.effective[db]).toBe(vpc.database);
    expect(await databaseInternetRoutes(vpc)).toEqual([]);
    expect(second.outcome).toBe('ignored');
  });

  /**
   * A disassociation is judged across the region's main tables (its record names no VPC), so it plays
   * in a region of its own: the other tests' VPCs in the shared moto are not its to judge. moto keeps
   * each region's resources apart, as EC2 does.
   */
  async function inOwnRegion(region: string, fn: () => Promise<void>): Promise<void> {
    const saved = { client, network, deps };
    ({ client, network, deps } = motoPipeline(region));
    try {
      await fn();
    } finally {
      client.destroy();
      ({ client, network, deps } = saved);
    }
  }

  const disassociateOf = async (vpc: Vpc, subnetId: string): Promise<string> => {
    const association = (await routeTablesOf(vpc.vpcId))
      .flatMap((t) => t.Associations ?? [])
      .find((a) => a.SubnetId === subnetId)?.RouteTableAssociationId as string;
    await client.send(new DisassociateRouteTableCommand({ AssociationId: association }));
    return association;
  };
  const disassociation = (associationId: string): Extract<Change, { kind: 'disassociation' }> => ({
    kind: 'disassociation',
    eventName: 'DisassociateRouteTable',
    associationId,
  });

  it('DisassociateRouteTable of a database subnet onto a main table with an internet route: associated with the database table again', () =>
    inOwnRegion('eu-west-3', async () => {
      const vpc = await threeTierVpc();
      await client.send(new CreateRouteCommand({ RouteTableId: vpc.main, DestinationCidrBlock: '0.0.0.0/0', GatewayId: vpc.igw }));
      const before = await layout(vpc);
      const [db1] = vpc.subnets.db as [string];
      const association = await disassociateOf(vpc, db1);
      expect((await layout(vpc)).effective[db1]).toBe(vpc.main);
      expect(await databaseInternetRoutes(vpc)).toHaveLength(1);

      const first = await remediateDisassociation(disassociation(association), trigger('DisassociateRouteTable'), deps);
      const second = await remediateDisassociation(disassociation(association), trigger('DisassociateRouteTable'), deps);

      expect(first.outcome).toBe('remediated');
      expect(first.actions).toEqual([
        expect.objectContaining({ type: 'associate-subnet', subnetId: db1, fromRouteTableId: vpc.main, toRouteTableId: vpc.database, result: 'done' }),
      ]);
      expect(await databaseInternetRoutes(vpc)).toEqual([]);
      // Every table keeps its routes (the main table its internet route); every subnet is where it was.
      expect(await layout(vpc)).toEqual(before);
      expect(second.outcome).toBe('ignored');
    }));

  it('DisassociateRouteTable: an app subnet onto the internet main table, or a database subnet onto a main table with no internet route, is left alone', () =>
    inOwnRegion('eu-west-3', async () => {
      const vpc = await threeTierVpc();
      const [, db2] = vpc.subnets.db as [string, string];
      const onLocalMain = await disassociateOf(vpc, db2);
      const quiet = await remediateDisassociation(disassociation(onLocalMain), trigger('DisassociateRouteTable'), deps);
      expect(quiet.outcome).toBe('ignored');
      expect((await layout(vpc)).effective[db2]).toBe(vpc.main);

      // Put it back, give the main table a route to the internet gateway, and take the app subnet off its table.
      await client.send(new AssociateRouteTableCommand({ RouteTableId: vpc.database, SubnetId: db2 }));
      await client.send(new CreateRouteCommand({ RouteTableId: vpc.main, DestinationCidrBlock: '0.0.0.0/0', GatewayId: vpc.igw }));
      const [app1] = vpc.subnets.app as [string];
      const offPrivate = await disassociateOf(vpc, app1);
      const before = await layout(vpc);
      const app = await remediateDisassociation(disassociation(offPrivate), trigger('DisassociateRouteTable'), deps);
      expect(app.outcome).toBe('ignored');
      expect(app.actions).toEqual([]);
      expect(await layout(vpc)).toEqual(before);
    }));
});
