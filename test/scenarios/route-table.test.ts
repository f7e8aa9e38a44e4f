import { describe, expect, it } from 'vitest';
import type { Injected } from '../../events/generator/inject.js';
import { inject } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { Ec2Error } from '../../events/simulated-account/ec2-error.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import type { CallRecord } from '../../events/simulated-account/network.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import { toChange } from '../../functions/core/change.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import { toTrigger } from '../../functions/core/guards.js';
import type { NetworkApi } from '../../functions/core/network.js';
import { DEFAULT_POLICY, parsePolicy } from '../../functions/core/policy.js';
import { remediateAssociation, remediateRoute, ROUTE_TABLE_REMEDIATORS } from '../../functions/pipeline/route-table.js';
import { dayFrom } from '../../functions/core/exemption.js';

const B = BASELINE;
const RT = B.routeTables;
const SUB = B.subnets;
const IGW = B.internetGatewayId;
const NAT = B.natGatewayId;
const DATABASE_SUBNETS: readonly string[] = [SUB.database1, SUB.database2];
const remediators = ROUTE_TABLE_REMEDIATORS;

/** Database subnets whose effective route table routes anywhere through an internet gateway. */
/** An internet path by SEC05-BP01's default (in or out): internet, egress-only, NAT or carrier gateway ids. */
const INTERNET_PATH = /^(igw|eigw|nat|cagw)-/;
const exposed = (account: SimulatedAccount): readonly string[] =>
  DATABASE_SUBNETS.filter((id) =>
    account
      .effectiveRouteTable(id)
      ?.routes.some((r) => [r.gatewayId, r.natGatewayId, r.egressOnlyInternetGatewayId, r.carrierGatewayId].some((t) => t && INTERNET_PATH.test(t))),
  );

/** Every table's routes and every subnet's effective table: what "the rest is untouched" compares. */
const layout = (account: SimulatedAccount) => ({
  routes: Object.fromEntries(Object.values(RT).map((id) => [id, account.routeTable(id)?.routes])),
  tables: Object.fromEntries(
    Object.values(SUB).map((id) => [id, account.effectiveRouteTable(id)?.routeTableId]),
  ),
});

/** Sequential round trips: calls that start after every earlier call has ended begin a new trip. */
const roundTrips = (calls: readonly CallRecord[]): number => {
  let trips = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const c of [...calls].sort((a, b) => a.startedAt - b.startedAt)) {
    if (c.startedAt >= end) {
      trips += 1;
      end = c.endedAt;
    } else {
      end = Math.max(end, c.endedAt);
    }
  }
  return trips;
};

const redelivered = (injected: Injected, eventID: string) => {
  const copy = structuredClone(injected.event) as { detail: { eventID: string } };
  copy.detail.eventID = eventID;
  return copy;
};

/** Makes the database subnets use the main table implicitly (no explicit association). */
const databaseOnMainTable = (account: SimulatedAccount) => {
  for (const a of [...account.associations.values()]) {
    if (a.subnetId && DATABASE_SUBNETS.includes(a.subnetId)) account.disassociate(a.associationId);
  }
};

interface DriftCase {
  readonly name: string;
  readonly prepare?: (account: SimulatedAccount) => void;
  /** ReplaceRoute cannot be restored (CloudTrail omits the old target): the route goes, back to the untouched baseline. */
  readonly baselineBeforePrepare?: boolean;
  readonly inject: (account: SimulatedAccount) => Injected;
  readonly calls: Record<string, number>;
  /**
   * The outcome of the same change delivered again after the revert: `already-compliant`, or `ignored`
   * where the record cannot say which subnet it was about (a disassociation names only the association).
   */
  readonly again?: 'already-compliant' | 'ignored';
}

