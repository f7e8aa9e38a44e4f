import type { Change } from './change.js';
import { isSameNetwork } from './cidr.js';
import { readExemption } from './exemption.js';
import type {
  Route,
  RouteDestination,
  RouteTable,
  RouteTableAssociation,
  RouteTarget,
  Subnet,
  Tags,
} from './network.js';
import type { Action, Drift } from './outcome.js';
import { type ForbiddenTargetKind, hasAnyTag, type Policy } from './policy.js';

/**
 * Isolated (database) subnets and the route tables they use: which routes expose them to a target
 * the policy forbids, which associations put them on a table with such a route, and the revert of each. Pure: the
 * pipeline reads the route tables and subnets and hands them in.
 */

type RouteChange = Extract<Change, { kind: 'route' }>;
type AssociationChange = Extract<Change, { kind: 'association' }>;
export type RouteDrift = Extract<Drift, { kind: 'forbidden-route-on-isolated-subnet' }>;
export type AssociationDrift = Extract<Drift, { kind: 'isolated-subnet-on-internet-table' }>;

/** A subnet is isolated when the policy names it by id or it carries one of the policy's tags. */
export const isIsolatedSubnet = (subnet: Pick<Subnet, 'subnetId' | 'tags'>, policy: Policy): boolean =>
  policy.isolated.subnetIds.includes(subnet.subnetId) || hasAnyTag(subnet.tags, policy.isolated.subnetTags);

/** A route table tagged like isolated subnets is isolated too (it is where isolated subnets belong). */
export const isIsolatedRouteTable = (table: Pick<RouteTable, 'tags'>, policy: Policy): boolean =>
  hasAnyTag(table.tags, policy.isolated.subnetTags);

/** The VPC's main route table: the one every subnet without an explicit association uses. */
export const isMainTable = (table: Pick<RouteTable, 'associations'>): boolean =>
  table.associations.some((a) => a.main);

/** The `local` route (the VPC's own CIDR), which LayerGuard never touches. */
export const isLocalRoute = (route: Route): boolean =>
  route.gatewayId === 'local' || route.origin === 'CreateRouteTable';

/** A route target that can carry traffic off the VPC, with its id. */
export interface TargetRef {
  readonly kind: ForbiddenTargetKind;
  readonly id: string;
}

/** The id prefix of each kind of off-VPC target: the one thing that says what a target is. */
export const TARGET_ID_PREFIXES: Readonly<Record<ForbiddenTargetKind, string>> = {
  'internet-gateway': 'igw-',
  'nat-gateway': 'nat-',
  'egress-only-internet-gateway': 'eigw-',
  'transit-gateway': 'tgw-',
  'vpc-peering-connection': 'pcx-',
};

/** The field in which EC2 describes a route to each kind of target (DescribeRouteTables' `Route`). */
export const TARGET_FIELD_OF: Readonly<Record<ForbiddenTargetKind, keyof RouteTarget>> = {
  'internet-gateway': 'gatewayId',
  'nat-gateway': 'natGatewayId',
  'egress-only-internet-gateway': 'egressOnlyInternetGatewayId',
  'transit-gateway': 'transitGatewayId',
  'vpc-peering-connection': 'vpcPeeringConnectionId',
};

/**
 * The fields of a route (and of CreateRoute/ReplaceRoute's request, the SDK's `CreateRouteRequest`,
 * models_2.d.ts) that carry a target's id. EC2 accepts some ids in a field named for another kind
 * (a NAT gateway id in `GatewayId`, stored as a NAT route), so a target is classified by its id's
 * prefix whatever the field.
 */
export const TARGET_ID_FIELDS = [
  'gatewayId',
  'natGatewayId',
  'egressOnlyInternetGatewayId',
  'transitGatewayId',
  'vpcPeeringConnectionId',
  'carrierGatewayId',
  'networkInterfaceId',
  'instanceId',
  'vpcEndpointId',
  'localGatewayId',
] as const satisfies ReadonlyArray<keyof RouteTarget>;

/**
 * What kind of off-VPC target a route points at, whatever the policy says, by the id's prefix in
 * any target field; `undefined` for `local`, virtual private gateways, endpoints, interfaces and
 * the like.
 */
