import { describe, expect, it } from 'vitest';
import { type Change, toChange } from '../../functions/core/change.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import type { Route, RouteTable, RouteTableAssociation, Subnet } from '../../functions/core/network.js';
import { DEFAULT_POLICY, type Policy, parsePolicy } from '../../functions/core/policy.js';
import {
  type AssociationDrift,
  describeRoute,
  evaluateAssociation,
  evaluateRoute,
  findRouteDrift,
  forbiddenTargetKind,
  hasForbiddenRoute,
  isIsolatedRouteTable,
  isIsolatedSubnet,
  planAssociationRevert,
  planRouteRevert,
  type RouteDrift,
  routeTargetOf,
  screenAssociation,
  subnetsUsingTable,
  vpcReadsFor,
} from '../../functions/core/route-table.js';
import { loadEvent } from '../support/events.js';

// The team's three-tier baseline, written out by hand so that these tests depend on no simulator.
const VPC = 'vpc-0a1b2c3d4e5f60001';
const IGW = 'igw-0a1b2c3d4e5f65001';
const NAT = 'nat-0a1b2c3d4e5f66001';
const S = {
  public1: 'subnet-0a1b2c3d4e5f61001',
  public2: 'subnet-0a1b2c3d4e5f61002',
  private1: 'subnet-0a1b2c3d4e5f62001',
  private2: 'subnet-0a1b2c3d4e5f62002',
  db1: 'subnet-0a1b2c3d4e5f63001',
  db2: 'subnet-0a1b2c3d4e5f63002',
};
const RT = {
  main: 'rtb-0a1b2c3d4e5f64000',
  public: 'rtb-0a1b2c3d4e5f64001',
  private: 'rtb-0a1b2c3d4e5f64002',
  database: 'rtb-0a1b2c3d4e5f64003',
};
const NOW = new Date('2026-11-23T10:00:00Z');
const EXEMPT = { 'layerguard:exempt': 'until=2026-12-31;reason=migration window' };
const EXPIRED = { 'layerguard:exempt': 'until=2020-01-01;reason=old' };
const NAT_FORBIDDEN = parsePolicy({ isolated: { forbiddenTargets: ['internet-gateway', 'nat-gateway'] } });

const LOCAL: Route = {
  cidrIpv4: '10.0.0.0/16',
  gatewayId: 'local',
  state: 'active',
  origin: 'CreateRouteTable',
};
const IGW_ROUTE: Route = { cidrIpv4: '0.0.0.0/0', gatewayId: IGW, state: 'active', origin: 'CreateRoute' };
const NAT_ROUTE: Route = { cidrIpv4: '0.0.0.0/0', natGatewayId: NAT, state: 'active', origin: 'CreateRoute' };
const IGW6_ROUTE: Route = { cidrIpv6: '::/0', gatewayId: IGW, state: 'active', origin: 'CreateRoute' };
const PL_ROUTE: Route = {
  prefixListId: 'pl-0a1b2c3d4e5f6a002',
  gatewayId: IGW,
  state: 'active',
  origin: 'CreateRoute',
};

const assoc = (associationId: string, routeTableId: string, subnetId: string): RouteTableAssociation => ({
  associationId,
  routeTableId,
  main: false,
  subnetId,
});

interface World {
  tables: RouteTable[];
  subnets: Subnet[];
}

function baseline(): World {
  const subnet = (subnetId: string, tier: string): Subnet => ({ subnetId, vpcId: VPC, tags: { Tier: tier } });
  const table = (
    routeTableId: string,
    routes: Route[],
    associations: RouteTableAssociation[],
    tags = {},
  ): RouteTable => ({
    routeTableId,
    vpcId: VPC,
    routes: [LOCAL, ...routes],
    associations,
    tags,
  });
  return {
    subnets: [
      subnet(S.public1, 'Web'),
      subnet(S.public2, 'Web'),
      subnet(S.private1, 'Application'),
      subnet(S.private2, 'Application'),
      subnet(S.db1, 'Database'),
      subnet(S.db2, 'Database'),
    ],
    tables: [
      table(
        RT.main,
        [],
        [{ associationId: 'rtbassoc-0a1b2c3d4e5f68000', routeTableId: RT.main, main: true }],
      ),
      table(
        RT.public,
        [IGW_ROUTE],
        [
          assoc('rtbassoc-0a1b2c3d4e5f68011', RT.public, S.public1),
          assoc('rtbassoc-0a1b2c3d4e5f68012', RT.public, S.public2),
        ],
        { Tier: 'Web' },
      ),
      table(
        RT.private,
        [NAT_ROUTE],
        [
          assoc('rtbassoc-0a1b2c3d4e5f68021', RT.private, S.private1),
          assoc('rtbassoc-0a1b2c3d4e5f68022', RT.private, S.private2),
        ],
        { Tier: 'Application' },
      ),
      table(
        RT.database,
        [],
        [
          assoc('rtbassoc-0a1b2c3d4e5f68031', RT.database, S.db1),
          assoc('rtbassoc-0a1b2c3d4e5f68032', RT.database, S.db2),
        ],
        { Tier: 'Database' },
      ),
    ],
  };
}