const drifts: DriftCase[] = [
  {
    name: 'IGW route on the database route table',
    inject: (a) => inject.createRoute(a, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
    calls: { DescribeRouteTables: 2, DescribeSubnets: 1, DeleteRoute: 1 },
  },
  {
    name: 'IGW route on the main table that database subnets use implicitly',
    prepare: databaseOnMainTable,
    inject: (a) => inject.createRoute(a, RT.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
    calls: { DescribeRouteTables: 3, DescribeSubnets: 1, DeleteRoute: 1 },
  },
  {
    // SEC05-BP01: no route to the internet, outbound included, so NAT is forbidden by default.
    name: 'NAT route on the database route table (default policy)',
    inject: (a) => inject.createRoute(a, RT.database, { cidrIpv4: '0.0.0.0/0' }, { natGatewayId: NAT }),
    calls: { DescribeRouteTables: 2, DescribeSubnets: 1, DeleteRoute: 1 },
  },
  {
    name: 'IPv6 IGW route on the database route table',
    inject: (a) => inject.createRoute(a, RT.database, { cidrIpv6: '::/0' }, { gatewayId: IGW }),
    calls: { DescribeRouteTables: 2, DescribeSubnets: 1, DeleteRoute: 1 },
  },
  {
    name: 'prefix-list IGW route on the database route table',
    inject: (a) =>
      inject.createRoute(a, RT.database, { prefixListId: 'pl-0a1b2c3d4e5f6a002' }, { gatewayId: IGW }),
    calls: { DescribeRouteTables: 2, DescribeSubnets: 1, DeleteRoute: 1 },
  },
  {
    name: 'ReplaceRoute from NAT to IGW on the database route table',
    prepare: (a) => a.createRoute(RT.database, { cidrIpv4: '0.0.0.0/0' }, { natGatewayId: NAT }),
    baselineBeforePrepare: true,
    inject: (a) => inject.replaceRoute(a, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
    calls: { DescribeRouteTables: 2, DescribeSubnets: 1, DeleteRoute: 1 },
  },
  {
    name: 'AssociateRouteTable of a database subnet to the public table',
    prepare: (a) => {
      const current = [...a.associations.values()].find((x) => x.subnetId === SUB.database2);
      if (current) a.disassociate(current.associationId);
    },
    inject: (a) => inject.associateRouteTable(a, RT.public, SUB.database2),
    calls: { DescribeRouteTables: 3, DescribeSubnets: 1, ReplaceRouteTableAssociation: 1 },
  },
  {
    name: 'ReplaceRouteTableAssociation of a database subnet to the public table',
    inject: (a) => inject.moveSubnet(a, SUB.database1, RT.public),
    calls: { DescribeRouteTables: 3, DescribeSubnets: 1, ReplaceRouteTableAssociation: 1 },
  },
  {
    name: "DisassociateRouteTable of a database subnet, onto a main table that routes to the internet gateway",
    prepare: (a) => a.createRoute(RT.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
    inject: (a) => inject.disassociateSubnet(a, SUB.database1),
    // The region's main tables, then the VPC's tables and subnets, the association, the read-back.
    calls: { DescribeRouteTables: 3, DescribeSubnets: 1, AssociateRouteTable: 1 },
    again: 'ignored',
  },
];

describe('route tables on the simulated account', () => {
  it.each(drifts)('$name: reverted, then already-compliant', async (c) => {
    // Prepare
    const account = threeTierAccount();
    const untouched = layout(account);
    c.prepare?.(account);
    const baseline = c.baselineBeforePrepare ? untouched : layout(account);
    const { engine, network, notifier } = simulatedEngine(account, {
      remediators,
      network: { latencyMs: 2 },
    });
    const injected = c.inject(account);
    expect(exposed(account).length).toBeGreaterThan(0);
    // Act
    const first = await engine.handle(injected.event);
    // Assess
    expect(first.outcome).toBe('remediated');
    expect(exposed(account)).toEqual([]);
    if (first.actions[0]?.type === 'replace-association' || first.actions[0]?.type === 'associate-subnet') {
      // The subnet is back on the database table, under a new association id.
      expect(layout(account).tables).toEqual({
        ...baseline.tables,
        [first.actions[0].subnetId]: RT.database,
      });
      expect(layout(account).routes).toEqual(baseline.routes);
    } else {
      expect(layout(account)).toEqual(baseline);
    }
    expect(network.countCalls()).toEqual(c.calls);
    expect(roundTrips(network.calls)).toBe(4);
    expect(first.secondsOpen).toBeGreaterThanOrEqual(0);
    expect(first.reason).toMatch(/subnets? subnet-0a1b2c3d4e5f6300[12]/);
    expect(notifier.sent).toHaveLength(1);

    const second = await engine.handle(redelivered(injected, `${injected.eventId}-again`));
    expect(second.outcome).toBe(c.again ?? 'already-compliant');
    expect(exposed(account)).toEqual([]);
    const mutating = network.calls.filter((x) =>
      ['DeleteRoute', 'ReplaceRouteTableAssociation', 'AssociateRouteTable'].includes(x.operation),
    );
    expect(mutating).toHaveLength(1);
  });

  it('an IGW route on the isolated route table is reverted even when no subnet uses it (1 read)', async () => {
    const account = threeTierAccount();
    databaseOnMainTable(account);
    const { engine, network } = simulatedEngine(account, { remediators });
    const injected = inject.createRoute(account, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });
    const outcome = await engine.handle(injected.event);
    expect(outcome.outcome).toBe('remediated');
    expect(outcome.reason).toContain(`isolated route table ${RT.database}`);
    expect(network.countCalls()).toEqual({ DescribeRouteTables: 2, DeleteRoute: 1 });
    expect(account.routeTable(RT.database)?.routes).toHaveLength(1);
  });

  it('the same event delivered twice is handled once', async () => {
    const account = threeTierAccount();
    const { engine, network, notifier } = simulatedEngine(account, { remediators });
    const injected = inject.createRoute(account, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });
    const first = await engine.handle(injected.event);
    expect(await engine.handle(injected.event)).toEqual(first);
    expect(network.countCalls().DeleteRoute).toBe(1);
    expect(notifier.sent).toHaveLength(1);
  });

  it.each([
    {
      name: 'IGW route on the public table',
      inject: (a: SimulatedAccount) =>
        inject.createRoute(a, RT.public, { cidrIpv6: '::/0' }, { gatewayId: IGW }),
      outcome: 'ignored',
      calls: { DescribeRouteTables: 1, DescribeSubnets: 1 },
    },
    {
      // The private table's NAT route is one an isolated subnet must not have, so the subnet's tier is read.
      name: 'an application subnet onto the private table',
      inject: (a: SimulatedAccount) => inject.moveSubnet(a, SUB.private2, RT.private),
      outcome: 'ignored',
      calls: { DescribeRouteTables: 2, DescribeSubnets: 1 },
    },
    {
      name: 'an application subnet onto the public table',
      inject: (a: SimulatedAccount) => inject.moveSubnet(a, SUB.private2, RT.public),
      outcome: 'ignored',
      calls: { DescribeRouteTables: 2, DescribeSubnets: 1 },
    },
    {
      name: 'a failed CreateRoute',
      inject: (a: SimulatedAccount) =>
        inject.createRoute(
          a,
          RT.database,
          { cidrIpv4: '0.0.0.0/0' },
          { gatewayId: IGW },
          { failWith: 'RouteAlreadyExists' },
        ),
      outcome: 'ignored',
      calls: {},
    },
    {
      name: 'an exempt database route table',
      inject: (a: SimulatedAccount) => {
        a.setTags(RT.database, {
          Tier: 'Database',
          'layerguard:exempt': `until=${dayFrom(new Date(), 30)};reason=data migration`,
        });
        return inject.createRoute(a, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });
      },
      outcome: 'exempt',
      calls: { DescribeRouteTables: 1, DescribeSubnets: 1 },
    },
  ])('$name: $outcome, no mutating call', async ({ inject: make, outcome, calls }) => {
    const account = threeTierAccount();
    const { engine, network } = simulatedEngine(account, { remediators });
    const injected = make(account);
    const after = layout(account);
    expect((await engine.handle(injected.event)).outcome).toBe(outcome);
    expect(network.countCalls()).toEqual(calls);
    expect(layout(account)).toEqual(after);
  });

  it('without a tagged isolated route table the association is alert-only, with what to do', async () => {
    const account = threeTierAccount();
    account.setTags(RT.database, { Tier: 'Unclassified' });
    const { engine, network } = simulatedEngine(account, { remediators });
    const injected = inject.moveSubnet(account, SUB.database1, RT.public);
    const outcome = await engine.handle(injected.event);
    expect(outcome.outcome).toBe('alert-only');
    expect(outcome.humanAction).toMatch(
      /aws ec2 replace-route-table-association --association-id rtbassoc-\w+/,
    );
    expect(network.countCalls()).toEqual({ DescribeRouteTables: 2, DescribeSubnets: 1 });
    expect(exposed(account)).toEqual([SUB.database1]);
  });

  it('with two isolated route tables the association is alert-only', async () => {
    const account = threeTierAccount();
    account.createRouteTable(B.vpcId, { tags: { Tier: 'Database', Name: 'spare' } });
    const { engine } = simulatedEngine(account, { remediators });
    const outcome = await engine.handle(inject.moveSubnet(account, SUB.database2, RT.public).event);
    expect(outcome.outcome).toBe('alert-only');
    expect(outcome.reason).toContain('2 route tables');
  });

  it('dry-run reports the revert and changes nothing', async () => {
    const policy = parsePolicy({ mode: 'dry-run' });
    const routed = threeTierAccount();
    const sim1 = simulatedEngine(routed, { remediators, policy });
    const route = await sim1.engine.handle(
      inject.createRoute(routed, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }).event,
    );
    // A separate account: the route left in place above would (rightly) disqualify the database table.
    const moved = threeTierAccount();
    const sim2 = simulatedEngine(moved, { remediators, policy });
    const move = await sim2.engine.handle(inject.moveSubnet(moved, SUB.database1, RT.public).event);
    expect([route.outcome, move.outcome]).toEqual(['dry-run', 'dry-run']);
    expect(route.actions).toEqual([expect.objectContaining({ type: 'delete-route', result: 'skipped' })]);
    expect(move.actions).toEqual([
      expect.objectContaining({
        type: 'replace-association',
        toRouteTableId: RT.database,
        result: 'skipped',
      }),
    ]);
    expect(sim1.network.countCalls().DeleteRoute).toBeUndefined();
    expect(sim2.network.countCalls().ReplaceRouteTableAssociation).toBeUndefined();
    expect(exposed(routed)).toEqual(DATABASE_SUBNETS);
    expect(exposed(moved)).toEqual([SUB.database1]);
  });

  it('NAT on the database table is reverted when the policy forbids NAT gateways', async () => {
    const account = threeTierAccount();
    const policy = parsePolicy({ isolated: { forbiddenTargets: ['internet-gateway', 'nat-gateway'] } });
    const { engine } = simulatedEngine(account, { remediators, policy });
    const injected = inject.createRoute(
      account,
      RT.database,
      { cidrIpv4: '0.0.0.0/0' },
      { natGatewayId: NAT },
    );
    expect((await engine.handle(injected.event)).outcome).toBe('remediated');
    expect(account.routeTable(RT.database)?.routes).toHaveLength(1);
  });
});