export function routeTargetOf(target: RouteTarget): TargetRef | undefined {
  for (const field of TARGET_ID_FIELDS) {
    const id = target[field]?.toLowerCase();
    if (!id) continue;
    for (const [kind, prefix] of Object.entries(TARGET_ID_PREFIXES) as Array<[ForbiddenTargetKind, string]>) {
      if (id.startsWith(prefix)) return { kind, id };
    }
  }
  return undefined;
}

/**
 * A target with its id in the field of its kind (a NAT gateway id given in `gatewayId` becomes
 * `natGatewayId`, as EC2 stores it), so that either spelling of a request is one change.
 */
export function canonicalTarget(target: RouteTarget): RouteTarget {
  const ref = routeTargetOf(target);
  if (!ref) return target;
  const rest = Object.fromEntries(
    Object.entries(target).filter(([, v]) => v === undefined || v.toLowerCase() !== ref.id),
  ) as RouteTarget;
  return { ...rest, [TARGET_FIELD_OF[ref.kind]]: ref.id };
}

/** The kind of forbidden target a route points at, counting only the kinds the policy forbids. Never `local`. */
export function forbiddenTargetKind(target: RouteTarget, policy: Policy): ForbiddenTargetKind | undefined {
  const ref = routeTargetOf(target);
  return ref && policy.isolated.forbiddenTargets.includes(ref.kind) ? ref.kind : undefined;
}

/** The routes of a table that an isolated subnet must not have (never the `local` route). */
export const forbiddenRoutes = (table: Pick<RouteTable, 'routes'>, policy: Policy): Route[] =>
  table.routes.filter((r) => !isLocalRoute(r) && forbiddenTargetKind(r, policy) !== undefined);

/** True when the table has a route to a target the policy forbids for isolated subnets (never counting `local`). */
export const hasForbiddenRoute = (table: Pick<RouteTable, 'routes'>, policy: Policy): boolean =>
  forbiddenRoutes(table, policy).length > 0;

const norm = (value: string | undefined): string => (value ?? '').toLowerCase();

/**
 * Same destination: the same IPv4 network, IPv6 network or prefix list. Networks, not text: EC2
 * stores a destination canonically (`10.9.9.9/0` is `0.0.0.0/0`, see cidr.ts).
 */
export const isSameDestination = (a: RouteDestination, b: RouteDestination): boolean =>
  isSameNetwork(a.cidrIpv4, b.cidrIpv4) &&
  isSameNetwork(a.cidrIpv6, b.cidrIpv6) &&
  norm(a.prefixListId) === norm(b.prefixListId);

/** The destination alone, without the target fields a `Route` also carries. */
export const destinationOf = (d: RouteDestination): RouteDestination => {
  if (d.cidrIpv4 !== undefined) return { cidrIpv4: d.cidrIpv4 };
  if (d.cidrIpv6 !== undefined) return { cidrIpv6: d.cidrIpv6 };
  return { prefixListId: d.prefixListId };
};

/** The target alone, without the destination and state a `Route` also carries. */
export const targetOf = (route: RouteTarget): RouteTarget =>
  Object.fromEntries(
    (
      [
        'gatewayId',
        'natGatewayId',
        'egressOnlyInternetGatewayId',
        'transitGatewayId',
        'vpcPeeringConnectionId',
        'networkInterfaceId',
        'instanceId',
        'vpcEndpointId',
        'carrierGatewayId',
        'localGatewayId',
        'coreNetworkArn',
      ] as const
    )
      .filter((k) => route[k] !== undefined)
      .map((k) => [k, route[k]]),
  ) as RouteTarget;

const describeDestination = (d: RouteDestination): string =>
  d.cidrIpv4 ?? d.cidrIpv6 ?? d.prefixListId ?? '?';
const describeTarget = (t: RouteTarget): string =>
  routeTargetOf(t)?.id ?? Object.values(targetOf(t))[0] ?? '?';
/** "0.0.0.0/0 -> igw-0abc", for reasons and notifications. */
export const describeRoute = (r: RouteDestination & RouteTarget): string =>
  `${describeDestination(r)} -> ${describeTarget(r)}`;

/** The live route of a table for a destination, if any. */
export const findRoute = (
  table: Pick<RouteTable, 'routes'>,
  destination: RouteDestination,
): Route | undefined => table.routes.find((r) => isSameDestination(r, destination));