type Edit = (w: World) => void;
const editTable =
  (id: string, f: (t: RouteTable) => RouteTable): Edit =>
  (w) => {
    w.tables = w.tables.map((t) => (t.routeTableId === id ? f(t) : t));
  };
const addRoute = (id: string, route: Route): Edit =>
  editTable(id, (t) => ({ ...t, routes: [...t.routes.filter((r) => !sameDest(r, route)), route] }));
const sameDest = (a: Route, b: Route) =>
  a.cidrIpv4 === b.cidrIpv4 && a.cidrIpv6 === b.cidrIpv6 && a.prefixListId === b.prefixListId;
const tagTable = (id: string, tags: Record<string, string>): Edit => editTable(id, (t) => ({ ...t, tags }));
const tagSubnet =
  (id: string, tags: Record<string, string>): Edit =>
  (w) => {
    w.subnets = w.subnets.map((s) => (s.subnetId === id ? { ...s, tags: { ...s.tags, ...tags } } : s));
  };
/** Moves a subnet's explicit association (or removes it when `to` is undefined: the subnet falls back to the main table). */
const moveSubnet =
  (subnetId: string, to: string | undefined, associationId = 'rtbassoc-0a1b2c3d4e5f68101'): Edit =>
  (w) => {
    w.tables = w.tables.map((t) => ({
      ...t,
      associations: t.associations.filter((a) => a.subnetId !== subnetId),
    }));
    if (to)
      editTable(to, (t) => ({ ...t, associations: [...t.associations, assoc(associationId, to, subnetId)] }))(
        w,
      );
  };
const dropTable =
  (id: string): Edit =>
  (w) => {
    w.tables = w.tables.filter((t) => t.routeTableId !== id);
  };
const addTable =
  (table: Partial<RouteTable> & { routeTableId: string }): Edit =>
  (w) => {
    w.tables.push({ vpcId: VPC, routes: [LOCAL], associations: [], tags: {}, ...table });
  };
const world = (...edits: Edit[]): World => {
  const w = baseline();
  for (const e of edits) e(w);
  return w;
};
const table = (w: World, id: string): RouteTable | undefined => w.tables.find((t) => t.routeTableId === id);

const changeOf = (sample: string): Change => toChange(parseTrigger(loadEvent(sample)).record);
const routeChange = (sample: string) => changeOf(sample) as Extract<Change, { kind: 'route' }>;
const associationChange = (sample: string) => changeOf(sample) as Extract<Change, { kind: 'association' }>;
const routeChangeOf = (
  routeTableId: string,
  route: Route,
  eventName: 'CreateRoute' | 'ReplaceRoute' = 'CreateRoute',
) => {
  const { cidrIpv4, cidrIpv6, prefixListId, state: _s, origin: _o, ...target } = route;
  const destination = cidrIpv4 ? { cidrIpv4 } : cidrIpv6 ? { cidrIpv6 } : { prefixListId };
  return { kind: 'route' as const, eventName, routeTableId, destination, target };
};

