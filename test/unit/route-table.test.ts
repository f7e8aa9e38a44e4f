import { describe, expect, it } from 'vitest';
import { type Change, toChange } from '../../functions/core/change.js';
import { parseTrigger } from '../../functions/core/cloudtrail.js';
import type { Route, RouteTable, RouteTableAssociation, Subnet } from '../../functions/core/network.js';
import { DEFAULT_POLICY, type Policy, parsePolicy } from '../../functions/core/policy.js';
import {
  type AssociationDrift,
  decideRouteTables,
  describeRoute,
  describeTarget,
  type EventDecision,
  evaluateAssociation,
  evaluateDisassociation,
  evaluateRoute,
  type Finding,
  findAssociation,
  forbiddenTargetKind,
  hasForbiddenRoute,
  isIsolatedRouteTable,
  isIsolatedSubnet,
  judgedMainTables,
  type RouteDrift,
  routeStanding,
  routeTargetOf,
  screenAssociation,
  screenRoute,
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
const IGW_ONLY = parsePolicy({ isolated: { forbiddenTargets: ['internet-gateway'] } });
/** Every internet path (SEC05-BP01: "no routes to or from the internet"): forbidden by the default policy. */
const SEC05_INTERNET_PATHS: readonly string[] = ['internet-gateway', 'egress-only-internet-gateway', 'nat-gateway', 'carrier-gateway'];

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
      // SEC05-BP01: "subnets with no routes to or from the internet": outbound through NAT too.
      name: 'NAT, default policy',
      target: { natGatewayId: NAT },
      policy: DEFAULT_POLICY,
      expected: 'nat-gateway',
    },
    { name: 'NAT, allowed', target: { natGatewayId: NAT }, policy: IGW_ONLY, expected: undefined },
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
        ['carrier-gateway', { carrierGatewayId: 'cagw-0a1b' }],
        ['carrier-gateway', { gatewayId: 'cagw-0a1b' }],
        ['transit-gateway', { transitGatewayId: 'tgw-0a1b' }],
        ['transit-gateway', { gatewayId: 'tgw-0a1b' }],
        ['vpc-peering-connection', { vpcPeeringConnectionId: 'pcx-0a1b' }],
        ['vpc-peering-connection', { gatewayId: 'pcx-0a1b' }],
        // An id in another kind's field is judged by its prefix (EC2 stores a NAT id given as gatewayId as NAT).
        ['internet-gateway', { natGatewayId: 'igw-0a1b' }],
      ] as const
    ).flatMap(([kind, target]) => [
      {
        name: `${kind} when forbidden (${Object.keys(target)[0]})`,
        target,
        policy: parsePolicy({ isolated: { forbiddenTargets: [kind] } }),
        expected: kind,
      },
      {
        name: `${kind} by default (${Object.keys(target)[0]})`,
        target,
        policy: DEFAULT_POLICY,
        expected: SEC05_INTERNET_PATHS.includes(kind) ? kind : undefined,
      },
    ]),
  ])('forbiddenTargetKind: $name', ({ target, policy, expected }) => {
    expect(forbiddenTargetKind(target, policy)).toBe(expected);
  });

  it('hasForbiddenRoute never counts the local route, only forbidden targets', () => {
    const w = baseline();
    expect(hasForbiddenRoute(table(w, RT.public) as RouteTable, DEFAULT_POLICY)).toBe(true);
    expect(hasForbiddenRoute(table(w, RT.private) as RouteTable, IGW_ONLY)).toBe(false);
    expect(hasForbiddenRoute(table(w, RT.private) as RouteTable, NAT_FORBIDDEN)).toBe(true);
    expect(hasForbiddenRoute(table(w, RT.private) as RouteTable, DEFAULT_POLICY)).toBe(true);
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

/**
 * An event's decision as one status, drift, action and reason (what these cases compare): a finding
 * that reverts is `drift`; several findings keep the first one's status and join their reasons.
 */
const flat = (d: EventDecision) => {
  if (d.status !== 'judged') return { ...d, drift: undefined, action: undefined, humanAction: undefined };
  const [first] = d.findings as [Finding];
  return {
    status: first.status === 'revert' ? 'drift' : first.status,
    drift: first.drift,
    action: first.status === 'revert' ? first.action : undefined,
    reason: d.findings.map((f) => f.reason).join('; '),
    humanAction: first.status === 'alert-only' ? first.humanAction : undefined,
    findings: d.findings,
  };
};

describe('evaluateRoute', () => {
  const evaluate = (change: Extract<Change, { kind: 'route' }>, w: World, policy: Policy = DEFAULT_POLICY) =>
    flat(evaluateRoute(change, table(w, change.routeTableId), w.tables, w.subnets, policy, NOW));

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
    expect(decision.action).toEqual({
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
      name: 'NAT route on the database table when the policy allows NAT',
      change: () => routeChange('CreateRoute/nat-on-database-table'),
      edits: [addRoute(RT.database, NAT_ROUTE)],
      status: 'ignored',
      reason: /not a target the policy forbids/,
      policy: IGW_ONLY,
    },
    {
      name: 'a route to the local gateway',
      change: () => routeChangeOf(RT.database, { cidrIpv4: '10.0.0.0/16', gatewayId: 'local' }),
      edits: [],
      status: 'ignored',
      reason: /not a target the policy forbids/,
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
  ])('$status: $name', ({ change, edits, status, reason, policy }: { change: () => Extract<Change, { kind: 'route' }>; edits: Edit[]; status: string; reason: RegExp; policy?: Policy }) => {
    const decision = evaluate(change(), world(...edits), policy);
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

  it('subnets named by id in the policy count as isolated (and move off a table they share)', () => {
    const change = routeChangeOf(RT.private, { cidrIpv4: '0.0.0.0/0', gatewayId: IGW }, 'ReplaceRoute');
    const w = world(addRoute(RT.private, IGW_ROUTE));
    const policy = parsePolicy({ isolated: { subnetIds: [S.private2] } });
    expect(evaluate(change, w, policy)).toMatchObject({
      status: 'drift',
      drift: { kind: 'isolated-subnet-on-internet-table', subnetId: S.private2, isolatedRouteTableId: RT.database },
    });
  });
});

describe('the route revert never touches another route', () => {
  const deletes = (w: World) =>
    decideRouteTables(w.tables, w.subnets, DEFAULT_POLICY, NOW).flatMap((f) =>
      f.status === 'revert' && f.action.type === 'delete-route' ? [f.action] : [],
    );

  it('never plans to delete the local route, even one that claims an internet gateway', () => {
    expect(deletes(baseline())).toEqual([]);
    expect(deletes(world(editTable(RT.database, (t) => ({ ...t, routes: [{ ...LOCAL, gatewayId: IGW }] }))))).toEqual([]);
  });

  it('deletes only the forbidden route, never a virtual private gateway route beside it', () => {
    const w = world(addRoute(RT.database, IGW6_ROUTE), addRoute(RT.database, { cidrIpv4: '0.0.0.0/0', gatewayId: 'vgw-1' }));
    expect(deletes(w)).toEqual([{ type: 'delete-route', routeTableId: RT.database, destination: { cidrIpv6: '::/0' } }]);
  });
});

describe('evaluateAssociation', () => {
  const evaluate = (
    change: Extract<Change, { kind: 'association' }>,
    w: World,
    policy: Policy = DEFAULT_POLICY,
  ) => flat(evaluateAssociation(change, table(w, change.routeTableId), w.tables, w.subnets, policy, NOW));
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
    expect(decision).toMatchObject({ status: 'drift', drift: expected });
    expect(decision.reason).toBe(
      `isolated subnet ${drift.subnetId} is on ${RT.public}, which routes 0.0.0.0/0 -> ${IGW}`,
    );
    expect(decision.action).toEqual({
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
      name: 'an application subnet on the private table (NAT only, allowed)',
      change: () => associationChange('AssociateRouteTable/app-subnet-to-private-table'),
      edits: [moveSubnet(S.private2, RT.private, 'rtbassoc-0a1b2c3d4e5f68103')],
      status: 'ignored',
      reason: /has no route to a forbidden target/,
      policy: IGW_ONLY,
    },
    {
      name: 'an application subnet on the private table (NAT forbidden for isolated subnets)',
      change: () => associationChange('AssociateRouteTable/app-subnet-to-private-table'),
      edits: [moveSubnet(S.private2, RT.private, 'rtbassoc-0a1b2c3d4e5f68103')],
      status: 'ignored',
      reason: /is not an isolated subnet/,
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
  ])('$status: $name', ({ change, edits, status, reason, policy }: { change: () => Extract<Change, { kind: 'association' }>; edits: Edit[]; status: string; reason: RegExp; policy?: Policy }) => {
    const decision = evaluate(change(), world(...edits), policy);
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
    expect(decision.humanAction).toContain(
      'aws ec2 replace-route-table-association --association-id rtbassoc-0a1b2c3d4e5f68101 --route-table-id <isolated route table>',
    );
    expect(decision.drift).toEqual({
      kind: 'isolated-subnet-on-internet-table',
      subnetId: S.db2,
      associationId: 'rtbassoc-0a1b2c3d4e5f68101',
      routeTableId: RT.public,
    });
    expect(decision.action).toBeUndefined();
  });

  it('the public table made the main table while a database subnet uses the main table: the subnet gets the isolated table', () => {
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
      status: 'drift',
      drift: { kind: 'isolated-subnet-on-internet-table', routeTableId: RT.public, subnetId: S.db1, isolatedRouteTableId: RT.database },
      action: { type: 'associate-subnet', subnetId: S.db1, fromRouteTableId: RT.public, toRouteTableId: RT.database },
    });
    expect(decision.drift).not.toHaveProperty('associationId');
  });

  it('screenAssociation decides without the VPC only where it can', () => {
    expect(
      screenAssociation(dbToPublic(), table(world(moveSubnet(S.db2, RT.public)), RT.public), DEFAULT_POLICY),
    ).toBeUndefined();
  });
});

describe('decideRouteTables with no focus (sweeps)', () => {
  const sweep = (w: World, policy: Policy = DEFAULT_POLICY) =>
    decideRouteTables(w.tables, w.subnets, policy, NOW).map((f) => f.drift);

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

  it('a shared main table: no route is deleted; implicit and explicit database subnets both move', () => {
    const w = world(
      moveSubnet(S.db1, undefined),
      moveSubnet(S.public1, undefined),
      moveSubnet(S.db2, RT.main, 'rtbassoc-0a1b2c3d4e5f6cccc'),
      addRoute(RT.main, IGW_ROUTE),
    );
    expect(sweep(w)).toEqual([
      {
        kind: 'isolated-subnet-on-internet-table',
        subnetId: S.db2,
        associationId: 'rtbassoc-0a1b2c3d4e5f6cccc',
        routeTableId: RT.main,
        isolatedRouteTableId: RT.database,
      },
      {
        kind: 'isolated-subnet-on-internet-table',
        subnetId: S.db1,
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

describe('a table the isolated subnets share with another tier (never delete a route it needs)', () => {
  const decide = (w: World, focus = {}, policy: Policy = DEFAULT_POLICY) =>
    decideRouteTables(w.tables, w.subnets, policy, NOW, focus);

  it('an IGW route added to the public table that db2 shares: db2 moves, nothing is deleted', () => {
    const w = world(moveSubnet(S.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f68101'), addRoute(RT.public, IGW6_ROUTE));
    const change = routeChange('CreateRoute/igw-on-public-table');
    const decision = evaluateRoute(change, table(w, RT.public), w.tables, w.subnets, DEFAULT_POLICY, NOW);
    expect(decision).toMatchObject({
      status: 'judged',
      findings: [
        {
          status: 'revert',
          action: {
            type: 'replace-association',
            associationId: 'rtbassoc-0a1b2c3d4e5f68101',
            subnetId: S.db2,
            fromRouteTableId: RT.public,
            toRouteTableId: RT.database,
          },
        },
      ],
    });
  });

  it('a default-VPC main table used by web and database subnets: each database subnet gets an explicit association', () => {
    const w = world(
      moveSubnet(S.public1, undefined),
      moveSubnet(S.db1, undefined),
      moveSubnet(S.db2, undefined),
      addRoute(RT.main, IGW_ROUTE),
    );
    const actions = decide(w).map((f) => (f.status === 'revert' ? f.action : f.status));
    expect(actions).toEqual([
      { type: 'associate-subnet', subnetId: S.db1, fromRouteTableId: RT.main, toRouteTableId: RT.database },
      { type: 'associate-subnet', subnetId: S.db2, fromRouteTableId: RT.main, toRouteTableId: RT.database },
    ]);
  });

  it('an exempt subnet on a shared table stays; the other moves', () => {
    const w = world(moveSubnet(S.db1, RT.public, 'rtbassoc-0a1b2c3d4e5f68111'), moveSubnet(S.db2, RT.public), tagSubnet(S.db1, EXEMPT));
    expect(decide(w).map((f) => `${f.status} ${'subnetId' in f.drift ? f.drift.subnetId : ''}`)).toEqual([
      `exempt ${S.db1}`,
      `revert ${S.db2}`,
    ]);
  });

  it('a table tagged isolated that a web subnet also uses: alert-only, the route is not deleted', () => {
    const w = world(moveSubnet(S.db1, undefined), moveSubnet(S.db2, undefined), moveSubnet(S.public1, RT.database), addRoute(RT.database, IGW_ROUTE));
    const findings = decide(w);
    expect(findings.map((f) => f.status)).toEqual(['alert-only']);
    expect(findings[0]?.reason).toMatch(/non-isolated subnet subnet-0a1b2c3d4e5f61001 use it, so no route is deleted/);
  });

  it('one exempt and one unexempt database subnet: the route is deleted (every one must be exempt to keep it)', () => {
    const w = world(addRoute(RT.database, IGW_ROUTE), tagSubnet(S.db1, EXEMPT));
    expect(decide(w).map((f) => f.status)).toEqual(['revert']);
    const all = world(addRoute(RT.database, IGW_ROUTE), tagSubnet(S.db1, EXEMPT), tagSubnet(S.db2, EXEMPT));
    // The table is tagged as isolated, so its subnets' exemptions do not exempt it; untagged, they do.
    expect(decide(all).map((f) => f.status)).toEqual(['revert']);
    const untagged = world(tagTable(RT.database, {}), addRoute(RT.database, IGW_ROUTE), tagSubnet(S.db1, EXEMPT), tagSubnet(S.db2, EXEMPT));
    expect(decide(untagged).map((f) => f.status)).toEqual(['exempt']);
    const one = world(tagTable(RT.database, {}), addRoute(RT.database, IGW_ROUTE), tagSubnet(S.db1, EXEMPT));
    expect(decide(one).map((f) => f.status)).toEqual(['revert']);
  });

  it('the focus narrows: another table, destination or subnet is not judged', () => {
    const w = world(addRoute(RT.database, IGW_ROUTE), addRoute(RT.database, IGW6_ROUTE));
    expect(decide(w, { routeTableId: RT.public })).toEqual([]);
    expect(decide(w, { destination: { cidrIpv6: '::/0' } }).map((f) => f.drift)).toMatchObject([{ destination: { cidrIpv6: '::/0' } }]);
    expect(decide(w, { subnetIds: [S.private1] })).toEqual([]);
  });
});

describe('destinations are compared whatever their case', () => {
  it('a prefix list or IPv6 destination written in capitals finds the live route', () => {
    const live = world(addRoute(RT.database, PL_ROUTE), addRoute(RT.database, { ...IGW6_ROUTE, cidrIpv6: '2001:db8::/32' }));
    const t = table(live, RT.database) as RouteTable;
    const upper = routeChangeOf(RT.database, { ...PL_ROUTE, prefixListId: 'PL-0A1B2C3D4E5F6A002' });
    expect(evaluateRoute(upper, t, live.tables, live.subnets, DEFAULT_POLICY, NOW).status).toBe('judged');
    const v6 = routeChangeOf(RT.database, { cidrIpv6: '2001:DB8::/32', gatewayId: IGW });
    expect(evaluateRoute(v6, t, live.tables, live.subnets, DEFAULT_POLICY, NOW).status).toBe('judged');
  });
});

describe('a default route to a target whose kind its id cannot tell', () => {
  const ENI = 'eni-0a1b2c3d4e5f6e001';
  const opaque = [
    { name: 'a NAT instance or appliance interface', target: { networkInterfaceId: ENI } },
    { name: 'an instance', target: { instanceId: 'i-0a1b2c3d4e5f6e001' } },
    { name: 'a Gateway Load Balancer endpoint', target: { vpcEndpointId: 'vpce-0a1b2c3d4e5f6e001' } },
  ];
  const decide = (target: Route, policy: Policy = DEFAULT_POLICY) => {
    const w = world(addRoute(RT.database, target));
    return evaluateRoute(routeChangeOf(RT.database, target), table(w, RT.database), w.tables, w.subnets, policy, NOW);
  };

  it.each(opaque)('$name: alert-only under the default policy, with what to do', ({ target }) => {
    const decision = decide({ cidrIpv4: '0.0.0.0/0', ...target });
    expect(decision).toMatchObject({
      status: 'judged',
      findings: [{ status: 'alert-only', drift: { kind: 'unknown-default-route-on-isolated-subnet', subnetIds: [S.db1, S.db2] } }],
    });
    const [finding] = (decision as { findings: readonly Finding[] }).findings;
    expect(finding?.status === 'alert-only' && finding.humanAction).toMatch(/isolated\.unknownDefaultRoute/);
  });

  it.each(opaque)('$name: deleted when the policy forbids it, ignored when it allows it', ({ target }) => {
    const route = { cidrIpv6: '::/0', ...target };
    const forbid = parsePolicy({ isolated: { unknownDefaultRoute: 'forbid' } });
    expect(decide(route, forbid)).toMatchObject({ status: 'judged', findings: [{ status: 'revert', action: { type: 'delete-route' } }] });
    expect(decide(route, parsePolicy({ isolated: { unknownDefaultRoute: 'allow' } })).status).toBe('ignored');
  });

  it('a default route is one by network: 10.9.9.9/0 is 0.0.0.0/0', () => {
    expect(decide({ cidrIpv4: '10.9.9.9/0', networkInterfaceId: ENI })).toMatchObject({ findings: [{ status: 'alert-only' }] });
  });

  it('a narrower route to an appliance is not judged', () => {
    expect(decide({ cidrIpv4: '10.1.0.0/16', networkInterfaceId: ENI }).status).toBe('ignored');
  });

  it('an isolated table with such a route is still the isolated table; the route is alerted on its own', () => {
    const w = world(moveSubnet(S.db2, RT.public), addRoute(RT.database, { cidrIpv4: '0.0.0.0/0', networkInterfaceId: ENI }));
    const findings = decideRouteTables(w.tables, w.subnets, DEFAULT_POLICY, NOW);
    expect(findings.map((f) => `${f.status} ${f.drift.kind}`)).toEqual([
      'revert isolated-subnet-on-internet-table',
      'alert-only unknown-default-route-on-isolated-subnet',
    ]);
  });
});

/** What a person must do, on the findings that carry it (alert-only). */
const humanActionOf = (f: Finding | undefined): string | undefined => (f && 'humanAction' in f ? f.humanAction : undefined);

describe('decideRouteTables: exemptions on every path', () => {
  const APPLIANCE = 'eni-0a1b2c3d4e5f6b009';
  const OPAQUE: Route = { cidrIpv4: '0.0.0.0/0', networkInterfaceId: APPLIANCE, state: 'active', origin: 'CreateRoute' };
  const UNTAGGED = 'rtb-0a1b2c3d4e5f64009';
  /** Both database subnets on an untagged table whose default route goes to an appliance. */
  const onAppliance = (...edits: Edit[]) =>
    world(
      addTable({ routeTableId: UNTAGGED, routes: [LOCAL, OPAQUE] }),
      moveSubnet(S.db1, UNTAGGED, 'rtbassoc-0a1b2c3d4e5f68201'),
      moveSubnet(S.db2, UNTAGGED, 'rtbassoc-0a1b2c3d4e5f68202'),
      ...edits,
    );
  const decideAll = (w: World) => decideRouteTables(w.tables, w.subnets, DEFAULT_POLICY, NOW);

  it('an opaque default route is kept, exempt, when every isolated subnet on it is exempt, naming each', () => {
    const findings = decideAll(onAppliance(tagSubnet(S.db1, EXEMPT), tagSubnet(S.db2, EXEMPT)));
    expect(findings).toEqual([
      expect.objectContaining({
        status: 'exempt',
        reason: `every isolated subnet on ${UNTAGGED} is exempt (${S.db1} until 2026-12-31; ${S.db2} until 2026-12-31)`,
      }),
    ]);
  });

  it('one isolated subnet without an exemption: the opaque route is alerted on for both, with the expired tag named', () => {
    const findings = decideAll(onAppliance(tagSubnet(S.db1, EXEMPT), tagSubnet(S.db2, EXPIRED)));
    expect(findings.map((f) => f.status)).toEqual(['alert-only']);
    const [finding] = findings;
    expect(finding?.reason).toContain(`isolated subnets ${S.db1}, ${S.db2}`);
    expect(finding?.reason).toContain('(exemption expired on 2020-01-01)');
    expect(humanActionOf(finding)).toContain(`aws ec2 delete-route --route-table-id ${UNTAGGED} --destination-cidr-block 0.0.0.0/0`);
  });

  it('one isolated subnet alone on the opaque route is named in the singular', () => {
    const w = onAppliance(moveSubnet(S.db2, RT.database, 'rtbassoc-0a1b2c3d4e5f68203'));
    const [finding] = decideAll(w);
    expect(finding?.reason).toContain(`isolated subnet ${S.db1} `);
  });

  it('an IPv6 opaque default route is told with its own delete flag', () => {
    const w = onAppliance(editTable(UNTAGGED, (t) => ({ ...t, routes: [LOCAL, { ...OPAQUE, cidrIpv4: undefined, cidrIpv6: '::/0' }] })));
    const [finding] = decideAll(w);
    expect(finding?.status).toBe('alert-only');
    expect(humanActionOf(finding)).toContain('--destination-ipv6-cidr-block ::/0');
  });

  /** A database subnet on the shared public table while the VPC has no isolated table to move it to. */
  const stranded = (...edits: Edit[]) => world(dropTable(RT.database), moveSubnet(S.db1, RT.public), moveSubnet(S.db2, RT.private, 'rtbassoc-0a1b2c3d4e5f68102'), ...edits);

  it('with nowhere to move it, an exempt subnet stays exempt, with its own reason', () => {
    const findings = decideAll(stranded(tagSubnet(S.db1, EXEMPT))).filter((f) => f.drift.kind === 'isolated-subnet-on-internet-table' && f.drift.subnetId === S.db1);
    expect(findings).toEqual([
      expect.objectContaining({ status: 'exempt', reason: `${S.db1} is exempt until 2026-12-31: migration window` }),
    ]);
  });

  it('with nowhere to move it, a subnet without an exemption is alert-only, saying no table qualifies', () => {
    const findings = decideAll(stranded()).filter((f) => f.drift.kind === 'isolated-subnet-on-internet-table' && f.drift.subnetId === S.db1);
    expect(findings.map((f) => f.status)).toEqual(['alert-only']);
    expect(findings[0]?.reason).toContain(`no route table in ${VPC} is tagged Tier=Database without a forbidden route`);
  });

  it('with nowhere to move it, an exempt table exempts the subnet, with the table as the reason', () => {
    const findings = decideAll(stranded(tagTable(RT.public, { Tier: 'Web', ...EXEMPT }))).filter(
      (f) => f.drift.kind === 'isolated-subnet-on-internet-table' && f.drift.subnetId === S.db1,
    );
    expect(findings).toEqual([expect.objectContaining({ status: 'exempt', reason: `${RT.public} is exempt until 2026-12-31: migration window` })]);
  });
});

describe('decideRouteTables: what a person reads when nothing can be moved', () => {
  // Written out in full: the reason and the command are what the person acts on.
  it('no isolated table in the VPC: each stranded subnet is alert-only, with the command to move it and the tag to set', () => {
    const w = world(dropTable(RT.database), moveSubnet(S.db1, RT.public), moveSubnet(S.db2, RT.private, 'rtbassoc-0a1b2c3d4e5f68102'));
    expect(decideRouteTables(w.tables, w.subnets, DEFAULT_POLICY, NOW).map((f) => [f.status, f.reason, humanActionOf(f)])).toEqual([
      [
        'alert-only',
        'isolated subnet subnet-0a1b2c3d4e5f63001 is on rtb-0a1b2c3d4e5f64001: rtb-0a1b2c3d4e5f64001 routes 0.0.0.0/0 -> igw-0a1b2c3d4e5f65001 and non-isolated subnets subnet-0a1b2c3d4e5f61001, subnet-0a1b2c3d4e5f61002 use it, so no route is deleted; no route table in vpc-0a1b2c3d4e5f60001 is tagged Tier=Database without a forbidden route, so LayerGuard did not guess where it belongs',
        "Move subnet-0a1b2c3d4e5f63001 to the VPC's isolated route table: aws ec2 replace-route-table-association --association-id rtbassoc-0a1b2c3d4e5f68101 --route-table-id <isolated route table>. Then tag that table Tier=Database so LayerGuard can restore it next time.",
      ],
      [
        'alert-only',
        'isolated subnet subnet-0a1b2c3d4e5f63002 is on rtb-0a1b2c3d4e5f64002: rtb-0a1b2c3d4e5f64002 routes 0.0.0.0/0 -> nat-0a1b2c3d4e5f66001 and non-isolated subnets subnet-0a1b2c3d4e5f62001, subnet-0a1b2c3d4e5f62002 use it, so no route is deleted; no route table in vpc-0a1b2c3d4e5f60001 is tagged Tier=Database without a forbidden route, so LayerGuard did not guess where it belongs',
        "Move subnet-0a1b2c3d4e5f63002 to the VPC's isolated route table: aws ec2 replace-route-table-association --association-id rtbassoc-0a1b2c3d4e5f68102 --route-table-id <isolated route table>. Then tag that table Tier=Database so LayerGuard can restore it next time.",
      ],
    ]);
  });

  it('two isolated tables: alert-only, naming both, and asking for the tag on exactly one', () => {
    const w = world(moveSubnet(S.db1, RT.public), addTable({ routeTableId: 'rtb-0a1b2c3d4e5f64008', tags: { Tier: 'Database' } }));
    expect(decideRouteTables(w.tables, w.subnets, DEFAULT_POLICY, NOW).map((f) => [f.status, f.reason, humanActionOf(f)])).toEqual([
      [
        'alert-only',
        'isolated subnet subnet-0a1b2c3d4e5f63001 is on rtb-0a1b2c3d4e5f64001: rtb-0a1b2c3d4e5f64001 routes 0.0.0.0/0 -> igw-0a1b2c3d4e5f65001 and non-isolated subnets subnet-0a1b2c3d4e5f61001, subnet-0a1b2c3d4e5f61002 use it, so no route is deleted; 2 route tables in vpc-0a1b2c3d4e5f60001 qualify (rtb-0a1b2c3d4e5f64003, rtb-0a1b2c3d4e5f64008), so LayerGuard did not guess where it belongs',
        "Move subnet-0a1b2c3d4e5f63001 to the VPC's isolated route table: aws ec2 replace-route-table-association --association-id rtbassoc-0a1b2c3d4e5f68101 --route-table-id <isolated route table>. Then keep the Tier=Database tag on exactly one route table without a forbidden route.",
      ],
    ]);
  });
});

describe('decideRouteTables: a sweep sees every VPC of the region at once', () => {
  // A second VPC beside the baseline: its own main table, one database subnet on it implicitly, and
  // its own database table. Each VPC's decision must read its own tables and subnets only.
  const VPC_B = 'vpc-0a1b2c3d4e5f6b001';
  const B = { main: 'rtb-0a1b2c3d4e5f6b000', database: 'rtb-0a1b2c3d4e5f6b003', db: 'subnet-0a1b2c3d4e5f6b031' };
  const secondVpc: Edit = (w) => {
    w.subnets.push({ subnetId: B.db, vpcId: VPC_B, tags: { Tier: 'Database' } });
    w.tables.push(
      { routeTableId: B.main, vpcId: VPC_B, routes: [LOCAL], associations: [{ associationId: 'rtbassoc-0a1b2c3d4e5f6b000', routeTableId: B.main, main: true }], tags: {} },
      { routeTableId: B.database, vpcId: VPC_B, routes: [LOCAL], associations: [], tags: { Tier: 'Database' } },
    );
  };
  const sweep = (w: World) => decideRouteTables(w.tables, w.subnets, DEFAULT_POLICY, NOW);

  it("another VPC's subnet without an explicit association does not use this VPC's main table", () => {
    // Every baseline subnet is explicitly associated, so nothing of this VPC uses its main table.
    expect(sweep(world(secondVpc, addRoute(RT.main, IGW_ROUTE)))).toEqual([]);
  });

  it("another VPC's isolated table is not a candidate: the subnet moves to its own VPC's", () => {
    const findings = sweep(world(secondVpc, moveSubnet(S.db1, RT.public)));
    expect(findings.map((f) => (f.status === 'revert' ? f.action : f.status))).toEqual([
      { type: 'replace-association', associationId: 'rtbassoc-0a1b2c3d4e5f68101', subnetId: S.db1, fromRouteTableId: RT.public, toRouteTableId: RT.database },
    ]);
  });

  it("the other VPC's implicit database subnet is judged on its own main table", () => {
    const findings = sweep(world(secondVpc, editTable(B.main, (t) => ({ ...t, routes: [LOCAL, IGW_ROUTE] }))));
    expect(findings.map((f) => f.drift)).toEqual([
      // No other tier uses that main table, so its route goes (nothing there needs it).
      { kind: 'forbidden-route-on-isolated-subnet', routeTableId: B.main, destination: { cidrIpv4: '0.0.0.0/0' }, target: { gatewayId: IGW }, subnetIds: [B.db] },
    ]);
  });
});

describe('route decisions: every reason in full', () => {
  // The reasons are what a person reads in the notice and the audit log; each is written out.
  const decideAll = (w: World, policy: Policy = DEFAULT_POLICY) => decideRouteTables(w.tables, w.subnets, policy, NOW);

  it('a misplaced database subnet, on a table with two forbidden routes: both named, and where it goes', () => {
    const w = world(moveSubnet(S.db1, RT.public), addRoute(RT.public, IGW6_ROUTE));
    expect(decideAll(w).map((f) => [f.status, f.reason])).toEqual([
      [
        'revert',
        `isolated subnet ${S.db1} is on ${RT.public}, which routes 0.0.0.0/0 -> ${IGW}, ::/0 -> ${IGW}, not on the isolated route table ${RT.database}`,
      ],
    ]);
  });

  it('a table tagged isolated that a web subnet uses: the route stays, and the person is told what to move first', () => {
    const w = world(moveSubnet(S.db1, undefined), moveSubnet(S.db2, undefined), moveSubnet(S.public1, RT.database), addRoute(RT.database, IGW_ROUTE));
    expect(decideAll(w).map((f) => [f.status, f.reason, humanActionOf(f)])).toEqual([
      [
        'alert-only',
        `${RT.database} is tagged as isolated, but ${RT.database} routes 0.0.0.0/0 -> ${IGW} and non-isolated subnet ${S.public1} use it, so no route is deleted`,
        `Move ${S.public1} to the route table of their tier, then delete 0.0.0.0/0 -> ${IGW} from ${RT.database}.`,
      ],
    ]);
  });

  it('with two isolated subnet tags, the person is told either will do', () => {
    const policy = parsePolicy({ isolated: { subnetTags: [{ key: 'Tier', value: 'Database' }, { key: 'Tier', value: 'Data' }] } });
    const w = world(dropTable(RT.database), moveSubnet(S.db1, RT.public));
    const [finding] = decideAll(w, policy);
    expect(finding?.reason).toContain(`no route table in ${VPC} is tagged Tier=Database or Tier=Data without a forbidden route`);
    expect(humanActionOf(finding)).toContain('Then tag that table Tier=Database or Tier=Data so LayerGuard');
  });

  it('a route on a table no isolated subnet uses: ignored, naming the route', () => {
    const w = world(addRoute(RT.public, IGW6_ROUTE));
    const change = routeChangeOf(RT.public, IGW6_ROUTE);
    expect(evaluateRoute(change, table(w, RT.public), w.tables, w.subnets, DEFAULT_POLICY, NOW)).toEqual({
      status: 'ignored',
      reason: `no isolated subnet uses ${RT.public}, so ::/0 -> ${IGW} is allowed there`,
    });
  });

  it('associations that move nothing isolated: each ignored reason', () => {
    const evaluate = (change: Extract<Change, { kind: 'association' }>, w: World) =>
      evaluateAssociation(change, table(w, change.routeTableId), w.tables, w.subnets, DEFAULT_POLICY, NOW);
    const webOnPublic = world(moveSubnet(S.public1, RT.private, 'rtbassoc-0a1b2c3d4e5f6e001'));
    expect(
      evaluate({ kind: 'association', eventName: 'AssociateRouteTable', routeTableId: RT.private, subnetId: S.public1, associationId: 'rtbassoc-0a1b2c3d4e5f6e001' }, webOnPublic),
    ).toEqual({ status: 'ignored', reason: `${S.public1} is not an isolated subnet` });
    // The main table made main again, used implicitly by a web subnet only.
    const mainUsed = world(moveSubnet(S.public1, undefined), addRoute(RT.main, IGW_ROUTE));
    expect(
      evaluate({ kind: 'association', eventName: 'ReplaceRouteTableAssociation', routeTableId: RT.main, associationId: 'rtbassoc-0a1b2c3d4e5f68000' }, mainUsed),
    ).toEqual({ status: 'ignored', reason: `no isolated subnet uses the main route table ${RT.main}` });
  });
});

describe('what a target is called, and which routes are judged at all', () => {
  it('a target is named by what its id says: the instance of an instance route, else the field given, else ?', () => {
    // A route to an instance goes through its one network interface (@aws-sdk/client-ec2 models_2.d.ts,
    // CreateRouteRequest.InstanceId: "The operation fails if you specify an instance ID unless exactly one
    // network interface is attached"), and the described `Route` has both InstanceId and NetworkInterfaceId
    // fields (models_2.d.ts, Route). The instance is what was asked for.
    expect(describeTarget({ networkInterfaceId: 'eni-0a1b2c3d4e5f6e001', instanceId: 'i-0a1b2c3d4e5f6e001' })).toBe('i-0a1b2c3d4e5f6e001');
    // A virtual private gateway has no kind LayerGuard classifies; it is named as given.
    expect(describeTarget({ gatewayId: 'vgw-0a1b2c3d4e5f6e001' })).toBe('vgw-0a1b2c3d4e5f6e001');
    expect(describeTarget({})).toBe('?');
  });

  it('a default route to a virtual private gateway, and a narrower route to an appliance, are allowed', () => {
    const vgw = { cidrIpv4: '0.0.0.0/0', gatewayId: 'vgw-0a1b2c3d4e5f6e001' };
    expect(routeStanding(vgw, DEFAULT_POLICY)).toBe('allowed');
    expect(routeStanding({ cidrIpv4: '10.1.0.0/16', networkInterfaceId: 'eni-0a1b2c3d4e5f6e001' }, DEFAULT_POLICY)).toBe('allowed');
    // So a database subnet put on a table that only reaches a VPN is no drift.
    const w = world(addTable({ routeTableId: 'rtb-0a1b2c3d4e5f6e0a1', routes: [LOCAL, { ...vgw, state: 'active', origin: 'CreateRoute' }] }));
    const change = { kind: 'association' as const, eventName: 'AssociateRouteTable' as const, routeTableId: 'rtb-0a1b2c3d4e5f6e0a1', subnetId: S.db1 };
    const vpnTable = { ...(table(w, 'rtb-0a1b2c3d4e5f6e0a1') as RouteTable), associations: [assoc('rtbassoc-0a1b2c3d4e5f6e0a1', 'rtb-0a1b2c3d4e5f6e0a1', S.db1)] };
    expect(screenAssociation(change, vpnTable, DEFAULT_POLICY)).toEqual({
      status: 'ignored',
      reason: 'rtb-0a1b2c3d4e5f6e0a1 has no route to a forbidden target',
    });
  });

  it('a route event whose route now points at a target LayerGuard does not classify is already compliant, naming it', () => {
    const vgwNow: Route = { cidrIpv4: '0.0.0.0/0', gatewayId: 'vgw-0a1b2c3d4e5f6e001', state: 'active', origin: 'CreateRoute' };
    const w = world(addRoute(RT.database, vgwNow));
    expect(screenRoute(routeChangeOf(RT.database, IGW_ROUTE), table(w, RT.database), DEFAULT_POLICY)).toEqual({
      status: 'already-compliant',
      reason: `0.0.0.0/0 on ${RT.database} no longer points at ${IGW} (now vgw-0a1b2c3d4e5f6e001)`,
    });
  });
});

describe('which subnets use a table, and which association an event made', () => {
  it('subnets are listed in id order, whatever the order of the associations', () => {
    const w = world(
      editTable(RT.database, (t) => ({ ...t, associations: [...t.associations].reverse() })),
    );
    const using = subnetsUsingTable(table(w, RT.database) as RouteTable, w.tables, w.subnets);
    expect(using.map((s) => s.subnetId)).toEqual([S.db1, S.db2]);
  });

  it('a gateway (edge) association is no subnet: the table has no users and needs no subnet read', () => {
    // EC2's RouteTableAssociation (@aws-sdk/client-ec2 models_2.d.ts): GatewayId, "The ID of the internet
    // gateway or virtual private gateway", beside SubnetId; an edge association names the gateway, no subnet.
    const edge: RouteTable = {
      routeTableId: 'rtb-0a1b2c3d4e5f6e0b1',
      vpcId: VPC,
      routes: [LOCAL],
      associations: [{ associationId: 'rtbassoc-0a1b2c3d4e5f6e0b1', routeTableId: 'rtb-0a1b2c3d4e5f6e0b1', main: false, gatewayId: IGW }],
      tags: {},
    };
    const w = baseline();
    expect(subnetsUsingTable(edge, w.tables, w.subnets)).toEqual([]);
    expect(vpcReadsFor(edge)).toEqual({ tables: false, subnets: false });
  });

  it('an association event without an association id (no response) finds the association by its subnet', () => {
    const w = baseline();
    const change = { kind: 'association' as const, eventName: 'AssociateRouteTable' as const, routeTableId: RT.public, subnetId: S.public2 };
    expect(findAssociation(change, table(w, RT.public) as RouteTable)).toEqual(assoc('rtbassoc-0a1b2c3d4e5f68012', RT.public, S.public2));
  });

  it('an association gone since is told by the subnet it moved', () => {
    const w = baseline();
    const change = {
      kind: 'association' as const,
      eventName: 'AssociateRouteTable' as const,
      routeTableId: RT.public,
      subnetId: S.db1,
      associationId: 'rtbassoc-0a1b2c3d4e5f6e0c1',
    };
    expect(screenAssociation(change, table(w, RT.public), DEFAULT_POLICY)).toEqual({
      status: 'already-compliant',
      reason: `${S.db1} is no longer on ${RT.public}`,
    });
  });
});

describe('route decisions: only what the event touched, every finding in full', () => {
  const ENI = 'eni-0a1b2c3d4e5f6e0d1';
  const OPAQUE6: Route = { cidrIpv6: '::/0', networkInterfaceId: ENI, state: 'active', origin: 'CreateRoute' };
  const UNTAGGED = 'rtb-0a1b2c3d4e5f6e0d1';
  const decideAll = (w: World) => decideRouteTables(w.tables, w.subnets, DEFAULT_POLICY, NOW);
  const associate = (w: World, routeTableId: string, subnetId: string, associationId: string) =>
    evaluateAssociation(
      { kind: 'association', eventName: 'AssociateRouteTable', routeTableId, subnetId, associationId },
      table(w, routeTableId),
      w.tables,
      w.subnets,
      DEFAULT_POLICY,
      NOW,
    );
  const unknownAlert = (routeTableId: string, subnetIds: string[], whose: string): Finding => ({
    status: 'alert-only',
    drift: {
      kind: 'unknown-default-route-on-isolated-subnet',
      routeTableId,
      destination: { cidrIpv6: '::/0' },
      target: { networkInterfaceId: ENI },
      subnetIds,
    },
    reason:
      `::/0 -> ${ENI} on ${routeTableId} sends the default traffic of ${whose} to ${ENI}, whose kind LayerGuard ` +
      'cannot tell from its id (a NAT instance or an appliance may reach the internet)',
    humanAction:
      `Check where ${ENI} sends traffic. If it can reach the internet, delete the route: aws ec2 delete-route ` +
      `--route-table-id ${routeTableId} --destination-ipv6-cidr-block ::/0. To have LayerGuard decide such routes, set the policy's ` +
      `isolated.unknownDefaultRoute to 'forbid' or 'allow'.`,
  });

  it("a route event judges its own destination only, not the table's opaque default route beside it", () => {
    const w = world(addRoute(RT.database, IGW_ROUTE), addRoute(RT.database, OPAQUE6));
    const decision = evaluateRoute(routeChangeOf(RT.database, IGW_ROUTE), table(w, RT.database), w.tables, w.subnets, DEFAULT_POLICY, NOW);
    expect(decision).toEqual({
      status: 'judged',
      findings: [
        {
          status: 'revert',
          drift: {
            kind: 'forbidden-route-on-isolated-subnet',
            routeTableId: RT.database,
            destination: { cidrIpv4: '0.0.0.0/0' },
            target: { gatewayId: IGW },
            subnetIds: [S.db1, S.db2],
          },
          action: { type: 'delete-route', routeTableId: RT.database, destination: { cidrIpv4: '0.0.0.0/0' } },
          reason: `0.0.0.0/0 -> ${IGW} on ${RT.database} exposes isolated subnets ${S.db1}, ${S.db2}`,
        },
      ],
    });
  });

  it('an association event moves only the subnet it moved, not another database subnet on the same table', () => {
    const w = world(moveSubnet(S.db1, RT.public, 'rtbassoc-0a1b2c3d4e5f6e0d1'), moveSubnet(S.db2, RT.public, 'rtbassoc-0a1b2c3d4e5f6e0d2'));
    expect(associate(w, RT.public, S.db2, 'rtbassoc-0a1b2c3d4e5f6e0d2')).toEqual({
      status: 'judged',
      findings: [
        {
          status: 'revert',
          drift: {
            kind: 'isolated-subnet-on-internet-table',
            subnetId: S.db2,
            associationId: 'rtbassoc-0a1b2c3d4e5f6e0d2',
            routeTableId: RT.public,
            isolatedRouteTableId: RT.database,
          },
          action: {
            type: 'replace-association',
            associationId: 'rtbassoc-0a1b2c3d4e5f6e0d2',
            subnetId: S.db2,
            fromRouteTableId: RT.public,
            toRouteTableId: RT.database,
          },
          reason: `isolated subnet ${S.db2} is on ${RT.public}, which routes 0.0.0.0/0 -> ${IGW}`,
        },
      ],
    });
  });

  it('an association event onto a table with only an opaque default route alerts for the moved subnet alone', () => {
    const w = world(
      addTable({ routeTableId: UNTAGGED, routes: [LOCAL, OPAQUE6] }),
      moveSubnet(S.db1, UNTAGGED, 'rtbassoc-0a1b2c3d4e5f6e0d3'),
      moveSubnet(S.db2, UNTAGGED, 'rtbassoc-0a1b2c3d4e5f6e0d4'),
    );
    expect(associate(w, UNTAGGED, S.db2, 'rtbassoc-0a1b2c3d4e5f6e0d4')).toEqual({
      status: 'judged',
      findings: [unknownAlert(UNTAGGED, [S.db2], `isolated subnet ${S.db2}`)],
    });
  });

  it("a table made main moves the subnets that now use it implicitly, not the ones explicitly on it", () => {
    const w = world(
      addRoute(RT.main, IGW_ROUTE),
      moveSubnet(S.db1, undefined),
      moveSubnet(S.db2, RT.main, 'rtbassoc-0a1b2c3d4e5f6e0d5'),
    );
    const decision = evaluateAssociation(
      { kind: 'association', eventName: 'ReplaceRouteTableAssociation', routeTableId: RT.main, associationId: 'rtbassoc-0a1b2c3d4e5f68000' },
      table(w, RT.main),
      w.tables,
      w.subnets,
      DEFAULT_POLICY,
      NOW,
    );
    expect(decision).toEqual({
      status: 'judged',
      findings: [
        {
          status: 'revert',
          drift: { kind: 'isolated-subnet-on-internet-table', subnetId: S.db1, routeTableId: RT.main, isolatedRouteTableId: RT.database },
          action: { type: 'associate-subnet', subnetId: S.db1, fromRouteTableId: RT.main, toRouteTableId: RT.database },
          reason: `isolated subnet ${S.db1} is on ${RT.main} (through the main route table), which routes 0.0.0.0/0 -> ${IGW}`,
        },
      ],
    });
  });

  it('a sweep of a shared main table says the moved subnet uses it implicitly', () => {
    const w = world(moveSubnet(S.db1, undefined), moveSubnet(S.public1, undefined), addRoute(RT.main, IGW_ROUTE));
    expect(decideAll(w)).toEqual([
      {
        status: 'revert',
        drift: { kind: 'isolated-subnet-on-internet-table', subnetId: S.db1, routeTableId: RT.main, isolatedRouteTableId: RT.database },
        action: { type: 'associate-subnet', subnetId: S.db1, fromRouteTableId: RT.main, toRouteTableId: RT.database },
        reason:
          `isolated subnet ${S.db1} is on ${RT.main} (through the main route table): ${RT.main} routes 0.0.0.0/0 -> ${IGW} ` +
          `and non-isolated subnet ${S.public1} use it, so no route is deleted`,
      },
    ]);
  });

  /** The database table, used by a web subnet only, with an internet route and an opaque default route. */
  const isolatedTableOfWeb = (...edits: Edit[]) =>
    world(
      moveSubnet(S.db1, undefined),
      moveSubnet(S.db2, undefined),
      moveSubnet(S.public1, RT.database),
      addRoute(RT.database, IGW_ROUTE),
      addRoute(RT.database, OPAQUE6),
      ...edits,
    );
  const forbiddenDrift: RouteDrift = {
    kind: 'forbidden-route-on-isolated-subnet',
    routeTableId: RT.database,
    destination: { cidrIpv4: '0.0.0.0/0' },
    target: { gatewayId: IGW },
    subnetIds: [],
  };

  it('a table tagged isolated that only a web subnet uses: its opaque default route is alerted on as the table\'s own', () => {
    expect(decideAll(isolatedTableOfWeb())).toEqual([
      {
        status: 'alert-only',
        drift: forbiddenDrift,
        reason: `${RT.database} is tagged as isolated, but ${RT.database} routes 0.0.0.0/0 -> ${IGW} and non-isolated subnet ${S.public1} use it, so no route is deleted`,
        humanAction: `Move ${S.public1} to the route table of their tier, then delete 0.0.0.0/0 -> ${IGW} from ${RT.database}.`,
      },
      unknownAlert(RT.database, [], `the isolated route table ${RT.database}`),
    ]);
  });

  it('the same table exempt: both of its routes are exempt, with the table as the reason', () => {
    const w = isolatedTableOfWeb(tagTable(RT.database, { Tier: 'Database', ...EXEMPT }));
    const reason = `${RT.database} is exempt until 2026-12-31: migration window`;
    expect(decideAll(w)).toEqual([
      { status: 'exempt', drift: forbiddenDrift, reason },
      { status: 'exempt', drift: unknownAlert(RT.database, [], '').drift, reason },
    ]);
  });

  it('with nowhere to move them, the database subnets on a shared isolated table are each named on its opaque default route', () => {
    // The database table is the only one tagged, and its internet route disqualifies it: no home.
    const w = world(moveSubnet(S.public1, RT.database), addRoute(RT.database, IGW_ROUTE), addRoute(RT.database, OPAQUE6));
    const findings = decideAll(w);
    expect(findings.map((f) => `${f.status} ${f.drift.kind}`)).toEqual([
      'alert-only isolated-subnet-on-internet-table',
      'alert-only isolated-subnet-on-internet-table',
      'alert-only unknown-default-route-on-isolated-subnet',
    ]);
    expect(findings[2]).toEqual(unknownAlert(RT.database, [S.db1, S.db2], `isolated subnets ${S.db1}, ${S.db2}`));
  });

  it('every exemption problem is named, one after another', () => {
    const w = world(
      moveSubnet(S.db1, RT.public, 'rtbassoc-0a1b2c3d4e5f6e0d6'),
      tagTable(RT.public, { Tier: 'Web', 'layerguard:exempt': 'soon' }),
      tagSubnet(S.db1, EXPIRED),
    );
    expect(decideAll(w).map((f) => f.reason)).toEqual([
      `isolated subnet ${S.db1} is on ${RT.public}, which routes 0.0.0.0/0 -> ${IGW}, not on the isolated route table ${RT.database}` +
        ' (tag layerguard:exempt needs until=YYYY-MM-DD;reason=...; exemption expired on 2020-01-01)',
    ]);
  });
});

describe('evaluateDisassociation', () => {
  const OTHER_VPC = 'vpc-0a1b2c3d4e5f6f002';
  const offDatabase = () => changeOf('DisassociateRouteTable/database-subnet-off-database-table') as Extract<Change, { kind: 'disassociation' }>;
  /** The handler's read: the main tables (one per VPC), then the VPCs of those with a judged route. */
  const vpcsOf = (w: World, policy: Policy = DEFAULT_POLICY) =>
    judgedMainTables(
      w.tables.filter((t) => t.associations.some((a) => a.main)),
      policy,
    ).map((main) => ({
      main,
      tables: w.tables.filter((t) => t.vpcId === main.vpcId),
      subnets: w.subnets.filter((s) => s.vpcId === main.vpcId),
    }));
  const evaluate = (w: World, policy: Policy = DEFAULT_POLICY) =>
    evaluateDisassociation(offDatabase(), vpcsOf(w, policy), policy, NOW);
  const INTERNET_MAIN = addRoute(RT.main, IGW_ROUTE);

  it('a database subnet off its table, onto a main table with an internet route: associated with the database table again', () => {
    const decision = evaluate(world(INTERNET_MAIN, moveSubnet(S.db1, undefined)));
    expect(decision).toEqual({
      status: 'judged',
      findings: [
        {
          status: 'revert',
          drift: { kind: 'isolated-subnet-on-internet-table', subnetId: S.db1, routeTableId: RT.main, isolatedRouteTableId: RT.database },
          action: { type: 'associate-subnet', subnetId: S.db1, fromRouteTableId: RT.main, toRouteTableId: RT.database },
          reason: `isolated subnet ${S.db1} is on ${RT.main} (through the main route table), which routes 0.0.0.0/0 -> ${IGW}`,
        },
      ],
    });
  });

  it('never deletes the main table route, even when only the isolated subnet uses the main table', () => {
    const w = world(INTERNET_MAIN, moveSubnet(S.db1, undefined));
    const decision = evaluate(w) as Extract<EventDecision, { status: 'judged' }>;
    expect(decision.findings.map((f) => (f.status === 'revert' ? f.action.type : f.status))).toEqual(['associate-subnet']);
  });

  it.each([
    {
      name: 'the main table routes nowhere forbidden',
      edits: [moveSubnet(S.db1, undefined)],
      reason: 'no main route table routes to a target the policy forbids for isolated subnets, so the subnet of rtbassoc-0a1b2c3d4e5f68031 is not exposed',
    },
    {
      name: 'an application subnet fell back to the internet main table',
      edits: [INTERNET_MAIN, moveSubnet(S.private1, undefined)],
      reason: `no isolated subnet uses ${RT.main} implicitly: the subnet of rtbassoc-0a1b2c3d4e5f68031 is not isolated, or has an explicit association again`,
    },
    {
      name: 'the subnet was associated again before the event was judged',
      edits: [INTERNET_MAIN],
      reason: `no isolated subnet uses ${RT.main} implicitly: the subnet of rtbassoc-0a1b2c3d4e5f68031 is not isolated, or has an explicit association again`,
    },
    {
      name: 'a NAT route on the main table, which the policy allows',
      edits: [addRoute(RT.main, NAT_ROUTE), moveSubnet(S.db1, undefined)],
      reason: /is not exposed$/,
      policy: IGW_ONLY,
    },
  ])('ignored: $name', ({ edits, reason, policy }: { edits: Edit[]; reason: string | RegExp; policy?: Policy }) => {
    const decision = evaluate(world(...edits), policy);
    expect(decision.status).toBe('ignored');
    expect((decision as { reason: string }).reason).toMatch(reason);
  });

  it('an isolated subnet that was on the main table all along is judged too: it is the same drift', () => {
    const w = world(INTERNET_MAIN, moveSubnet(S.db2, undefined));
    const decision = evaluate(w) as Extract<EventDecision, { status: 'judged' }>;
    expect(decision.findings.map((f) => f.drift)).toEqual([
      { kind: 'isolated-subnet-on-internet-table', subnetId: S.db2, routeTableId: RT.main, isolatedRouteTableId: RT.database },
    ]);
  });

  it('an exempt subnet stays; an exempt main table exempts all of it', () => {
    const subnet = evaluate(world(INTERNET_MAIN, moveSubnet(S.db1, undefined), tagSubnet(S.db1, EXEMPT)));
    expect(subnet).toMatchObject({ status: 'judged', findings: [{ status: 'exempt', reason: expect.stringMatching(/^subnet-0a1b2c3d4e5f63001 is exempt until 2026-12-31/) }] });
    const main = evaluate(world(INTERNET_MAIN, moveSubnet(S.db1, undefined), tagTable(RT.main, EXEMPT)));
    expect(main).toMatchObject({ status: 'judged', findings: [{ status: 'exempt', reason: expect.stringMatching(/^rtb-0a1b2c3d4e5f64000 is exempt until 2026-12-31/) }] });
  });

  it('no single isolated table to go back to: alert-only with the command, nothing guessed', () => {
    const decision = evaluate(world(INTERNET_MAIN, moveSubnet(S.db1, undefined), tagTable(RT.database, {})));
    expect(decision).toMatchObject({
      status: 'judged',
      findings: [
        {
          status: 'alert-only',
          reason: expect.stringMatching(/no route table in vpc-0a1b2c3d4e5f60001 is tagged Tier=Database without a forbidden route/),
          humanAction: expect.stringContaining(`aws ec2 associate-route-table --subnet-id ${S.db1} --route-table-id <isolated route table>`),
        },
      ],
    });
  });

  it('a default route to an opaque target on the main table: alert-only (isolated.unknownDefaultRoute alert)', () => {
    const eni: Route = { cidrIpv4: '0.0.0.0/0', networkInterfaceId: 'eni-0a1b2c3d4e5f6c001', state: 'active', origin: 'CreateRoute' };
    const decision = evaluate(world(addRoute(RT.main, eni), moveSubnet(S.db1, undefined)));
    expect(decision).toMatchObject({
      status: 'judged',
      findings: [{ status: 'alert-only', drift: { kind: 'unknown-default-route-on-isolated-subnet', routeTableId: RT.main, subnetIds: [S.db1] } }],
    });
  });

  it('judges every VPC whose main table routes to the internet, and reads no other', () => {
    const w = world(INTERNET_MAIN, moveSubnet(S.db1, undefined));
    const other = (id: string): RouteTable => ({ routeTableId: id, vpcId: OTHER_VPC, routes: [LOCAL, IGW_ROUTE], associations: [], tags: {} });
    w.tables.push(
      { ...other('rtb-0a1b2c3d4e5f6f000'), associations: [{ associationId: 'rtbassoc-0a1b2c3d4e5f6f000', routeTableId: 'rtb-0a1b2c3d4e5f6f000', main: true }] },
      { ...other('rtb-0a1b2c3d4e5f6f003'), routes: [LOCAL], tags: { Tier: 'Database' } },
      { ...other('rtb-0a1b2c3d4e5f6f009'), routes: [LOCAL], associations: [{ associationId: 'rtbassoc-0a1b2c3d4e5f6f009', routeTableId: 'rtb-0a1b2c3d4e5f6f009', main: true }] },
    );
    w.subnets.push({ subnetId: 'subnet-0a1b2c3d4e5f6f031', vpcId: OTHER_VPC, tags: { Tier: 'Database' } });
    const mains = w.tables.filter((t) => t.associations.some((a) => a.main));
    expect(judgedMainTables(mains, DEFAULT_POLICY).map((t) => t.routeTableId)).toEqual([RT.main, 'rtb-0a1b2c3d4e5f6f000']);
    const decision = evaluate(w) as Extract<EventDecision, { status: 'judged' }>;
    expect(decision.findings.map((f) => (f.status === 'revert' ? [f.action.type, 'subnetId' in f.drift && f.drift.subnetId, 'subnetId' in f.drift && f.drift.isolatedRouteTableId] : f.status))).toEqual([
      ['associate-subnet', S.db1, RT.database],
      ['associate-subnet', 'subnet-0a1b2c3d4e5f6f031', 'rtb-0a1b2c3d4e5f6f003'],
    ]);
  });

  it('a table that is not a main one is never judged as one', () => {
    expect(judgedMainTables(world().tables, DEFAULT_POLICY)).toEqual([]);
    const decision = evaluateDisassociation(offDatabase(), [{ main: table(world(), RT.public) as RouteTable, tables: [], subnets: [] }], DEFAULT_POLICY, NOW);
    expect(decision.status).toBe('ignored');
    expect((decision as { reason: string }).reason).toBe(
      'no main route table routes to a target the policy forbids for isolated subnets, so the subnet of rtbassoc-0a1b2c3d4e5f68031 is not exposed',
    );
  });

  it('judges no VPC whose main table routes nowhere forbidden, even one it is given, and names only the judged mains', () => {
    const w = world(moveSubnet(S.db1, undefined));
    const all = (x: World) =>
      x.tables
        .filter((t) => t.associations.some((a) => a.main))
        .map((main) => ({ main, tables: x.tables.filter((t) => t.vpcId === main.vpcId), subnets: x.subnets }));
    expect(evaluateDisassociation(offDatabase(), all(w), DEFAULT_POLICY, NOW)).toEqual({
      status: 'ignored',
      reason: 'no main route table routes to a target the policy forbids for isolated subnets, so the subnet of rtbassoc-0a1b2c3d4e5f68031 is not exposed',
    });
  });

  it('a database subnet explicitly associated with the internet main table is its association event\'s to judge, not this one\'s', () => {
    // The subnet did not fall back to the main table: an AssociateRouteTable put it there, and that event is judged.
    const w = world(INTERNET_MAIN, moveSubnet(S.db1, RT.main));
    expect(evaluate(w)).toEqual({
      status: 'ignored',
      reason: `no isolated subnet uses ${RT.main} implicitly: the subnet of rtbassoc-0a1b2c3d4e5f68031 is not isolated, or has an explicit association again`,
    });
  });
});