/**
 * The subnets that use a table: its explicit associations and, for the VPC's main table, every
 * subnet of the VPC that has no explicit association. `tablesOfVpc` is only needed for a main
 * table; a subnet an association names but `subnetsOfVpc` lacks is returned without tags.
 */
export function subnetsUsingTable(
  table: RouteTable,
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
): Subnet[] {
  const byId = new Map(subnetsOfVpc.map((s) => [s.subnetId, s]));
  const ids = new Set(explicitSubnetIds(table));
  if (isMainTable(table)) {
    const tables = [table, ...tablesOfVpc.filter((t) => t.routeTableId !== table.routeTableId)];
    const explicitAnywhere = new Set(tables.flatMap(explicitSubnetIds));
    for (const s of subnetsOfVpc)
      if (s.vpcId === table.vpcId && !explicitAnywhere.has(s.subnetId)) ids.add(s.subnetId);
  }
  return [...ids].sort().map((id) => byId.get(id) ?? { subnetId: id, vpcId: table.vpcId, tags: {} });
}

const explicitSubnetIds = (table: RouteTable): string[] =>
  table.associations.flatMap((a) => (!a.main && a.subnetId ? [a.subnetId] : []));

/** Which VPC reads a decision on this table needs: the subnets' tags, and for a main table the other tables too. */
export const vpcReadsFor = (table: RouteTable): { readonly tables: boolean; readonly subnets: boolean } => {
  const main = isMainTable(table);
  return { tables: main, subnets: main || explicitSubnetIds(table).length > 0 };
};

/**
 * The route tables of the VPC that isolated subnets may go back to: tagged as isolated, with no
 * forbidden route. A revert moves a subnet only when there is exactly one; none or several is `alert-only`.
 */
export const isolatedTablesOf = (
  tables: readonly RouteTable[],
  vpcId: string,
  policy: Policy,
): RouteTable[] =>
  tables.filter((t) => t.vpcId === vpcId && isIsolatedRouteTable(t, policy) && !hasForbiddenRoute(t, policy));

type Simple<S extends string> = { readonly status: S; readonly reason: string };
/** A decision that needs no action. */
export type Settled = Simple<'ignored' | 'exempt' | 'already-compliant'>;
export type DeleteRouteAction = Extract<Action, { type: 'delete-route' }>;
export type ReplaceAssociationAction = Extract<Action, { type: 'replace-association' }>;

/** What the live state says about a CreateRoute / ReplaceRoute. */
export type RouteDecision =
  | Simple<'ignored' | 'exempt' | 'already-compliant'>
  | { readonly status: 'drift'; readonly drift: RouteDrift; readonly reason: string };

/** What the live state says about an AssociateRouteTable / ReplaceRouteTableAssociation. */
export type AssociationDecision =
  | Simple<'ignored' | 'exempt' | 'already-compliant'>
  | {
      readonly status: 'drift';
      readonly drift: AssociationDrift & { isolatedRouteTableId: string };
      readonly reason: string;
    }
  | {
      readonly status: 'alert-only';
      readonly drift: readonly Drift[];
      readonly reason: string;
      readonly humanAction: string;
    };

const list = (ids: readonly string[]): string => ids.join(', ');

/**
 * Decides a route change from the route table alone, where that suffices: the target is not
 * forbidden, the table is gone, or the route no longer points at the event's target. `undefined`
 * means the subnets that use the table must be read (see `vpcReadsFor`).
 */
export function screenRoute(
  change: RouteChange,
  table: RouteTable | undefined,
  policy: Policy,
): Settled | undefined {
  if (!forbiddenTargetKind(change.target, policy)) {
    return {
      status: 'ignored',
      reason: `${describeRoute({ ...change.destination, ...change.target })} is not a forbidden target`,
    };
  }
  const requested = routeTargetOf(change.target) as TargetRef;
  if (!table) return { status: 'already-compliant', reason: `${change.routeTableId} no longer exists` };
  const live = findRoute(table, change.destination);
  const what = describeDestination(change.destination);
  if (!live)
    return {
      status: 'already-compliant',
      reason: `${change.routeTableId} no longer has a route for ${what}`,
    };
  if (routeTargetOf(live)?.id !== requested.id) {
    return {
      status: 'already-compliant',
      reason: `${what} on ${change.routeTableId} no longer points at ${requested.id} (now ${describeTarget(live)})`,
    };
  }
  return undefined;
}