describe('predicates', () => {
  it.each<{ name: string; subnet: Pick<Subnet, 'subnetId' | 'tags'>; policy: Policy; expected: boolean }>([
    {
      name: 'Tier=Database',
      subnet: { subnetId: S.db1, tags: { Tier: 'Database' } },
      policy: DEFAULT_POLICY,
      expected: true,
    },
    {
      name: 'Tier=Web',
      subnet: { subnetId: S.public1, tags: { Tier: 'Web' } },
      policy: DEFAULT_POLICY,
      expected: false,
    },
    {
      name: 'named by id',
      subnet: { subnetId: S.private1, tags: {} },
      policy: parsePolicy({ isolated: { subnetIds: [S.private1] } }),
      expected: true,
    },
    {
      name: 'custom tag',
      subnet: { subnetId: S.db1, tags: { Layer: 'data' } },
      policy: parsePolicy({ isolated: { subnetTags: [{ key: 'Layer', value: 'data' }] } }),
      expected: true,
    },
  ])('isIsolatedSubnet: $name', ({ subnet, policy, expected }) => {
    expect(isIsolatedSubnet(subnet, policy)).toBe(expected);
  });

  it('isIsolatedRouteTable: a table tagged like isolated subnets', () => {
    expect(isIsolatedRouteTable({ tags: { Tier: 'Database' } }, DEFAULT_POLICY)).toBe(true);
    expect(isIsolatedRouteTable({ tags: { Tier: 'Web' } }, DEFAULT_POLICY)).toBe(false);
  });

  it.each([
    {
      name: 'internet gateway',
      target: { gatewayId: IGW },
      policy: DEFAULT_POLICY,
      expected: 'internet-gateway',
    },
    {
      name: 'IGW id in capitals',
      target: { gatewayId: 'IGW-0A1B' },
      policy: DEFAULT_POLICY,
      expected: 'internet-gateway',
    },
    { name: 'the local gateway', target: { gatewayId: 'local' }, policy: NAT_FORBIDDEN, expected: undefined },
    {
      name: 'a virtual private gateway',
      target: { gatewayId: 'vgw-0a1b' },
      policy: NAT_FORBIDDEN,
      expected: undefined,
    },
    {
      name: 'NAT, default policy',
      target: { natGatewayId: NAT },
      policy: DEFAULT_POLICY,
      expected: undefined,
    },
    { name: 'NAT, forbidden', target: { natGatewayId: NAT }, policy: NAT_FORBIDDEN, expected: 'nat-gateway' },
    {
      name: 'NAT given as gatewayId',
      target: { gatewayId: NAT },
      policy: NAT_FORBIDDEN,
      expected: 'nat-gateway',
    },
    {
      name: 'interface endpoint',
      target: { vpcEndpointId: 'vpce-0a1b' },
      policy: NAT_FORBIDDEN,
      expected: undefined,
    },
    { name: 'no target', target: {}, policy: DEFAULT_POLICY, expected: undefined },
    ...(
      [
        ['egress-only-internet-gateway', { egressOnlyInternetGatewayId: 'eigw-0a1b' }],
        ['egress-only-internet-gateway', { gatewayId: 'eigw-0a1b' }],
        ['transit-gateway', { transitGatewayId: 'tgw-0a1b' }],
        ['transit-gateway', { gatewayId: 'tgw-0a1b' }],
        ['vpc-peering-connection', { vpcPeeringConnectionId: 'pcx-0a1b' }],
        ['vpc-peering-connection', { gatewayId: 'pcx-0a1b' }],
      ] as const
    ).flatMap(([kind, target]) => [
      {
        name: `${kind} when forbidden`,
        target,
        policy: parsePolicy({ isolated: { forbiddenTargets: [kind] } }),
        expected: kind,
      },
      { name: `${kind} by default`, target, policy: DEFAULT_POLICY, expected: undefined },
    ]),
  ])('forbiddenTargetKind: $name', ({ target, policy, expected }) => {
    expect(forbiddenTargetKind(target, policy)).toBe(expected);
  });

  it('hasForbiddenRoute never counts the local route, only forbidden targets', () => {
    const w = baseline();
    expect(hasForbiddenRoute(table(w, RT.public) as RouteTable, DEFAULT_POLICY)).toBe(true);
    expect(hasForbiddenRoute(table(w, RT.private) as RouteTable, DEFAULT_POLICY)).toBe(false);
    expect(hasForbiddenRoute(table(w, RT.private) as RouteTable, NAT_FORBIDDEN)).toBe(true);
    expect(hasForbiddenRoute({ routes: [{ ...LOCAL, gatewayId: IGW }] }, DEFAULT_POLICY)).toBe(false); // origin CreateRouteTable
  });

  it('describes routes for people', () => {
    expect(describeRoute(IGW_ROUTE)).toBe(`0.0.0.0/0 -> ${IGW}`);
    expect(describeRoute(PL_ROUTE)).toBe(`pl-0a1b2c3d4e5f6a002 -> ${IGW}`);
    expect(describeRoute({ cidrIpv4: '10.9.0.0/16', vpcEndpointId: 'vpce-1' })).toBe('10.9.0.0/16 -> vpce-1');
    expect(describeRoute({})).toBe('? -> ?');
    expect(routeTargetOf({ gatewayId: 'vgw-1' })).toBeUndefined();
  });
});