describe('races and failures (pipeline on the simulated account)', () => {
  const run = async (network: NetworkApi, injected: Injected) => {
    const parsed = parseTrigger(injected.event);
    const change = toChange(parsed.record);
    const deps = { network, policy: DEFAULT_POLICY, clock: () => new Date() };
    return change.kind === 'route'
      ? remediateRoute(change, toTrigger(parsed), deps)
      : remediateAssociation(
          change as Extract<typeof change, { kind: 'association' }>,
          toTrigger(parsed),
          deps,
        );
  };

  it('a route deleted by someone else between read and delete is already-compliant', async () => {
    const account = threeTierAccount();
    const injected = inject.createRoute(account, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });
    const network = new SimulatedNetwork(account, {
      fault: (op) => {
        if (op !== 'DeleteRoute') return undefined;
        account.deleteRoute(RT.database, { cidrIpv4: '0.0.0.0/0' });
        return new Ec2Error('InvalidRoute.NotFound', 'gone');
      },
    });
    const outcome = await run(network, injected);
    expect(outcome.outcome).toBe('already-compliant');
    expect(outcome.actions).toEqual([expect.objectContaining({ result: 'already-gone' })]);
    expect(exposed(account)).toEqual([]);
  });

  it('an association moved back by someone else is already-compliant', async () => {
    const account = threeTierAccount();
    const injected = inject.moveSubnet(account, SUB.database1, RT.public);
    const network = new SimulatedNetwork(account, {
      fault: (op) => {
        if (op !== 'ReplaceRouteTableAssociation') return undefined;
        const current = [...account.associations.values()].find((a) => a.subnetId === SUB.database1);
        account.replaceAssociation(current?.associationId ?? '', RT.database);
        return new Ec2Error('InvalidAssociationID.NotFound', 'gone');
      },
    });
    const outcome = await run(network, injected);
    expect(outcome.outcome).toBe('already-compliant');
    expect(exposed(account)).toEqual([]);
  });

  it('a delete that does not take is a VerificationError', async () => {
    const account = threeTierAccount();
    const injected = inject.createRoute(account, RT.database, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW });
    const real = new SimulatedNetwork(account);
    const lying: NetworkApi = Object.assign(Object.create(real) as SimulatedNetwork, {
      deleteRoute: async () => 'done' as const,
      replaceRouteTableAssociation: async () => ({
        result: 'done' as const,
        newAssociationId: 'rtbassoc-0000',
      }),
    });
    await expect(run(lying, injected)).rejects.toThrow(/still on rtb-0a1b2c3d4e5f64003 after DeleteRoute/);
    const other = threeTierAccount();
    const moved = inject.moveSubnet(other, SUB.database1, RT.public);
    const lyingToo: NetworkApi = Object.assign(
      Object.create(new SimulatedNetwork(other)) as SimulatedNetwork,
      {
        replaceRouteTableAssociation: async () => ({
          result: 'done' as const,
          newAssociationId: 'rtbassoc-0000',
        }),
      },
    );
    await expect(run(lyingToo, moved)).rejects.toThrow(/is not on the isolated route table/);
  });

  it('an association still on the internet table after an already-gone answer is a VerificationError', async () => {
    const account = threeTierAccount();
    const injected = inject.moveSubnet(account, SUB.database1, RT.public);
    const network = new SimulatedNetwork(account, {
      fault: (op) =>
        op === 'ReplaceRouteTableAssociation'
          ? new Ec2Error('InvalidAssociationID.NotFound', 'x')
          : undefined,
    });
    await expect(run(network, injected)).rejects.toThrow(/still on rtb-0a1b2c3d4e5f64001/);
  });
});