/**
 * Decides, on live state, whether a CreateRoute / ReplaceRoute exposes isolated subnets: the route
 * still points at the forbidden target and an isolated subnet uses the table (explicitly or through
 * the main table), or the table itself is tagged as isolated.
 */
export function evaluateRoute(
  change: RouteChange,
  table: RouteTable | undefined,
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
  now: Date,
): RouteDecision {
  const screened = screenRoute(change, table, policy);
  if (screened) return screened;
  table = table as RouteTable; // screenRoute answers for a missing table
  const live = findRoute(table, change.destination) as Route;
  const route = describeRoute(live);
  const exposed = subnetsUsingTable(table, tablesOfVpc, subnetsOfVpc).filter((s) =>
    isIsolatedSubnet(s, policy),
  );
  const tableIsolated = isIsolatedRouteTable(table, policy);
  if (exposed.length === 0 && !tableIsolated) {
    return {
      status: 'ignored',
      reason: `no isolated subnet uses ${table.routeTableId}, so ${route} is allowed there`,
    };
  }

  const tableExemption = readExemption(table.tags, policy.exemption, now);
  if (tableExemption.exempt) {
    return {
      status: 'exempt',
      reason: `${table.routeTableId} is exempt until ${tableExemption.until}: ${tableExemption.reason}`,
    };
  }
  const subnetExemptions = exposed.map((s) => ({
    s,
    e: readExemption(s.tags, policy.exemption, now),
  }));
  if (!tableIsolated && subnetExemptions.every(({ e }) => e.exempt)) {
    const why = subnetExemptions.map(({ s, e }) => `${s.subnetId} until ${(e as { until: string }).until}`);
    return {
      status: 'exempt',
      reason: `every isolated subnet on ${table.routeTableId} is exempt (${why.join('; ')})`,
    };
  }

  const subnetIds = exposed.map((s) => s.subnetId);
  const problems = [
    tableExemption.problem,
    ...subnetExemptions.map(({ e }) => (e.exempt ? undefined : e.problem)),
  ];
  const note = problems.filter(Boolean).length > 0 ? ` (${problems.filter(Boolean).join('; ')})` : '';
  const who =
    subnetIds.length > 0
      ? `isolated subnet${subnetIds.length > 1 ? 's' : ''} ${list(subnetIds)}${isMainTable(table) ? ' (through the main route table)' : ''}`
      : `the isolated route table ${table.routeTableId}`;
  return {
    status: 'drift',
    drift: {
      kind: 'forbidden-route-on-isolated-subnet',
      routeTableId: table.routeTableId,
      destination: destinationOf(live),
      target: targetOf(live),
      subnetIds,
    },
    reason: `${route} on ${table.routeTableId} exposes ${who}${note}`,
  };
}

/**
 * The revert of a route drift: delete exactly that destination from that table. Nothing when the
 * live route is the `local` one, is gone, or points elsewhere than the drift's target.
 */
export function planRouteRevert(drift: RouteDrift, table: RouteTable): DeleteRouteAction | undefined {
  const live = findRoute(table, drift.destination);
  if (!live || isLocalRoute(live)) return undefined;
  const liveTarget = routeTargetOf(live);
  if (!liveTarget || liveTarget.id !== routeTargetOf(drift.target)?.id) return undefined;
  return {
    type: 'delete-route',
    routeTableId: drift.routeTableId,
    destination: destinationOf(drift.destination),
  };
}

/** The association an event made, found in the table it names: by association id, else by subnet. */
export function findAssociation(
  change: AssociationChange,
  table: RouteTable,
): RouteTableAssociation | undefined {
  return table.associations.find((a) =>
    change.associationId
      ? a.associationId === change.associationId
      : !a.main && a.subnetId === change.subnetId,
  );
}

/**
 * Decides an association change from the route table alone, where that suffices: a gateway (edge)
 * association, the table or the association gone, or a table without a forbidden route.
 * `undefined` means the VPC's tables and subnets must be read.
 */