describe('subnetsUsingTable', () => {
  const ids = (w: World, id: string) =>
    subnetsUsingTable(table(w, id) as RouteTable, w.tables, w.subnets).map((s) => s.subnetId);

  it('explicit associations', () => {
    expect(ids(baseline(), RT.database)).toEqual([S.db1, S.db2]);
    expect(ids(baseline(), RT.public)).toEqual([S.public1, S.public2]);
  });

  it('the main table: every subnet without an explicit association', () => {
    expect(ids(baseline(), RT.main)).toEqual([]);
    expect(ids(world(moveSubnet(S.db1, undefined), moveSubnet(S.db2, undefined)), RT.main)).toEqual([
      S.db1,
      S.db2,
    ]);
  });

  it('an associated subnet missing from the listing is still named (without tags)', () => {
    const w = world(moveSubnet(S.db1, RT.public));
    const using = subnetsUsingTable(table(w, RT.public) as RouteTable, [], []);
    expect(using).toEqual(
      [S.public1, S.public2, S.db1].map((subnetId) => ({ subnetId, vpcId: VPC, tags: {} })),
    );
  });

  it('reads the VPC only when the table needs it', () => {
    const w = world(addTable({ routeTableId: 'rtb-0a1b2c3d4e5f6ffff' }));
    expect(vpcReadsFor(table(w, RT.main) as RouteTable)).toEqual({ tables: true, subnets: true });
    expect(vpcReadsFor(table(w, RT.database) as RouteTable)).toEqual({ tables: false, subnets: true });
    expect(vpcReadsFor(table(w, 'rtb-0a1b2c3d4e5f6ffff') as RouteTable)).toEqual({
      tables: false,
      subnets: false,
    });
  });
});

describe('evaluateRoute', () => {
  const evaluate = (change: Extract<Change, { kind: 'route' }>, w: World, policy: Policy = DEFAULT_POLICY) =>
    evaluateRoute(change, table(w, change.routeTableId), w.tables, w.subnets, policy, NOW);

  it.each([
    {
      name: 'IGW route on the database table',
      sample: 'CreateRoute/igw-on-database-table',
      edits: [addRoute(RT.database, IGW_ROUTE)],
      destination: { cidrIpv4: '0.0.0.0/0' },
      subnetIds: [S.db1, S.db2],
    },
    {
      name: 'IGW route on the main table that database subnets use implicitly',
      sample: 'CreateRoute/igw-on-main-table',
      edits: [moveSubnet(S.db1, undefined), moveSubnet(S.db2, undefined), addRoute(RT.main, IGW_ROUTE)],
      destination: { cidrIpv4: '0.0.0.0/0' },
      subnetIds: [S.db1, S.db2],
    },
    {
      name: 'IPv6 destination',
      sample: 'CreateRoute/ipv6-igw-on-database-table',
      edits: [addRoute(RT.database, IGW6_ROUTE)],
      destination: { cidrIpv6: '::/0' },
      subnetIds: [S.db1, S.db2],
    },
    {
      name: 'prefix-list destination',
      sample: 'CreateRoute/prefix-list-igw',
      edits: [addRoute(RT.database, PL_ROUTE)],
      destination: { prefixListId: 'pl-0a1b2c3d4e5f6a002' },
      subnetIds: [S.db1, S.db2],
    },
    {
      name: 'ReplaceRoute from NAT to IGW',
      sample: 'ReplaceRoute/nat-to-igw-on-database-table',
      edits: [addRoute(RT.database, IGW_ROUTE)],
      destination: { cidrIpv4: '0.0.0.0/0' },
      subnetIds: [S.db1, S.db2],
    },
    {
      name: 'only one database subnet on the table',
      sample: 'CreateRoute/igw-on-database-table',
      edits: [moveSubnet(S.db2, undefined), addRoute(RT.database, IGW_ROUTE)],
      destination: { cidrIpv4: '0.0.0.0/0' },
      subnetIds: [S.db1],
    },
  ])('drift: $name', ({ sample, edits, destination, subnetIds }) => {
    const change = routeChange(sample);
    const w = world(...edits);
    const decision = evaluate(change, w);
    expect(decision.status).toBe('drift');
    const drift = (decision as { drift: RouteDrift }).drift;
    expect(drift).toEqual({
      kind: 'forbidden-route-on-isolated-subnet',
      routeTableId: change.routeTableId,
      destination,
      target: { gatewayId: IGW },
      subnetIds,
    });
    expect(decision.reason).toContain(subnetIds.join(', '));
    expect(planRouteRevert(drift, table(w, change.routeTableId) as RouteTable)).toEqual({
      type: 'delete-route',
      routeTableId: change.routeTableId,
      destination,
    });
  });

  it.each([
    {
      name: 'IGW route on the public table',
      change: () => routeChange('CreateRoute/igw-on-public-table'),
      edits: [addRoute(RT.public, IGW6_ROUTE)],
      status: 'ignored',
      reason: /no isolated subnet uses/,
    },
    {
      name: 'IGW route on the main table that no subnet uses',
      change: () => routeChange('CreateRoute/igw-on-main-table'),
      edits: [addRoute(RT.main, IGW_ROUTE)],
      status: 'ignored',
      reason: /no isolated subnet uses/,
    },
    {
      name: 'NAT route on the database table (default policy)',
      change: () => routeChange('CreateRoute/nat-on-database-table'),
      edits: [addRoute(RT.database, NAT_ROUTE)],
      status: 'ignored',
      reason: /not a forbidden target/,
    },
    {
      name: 'a route to the local gateway',
      change: () => routeChangeOf(RT.database, { cidrIpv4: '10.0.0.0/16', gatewayId: 'local' }),
      edits: [],
      status: 'ignored',
      reason: /not a forbidden target/,
    },
    {
      name: 'the route is gone',
      change: () => routeChange('CreateRoute/igw-on-database-table'),
      edits: [],
      status: 'already-compliant',
      reason: /no longer has a route for 0.0.0.0\/0/,
    },
    {
      name: 'the route points elsewhere now',
      change: () => routeChange('CreateRoute/igw-on-database-table'),
      edits: [addRoute(RT.database, { cidrIpv4: '0.0.0.0/0', gatewayId: 'igw-0a1b2c3d4e5f6ffff' })],
      status: 'already-compliant',
      reason: /no longer points at igw-0a1b2c3d4e5f65001 \(now igw-0a1b2c3d4e5f6ffff\)/,
    },
    {
      name: 'the route table is gone',
      change: () => routeChange('CreateRoute/igw-on-database-table'),
      edits: [dropTable(RT.database)],
      status: 'already-compliant',
      reason: /no longer exists/,
    },
    {
      name: 'the route table is exempt',
      change: () => routeChange('CreateRoute/igw-on-database-table'),
      edits: [addRoute(RT.database, IGW_ROUTE), tagTable(RT.database, { Tier: 'Database', ...EXEMPT })],
      status: 'exempt',
      reason: /exempt until 2026-12-31: migration window/,
    },
    {
      name: 'every exposed subnet is exempt',
      change: () => routeChange('CreateRoute/igw-on-main-table'),
      edits: [
        moveSubnet(S.db1, undefined),
        moveSubnet(S.db2, undefined),
        addRoute(RT.main, IGW_ROUTE),
        tagSubnet(S.db1, EXEMPT),
        tagSubnet(S.db2, EXEMPT),
      ],
      status: 'exempt',
      reason: /every isolated subnet on rtb-0a1b2c3d4e5f64000 is exempt/,
    },
  ])('$status: $name', ({ change, edits, status, reason }) => {
    const decision = evaluate(change(), world(...edits));
    expect(decision.status).toBe(status);
    expect(decision.reason).toMatch(reason);
  });

  it('NAT route on the database table is drift when the policy forbids NAT gateways', () => {
    const change = routeChange('CreateRoute/nat-on-database-table');
    const decision = evaluate(change, world(addRoute(RT.database, NAT_ROUTE)), NAT_FORBIDDEN);
    expect(decision).toMatchObject({
      status: 'drift',
      drift: { target: { natGatewayId: NAT }, subnetIds: [S.db1, S.db2] },
    });
  });

  it('one exempt subnet does not cover the other; an expired exemption is named', () => {
    const change = routeChange('CreateRoute/igw-on-database-table');
    const w = world(addRoute(RT.database, IGW_ROUTE), tagSubnet(S.db1, EXEMPT), tagSubnet(S.db2, EXPIRED));
    const decision = evaluate(change, w);
    expect(decision).toMatchObject({ status: 'drift', drift: { subnetIds: [S.db1, S.db2] } });
    expect(decision.reason).toContain('exemption expired on 2020-01-01');
  });

  it('a table tagged as isolated is drift even when no subnet uses it', () => {
    const change = routeChange('CreateRoute/igw-on-database-table');
    const w = world(
      moveSubnet(S.db1, undefined),
      moveSubnet(S.db2, undefined),
      addRoute(RT.database, IGW_ROUTE),
    );
    const decision = evaluate(change, w);
    expect(decision).toMatchObject({ status: 'drift', drift: { subnetIds: [] } });
    expect(decision.reason).toContain(`the isolated route table ${RT.database}`);
  });

  it('subnets named by id in the policy count as isolated', () => {
    const change = routeChangeOf(RT.private, { cidrIpv4: '0.0.0.0/0', gatewayId: IGW }, 'ReplaceRoute');
    const w = world(addRoute(RT.private, IGW_ROUTE));
    const policy = parsePolicy({ isolated: { subnetIds: [S.private2] } });
    expect(evaluate(change, w, policy)).toMatchObject({
      status: 'drift',
      drift: { subnetIds: [S.private2] },
    });
  });
});