export function screenAssociation(
  change: AssociationChange,
  table: RouteTable | undefined,
  policy: Policy,
): Settled | undefined {
  if (!change.subnetId && !change.associationId) {
    return {
      status: 'ignored',
      reason: `the association of ${change.routeTableId} is not a subnet association`,
    };
  }
  const who = change.subnetId ?? change.associationId;
  if (!table) return { status: 'already-compliant', reason: `${change.routeTableId} no longer exists` };
  const association = findAssociation(change, table);
  if (!association)
    return { status: 'already-compliant', reason: `${who} is no longer on ${table.routeTableId}` };
  if (!association.main && !association.subnetId) {
    return {
      status: 'ignored',
      reason: `${association.associationId} is a gateway association, not a subnet's`,
    };
  }
  if (!hasForbiddenRoute(table, policy)) {
    return { status: 'ignored', reason: `${table.routeTableId} has no route to a forbidden target` };
  }
  return undefined;
}

/**
 * Decides, on live state, whether an association put an isolated subnet on a table with a
 * forbidden route. The revert target is the VPC's one isolated route table (tagged as isolated,
 * without a forbidden route); with none or several, nothing is guessed: `alert-only`. An
 * association that made the table the VPC's main table cannot be undone without knowing the
 * previous main table, which CloudTrail does not say: `alert-only` too.
 */
export function evaluateAssociation(
  change: AssociationChange,
  table: RouteTable | undefined,
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
  now: Date,
): AssociationDecision {
  const screened = screenAssociation(change, table, policy);
  if (screened) return screened;
  table = table as RouteTable; // screenAssociation answers for a missing table
  const association = findAssociation(change, table) as RouteTableAssociation;
  const routes = forbiddenRoutes(table, policy);
  const routesText = routes.map(describeRoute).join(', ');

  if (association.main)
    return evaluateMainAssociation(table, association, routes, tablesOfVpc, subnetsOfVpc, policy);

  const subnetId = association.subnetId as string;
  const subnet = subnetsOfVpc.find((s) => s.subnetId === subnetId) ?? {
    subnetId,
    vpcId: table.vpcId,
    tags: {},
  };
  if (!isIsolatedSubnet(subnet, policy)) {
    return { status: 'ignored', reason: `${subnetId} is not an isolated subnet` };
  }
  const exemptions: Array<[string, Tags]> = [
    [subnetId, subnet.tags],
    [table.routeTableId, table.tags],
  ];
  const problems: string[] = [];
  for (const [id, tags] of exemptions) {
    const e = readExemption(tags, policy.exemption, now);
    if (e.exempt) return { status: 'exempt', reason: `${id} is exempt until ${e.until}: ${e.reason}` };
    if (e.problem) problems.push(e.problem);
  }
  const note = problems.length > 0 ? ` (${problems.join('; ')})` : '';
  const reason = `isolated subnet ${subnetId} is on ${table.routeTableId}, which routes ${routesText}${note}`;
  const drift: AssociationDrift = {
    kind: 'isolated-subnet-on-internet-table',
    subnetId,
    associationId: association.associationId,
    routeTableId: table.routeTableId,
  };

  const candidates = isolatedTablesOf(tablesOfVpc, table.vpcId, policy).filter(
    (t) => t.routeTableId !== table.routeTableId,
  );
  const [only] = candidates;
  if (only && candidates.length === 1) {
    return { status: 'drift', drift: { ...drift, isolatedRouteTableId: only.routeTableId }, reason };
  }
  const tags = policy.isolated.subnetTags.map((t) => `${t.key}=${t.value}`).join(' or ');
  const found =
    candidates.length === 0
      ? `no route table in ${table.vpcId} is tagged ${tags} without a forbidden route`
      : `${candidates.length} route tables in ${table.vpcId} qualify (${list(candidates.map((t) => t.routeTableId))})`;
  return {
    status: 'alert-only',
    drift: [drift],
    reason: `${reason}; ${found}, so LayerGuard did not guess where it belongs`,
    humanAction:
      `Move ${subnetId} to the VPC's isolated route table: aws ec2 replace-route-table-association ` +
      `--association-id ${association.associationId} --route-table-id <isolated route table>. ` +
      (candidates.length === 0
        ? `Then tag that table ${tags} so LayerGuard can restore it next time.`
        : `Then keep the ${tags} tag on exactly one route table without a forbidden route.`),
  };
}