describe('planRouteRevert', () => {
  const drift = (destination: RouteDrift['destination'], target: RouteDrift['target']): RouteDrift => ({
    kind: 'forbidden-route-on-isolated-subnet',
    routeTableId: RT.database,
    destination,
    target,
    subnetIds: [S.db1],
  });

  it('never plans to delete the local route', () => {
    const w = baseline();
    expect(
      planRouteRevert(
        drift({ cidrIpv4: '10.0.0.0/16' }, { gatewayId: 'local' }),
        table(w, RT.database) as RouteTable,
      ),
    ).toBeUndefined();
    // Even if something claims the local destination points at the gateway.
    expect(
      planRouteRevert(
        drift({ cidrIpv4: '10.0.0.0/16' }, { gatewayId: IGW }),
        table(w, RT.database) as RouteTable,
      ),
    ).toBeUndefined();
  });

  it('never deletes a route whose target differs from the drift', () => {
    const w = world(addRoute(RT.database, NAT_ROUTE));
    expect(
      planRouteRevert(
        drift({ cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
        table(w, RT.database) as RouteTable,
      ),
    ).toBeUndefined();
    const vgw = world(addRoute(RT.database, { cidrIpv4: '0.0.0.0/0', gatewayId: 'vgw-1' }));
    expect(
      planRouteRevert(
        drift({ cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
        table(vgw, RT.database) as RouteTable,
      ),
    ).toBeUndefined();
  });

  it('nothing when the route is gone', () => {
    expect(
      planRouteRevert(
        drift({ cidrIpv4: '0.0.0.0/0' }, { gatewayId: IGW }),
        table(baseline(), RT.database) as RouteTable,
      ),
    ).toBeUndefined();
  });
});

describe('evaluateAssociation', () => {
  const evaluate = (
    change: Extract<Change, { kind: 'association' }>,
    w: World,
    policy: Policy = DEFAULT_POLICY,
  ) => evaluateAssociation(change, table(w, change.routeTableId), w.tables, w.subnets, policy, NOW);
  const dbToPublic = () => associationChange('AssociateRouteTable/database-subnet-to-public-table');
  const replaced = () => associationChange('ReplaceRouteTableAssociation/database-subnet-to-public-table');

  it.each([
    {
      name: 'AssociateRouteTable of a database subnet to the public table',
      change: dbToPublic,
      edits: [moveSubnet(S.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f68101')],
      drift: { subnetId: S.db2, associationId: 'rtbassoc-0a1b2c3d4e5f68101' },
    },
    {
      name: 'ReplaceRouteTableAssociation (the subnet is found from the new association)',
      change: replaced,
      edits: [moveSubnet(S.db1, RT.public, 'rtbassoc-0a1b2c3d4e5f68102')],
      drift: { subnetId: S.db1, associationId: 'rtbassoc-0a1b2c3d4e5f68102' },
    },
  ])('drift: $name', ({ change, edits, drift }) => {
    const decision = evaluate(change(), world(...edits));
    const expected: AssociationDrift = {
      kind: 'isolated-subnet-on-internet-table',
      routeTableId: RT.public,
      isolatedRouteTableId: RT.database,
      ...drift,
    };
    expect(decision).toEqual({
      status: 'drift',
      drift: expected,
      reason: `isolated subnet ${drift.subnetId} is on ${RT.public}, which routes 0.0.0.0/0 -> ${IGW}`,
    });
    expect(planAssociationRevert(expected)).toEqual({
      type: 'replace-association',
      associationId: drift.associationId,
      subnetId: drift.subnetId,
      fromRouteTableId: RT.public,
      toRouteTableId: RT.database,
    });
  });

  it.each([
    {
      name: 'the association was already moved back',
      change: dbToPublic,
      edits: [],
      status: 'already-compliant',
      reason: /no longer on rtb-0a1b2c3d4e5f64001/,
    },
    {
      name: 'the route table is gone',
      change: replaced,
      edits: [dropTable(RT.public)],
      status: 'already-compliant',
      reason: /no longer exists/,
    },
    {
      name: 'an application subnet on the private table (NAT only)',
      change: () => associationChange('AssociateRouteTable/app-subnet-to-private-table'),
      edits: [moveSubnet(S.private2, RT.private, 'rtbassoc-0a1b2c3d4e5f68103')],
      status: 'ignored',
      reason: /has no route to a forbidden target/,
    },
    {
      name: 'an application subnet on the public table',
      change: () => ({ ...dbToPublic(), subnetId: S.private2, associationId: undefined }),
      edits: [moveSubnet(S.private2, RT.public)],
      status: 'ignored',
      reason: /is not an isolated subnet/,
    },
    {
      name: 'a gateway (edge) association',
      change: () => ({
        kind: 'association' as const,
        eventName: 'AssociateRouteTable' as const,
        routeTableId: RT.public,
      }),
      edits: [],
      status: 'ignored',
      reason: /not a subnet association/,
    },
    {
      name: 'a gateway association found by its id',
      change: () => ({ ...dbToPublic(), subnetId: undefined, associationId: 'rtbassoc-0a1b2c3d4e5f6eeee' }),
      edits: [
        editTable(RT.public, (t) => ({
          ...t,
          associations: [
            ...t.associations,
            {
              associationId: 'rtbassoc-0a1b2c3d4e5f6eeee',
              routeTableId: RT.public,
              main: false,
              gatewayId: IGW,
            },
          ],
        })),
      ],
      status: 'ignored',
      reason: /gateway association/,
    },
    {
      name: 'the subnet is exempt',
      change: dbToPublic,
      edits: [moveSubnet(S.db2, RT.public), tagSubnet(S.db2, EXEMPT)],
      status: 'exempt',
      reason: /subnet-0a1b2c3d4e5f63002 is exempt until 2026-12-31/,
    },
    {
      name: 'the internet table is exempt',
      change: dbToPublic,
      edits: [moveSubnet(S.db2, RT.public), tagTable(RT.public, { Tier: 'Web', ...EXEMPT })],
      status: 'exempt',
      reason: /rtb-0a1b2c3d4e5f64001 is exempt/,
    },
    {
      name: 'the new main table has no isolated subnet on it',
      change: () => ({ ...replaced(), associationId: 'rtbassoc-0a1b2c3d4e5f6aaaa' }),
      edits: [
        editTable(RT.main, (t) => ({ ...t, associations: [] })),
        editTable(RT.public, (t) => ({
          ...t,
          associations: [
            ...t.associations,
            { associationId: 'rtbassoc-0a1b2c3d4e5f6aaaa', routeTableId: RT.public, main: true },
          ],
        })),
      ],
      status: 'ignored',
      reason: /no isolated subnet uses the main route table/,
    },
  ])('$status: $name', ({ change, edits, status, reason }) => {
    const decision = evaluate(change(), world(...edits));
    expect(decision.status).toBe(status);
    expect(decision.reason).toMatch(reason);
  });

  it('a subnet the listing lacks is judged by the policy ids alone', () => {
    const w = world(moveSubnet(S.db2, RT.public));
    w.subnets = [];
    expect(evaluate(dbToPublic(), w).status).toBe('ignored');
    expect(evaluate(dbToPublic(), w, parsePolicy({ isolated: { subnetIds: [S.db2] } })).status).toBe('drift');
  });

  it('an expired exemption is named in the reason', () => {
    const decision = evaluate(dbToPublic(), world(moveSubnet(S.db2, RT.public), tagSubnet(S.db2, EXPIRED)));
    expect(decision.status).toBe('drift');
    expect(decision.reason).toContain('exemption expired on 2020-01-01');
  });

  it.each([
    {
      name: 'no isolated table (untagged)',
      edits: [tagTable(RT.database, {})],
      found: /no route table in vpc-0a1b2c3d4e5f60001 is tagged Tier=Database/,
    },
    {
      name: 'the isolated table has an internet route too',
      edits: [addRoute(RT.database, IGW_ROUTE)],
      found: /no route table .* without a forbidden route/,
    },
    {
      name: 'two isolated tables',
      edits: [addTable({ routeTableId: 'rtb-0a1b2c3d4e5f6bbbb', tags: { Tier: 'Database' } })],
      found:
        /2 route tables in vpc-0a1b2c3d4e5f60001 qualify \(rtb-0a1b2c3d4e5f64003, rtb-0a1b2c3d4e5f6bbbb\)/,
    },
  ])('alert-only: $name', ({ edits, found }) => {
    const decision = evaluate(dbToPublic(), world(moveSubnet(S.db2, RT.public), ...edits));
    expect(decision.status).toBe('alert-only');
    expect(decision.reason).toMatch(found);
    const alert = decision as Extract<typeof decision, { status: 'alert-only' }>;
    expect(alert.humanAction).toContain(
      'aws ec2 replace-route-table-association --association-id rtbassoc-0a1b2c3d4e5f68101 --route-table-id <isolated route table>',
    );
    expect(alert.drift).toEqual([
      {
        kind: 'isolated-subnet-on-internet-table',
        subnetId: S.db2,
        associationId: 'rtbassoc-0a1b2c3d4e5f68101',
        routeTableId: RT.public,
      },
    ]);
    expect(planAssociationRevert(alert.drift[0] as AssociationDrift)).toBeUndefined();
  });

  it('alert-only when the public table is made the main table while database subnets use the main table', () => {
    const change = { ...replaced(), associationId: 'rtbassoc-0a1b2c3d4e5f6aaaa' };
    const w = world(
      moveSubnet(S.db1, undefined),
      editTable(RT.main, (t) => ({ ...t, associations: [] })),
      editTable(RT.public, (t) => ({
        ...t,
        associations: [
          ...t.associations,
          { associationId: 'rtbassoc-0a1b2c3d4e5f6aaaa', routeTableId: RT.public, main: true },
        ],
      })),
    );
    const decision = evaluate(change, w);
    expect(decision).toMatchObject({
      status: 'alert-only',
      drift: [{ kind: 'forbidden-route-on-isolated-subnet', routeTableId: RT.public, subnetIds: [S.db1] }],
    });
    expect((decision as { humanAction: string }).humanAction).toContain('previous main route table');
  });

  it('screenAssociation decides without the VPC only where it can', () => {
    expect(
      screenAssociation(dbToPublic(), table(world(moveSubnet(S.db2, RT.public)), RT.public), DEFAULT_POLICY),
    ).toBeUndefined();
  });
});

describe('findRouteDrift (sweeps)', () => {
  const sweep = (w: World, policy: Policy = DEFAULT_POLICY) => findRouteDrift(w.tables, w.subnets, policy);

  it('the baseline has no drift', () => {
    expect(sweep(baseline())).toEqual([]);
  });

  it('NAT on the private table is drift only if the private subnets are isolated and NAT is forbidden', () => {
    expect(sweep(baseline(), NAT_FORBIDDEN)).toEqual([]);
  });

  it('every forbidden route of a table isolated subnets use', () => {
    expect(sweep(world(addRoute(RT.database, IGW_ROUTE), addRoute(RT.database, IGW6_ROUTE)))).toEqual([
      {
        kind: 'forbidden-route-on-isolated-subnet',
        routeTableId: RT.database,
        destination: { cidrIpv4: '0.0.0.0/0' },
        target: { gatewayId: IGW },
        subnetIds: [S.db1, S.db2],
      },
      {
        kind: 'forbidden-route-on-isolated-subnet',
        routeTableId: RT.database,
        destination: { cidrIpv6: '::/0' },
        target: { gatewayId: IGW },
        subnetIds: [S.db1, S.db2],
      },
    ]);
  });

  it('the main table that database subnets use implicitly', () => {
    const w = world(moveSubnet(S.db1, undefined), moveSubnet(S.db2, undefined), addRoute(RT.main, IGW_ROUTE));
    expect(sweep(w)).toEqual([
      {
        kind: 'forbidden-route-on-isolated-subnet',
        routeTableId: RT.main,
        destination: { cidrIpv4: '0.0.0.0/0' },
        target: { gatewayId: IGW },
        subnetIds: [S.db1, S.db2],
      },
    ]);
  });

  it('a database subnet on the public table moves; the public route stays', () => {
    expect(sweep(world(moveSubnet(S.db2, RT.public)))).toEqual([
      {
        kind: 'isolated-subnet-on-internet-table',
        subnetId: S.db2,
        associationId: 'rtbassoc-0a1b2c3d4e5f68101',
        routeTableId: RT.public,
        isolatedRouteTableId: RT.database,
      },
    ]);
  });

  it('without a single isolated table the association drift has no destination (alert only)', () => {
    expect(sweep(world(moveSubnet(S.db2, RT.public), tagTable(RT.database, {})))).toEqual([
      {
        kind: 'isolated-subnet-on-internet-table',
        subnetId: S.db2,
        associationId: 'rtbassoc-0a1b2c3d4e5f68101',
        routeTableId: RT.public,
      },
    ]);
  });

  it('a shared main table: implicit database subnets are route drift, explicit ones move', () => {
    const w = world(
      moveSubnet(S.db1, undefined),
      moveSubnet(S.public1, undefined),
      moveSubnet(S.db2, RT.main, 'rtbassoc-0a1b2c3d4e5f6cccc'),
      addRoute(RT.main, IGW_ROUTE),
    );
    expect(sweep(w)).toEqual([
      {
        kind: 'forbidden-route-on-isolated-subnet',
        routeTableId: RT.main,
        destination: { cidrIpv4: '0.0.0.0/0' },
        target: { gatewayId: IGW },
        subnetIds: [S.db1],
      },
      {
        kind: 'isolated-subnet-on-internet-table',
        subnetId: S.db2,
        associationId: 'rtbassoc-0a1b2c3d4e5f6cccc',
        routeTableId: RT.main,
        isolatedRouteTableId: RT.database,
      },
    ]);
  });

  it('an isolated table with an internet route and no subnets', () => {
    const w = world(
      moveSubnet(S.db1, undefined),
      moveSubnet(S.db2, undefined),
      addRoute(RT.database, IGW_ROUTE),
    );
    expect(sweep(w)).toEqual([
      {
        kind: 'forbidden-route-on-isolated-subnet',
        routeTableId: RT.database,
        destination: { cidrIpv4: '0.0.0.0/0' },
        target: { gatewayId: IGW },
        subnetIds: [],
      },
    ]);
  });
});