function evaluateMainAssociation(
  table: RouteTable,
  association: RouteTableAssociation,
  routes: readonly Route[],
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
): AssociationDecision {
  const exposed = subnetsUsingTable(table, tablesOfVpc, subnetsOfVpc)
    .filter((s) => isIsolatedSubnet(s, policy))
    .map((s) => s.subnetId);
  if (exposed.length === 0) {
    return {
      status: 'ignored',
      reason: `no isolated subnet uses the main route table ${table.routeTableId}`,
    };
  }
  const drift: Drift[] = routes.map((r) => ({
    kind: 'forbidden-route-on-isolated-subnet',
    routeTableId: table.routeTableId,
    destination: destinationOf(r),
    target: targetOf(r),
    subnetIds: exposed,
  }));
  return {
    status: 'alert-only',
    drift,
    reason:
      `${table.routeTableId} became the main route table of ${table.vpcId} and routes ${routes.map(describeRoute).join(', ')}, ` +
      `exposing isolated subnets ${list(exposed)} that have no explicit association; CloudTrail does not say which table was main before`,
    humanAction:
      `Make the previous main route table main again: aws ec2 replace-route-table-association --association-id ` +
      `${association.associationId} --route-table-id <previous main table>, or associate ${list(exposed)} ` +
      `explicitly with the isolated route table.`,
  };
}

/** The revert of an association drift: move the subnet's association to the isolated table. Nothing without one. */
export function planAssociationRevert(drift: AssociationDrift): ReplaceAssociationAction | undefined {
  if (!drift.isolatedRouteTableId) return undefined;
  return {
    type: 'replace-association',
    associationId: drift.associationId,
    subnetId: drift.subnetId,
    fromRouteTableId: drift.routeTableId,
    toRouteTableId: drift.isolatedRouteTableId,
  };
}

/**
 * Every drift of isolated subnets in a set of route tables and subnets (one or more VPCs), for
 * sweeps. An isolated subnet explicitly on a table that non-isolated subnets also use (the public
 * or private table) is an association drift: the subnet moves, and the others keep their route.
 * Otherwise every forbidden route of a table used by isolated subnets (explicitly or through the
 * main table), or of a table tagged as isolated, is a route drift.
 */
export function findRouteDrift(
  tables: readonly RouteTable[],
  subnets: readonly Subnet[],
  policy: Policy,
): Drift[] {
  const drift: Drift[] = [];
  for (const table of tables) {
    const routes = forbiddenRoutes(table, policy);
    if (routes.length === 0) continue;
    const vpcTables = tables.filter((t) => t.vpcId === table.vpcId);
    const users = subnetsUsingTable(table, vpcTables, subnets);
    const isolated = users.filter((s) => isIsolatedSubnet(s, policy));
    const tableIsolated = isIsolatedRouteTable(table, policy);
    const shared = !tableIsolated && users.some((s) => !isIsolatedSubnet(s, policy));
    const explicit = new Set(explicitSubnetIds(table));
    const routeExposed = shared ? isolated.filter((s) => !explicit.has(s.subnetId)) : isolated;
    if (routeExposed.length > 0 || tableIsolated) {
      for (const r of routes) {
        drift.push({
          kind: 'forbidden-route-on-isolated-subnet',
          routeTableId: table.routeTableId,
          destination: destinationOf(r),
          target: targetOf(r),
          subnetIds: routeExposed.map((s) => s.subnetId),
        });
      }
    }
    if (!shared) continue;
    const candidates = isolatedTablesOf(vpcTables, table.vpcId, policy);
    for (const s of isolated.filter((s) => explicit.has(s.subnetId))) {
      const association = table.associations.find(
        (a) => !a.main && a.subnetId === s.subnetId,
      ) as RouteTableAssociation;
      drift.push({
        kind: 'isolated-subnet-on-internet-table',
        subnetId: s.subnetId,
        associationId: association.associationId,
        routeTableId: table.routeTableId,
        ...(candidates.length === 1 ? { isolatedRouteTableId: candidates[0]?.routeTableId } : {}),
      });
    }
  }
  return drift;
}
