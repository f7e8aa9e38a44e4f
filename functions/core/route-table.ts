import type { Change } from './change.js';
import { isSameNetwork } from './cidr.js';
import { definedOnly } from './defined.js';
import { describeExemption, readExemption } from './exemption.js';
import type {
  Route,
  RouteDestination,
  RouteTable,
  RouteTableAssociation,
  RouteTarget,
  Subnet,
} from './network.js';
import type { Action, Drift } from './outcome.js';
import { prefixLength } from './cidr.js';
import { FORBIDDEN_TARGET_KINDS, type ForbiddenTargetKind, hasAnyTag, type Policy } from './policy.js';

/**
 * Isolated (database) subnets and the route tables they use: which routes expose them to a target
 * the policy forbids, which associations put them on a table with such a route, and the revert of each. Pure: the
 * pipeline reads the route tables and subnets and hands them in.
 */

type RouteChange = Extract<Change, { kind: 'route' }>;
type AssociationChange = Extract<Change, { kind: 'association' }>;
export type RouteDrift = Extract<Drift, { kind: 'forbidden-route-on-isolated-subnet' }>;
export type UnknownRouteDrift = Extract<Drift, { kind: 'unknown-default-route-on-isolated-subnet' }>;
export type AssociationDrift = Extract<Drift, { kind: 'isolated-subnet-on-internet-table' }>;
/** The drift a route-table finding can carry: never a network ACL's (core/network-acl.ts decides those). */
type TableDrift = Exclude<Drift, { kind: 'internet-entry-on-isolated-acl' | 'isolated-subnet-on-internet-acl' | 'prefix-list-internet-entry' | 'prefix-list-tier-entry' }>;

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
export const isLocalRoute = (route: Pick<Route, 'gatewayId' | 'origin'>): boolean =>
  route.gatewayId === 'local' || route.origin === 'CreateRouteTable';

/** Targets whose kind an id cannot tell: a NAT instance or appliance behind them may reach the internet. */
export const OPAQUE_TARGET_KINDS = ['network-interface', 'instance', 'vpc-endpoint'] as const;
export type OpaqueTargetKind = (typeof OPAQUE_TARGET_KINDS)[number];
/** What a route sends traffic to, as far as its id tells. */
export type TargetKind = ForbiddenTargetKind | OpaqueTargetKind;

/** A route target that can carry traffic off the VPC (or may: an opaque one), with its id. */
export interface TargetRef {
  readonly kind: TargetKind;
  readonly id: string;
}

/** The id prefix of each kind of target, as EC2 issues ids: the one thing that says what a target is. */
export const TARGET_ID_PREFIXES: Readonly<Record<TargetKind, string>> = {
  'internet-gateway': 'igw-',
  'nat-gateway': 'nat-',
  'egress-only-internet-gateway': 'eigw-',
  'carrier-gateway': 'cagw-',
  'transit-gateway': 'tgw-',
  'vpc-peering-connection': 'pcx-',
  'network-interface': 'eni-',
  instance: 'i-',
  'vpc-endpoint': 'vpce-',
};

/** The field in which EC2 describes a route to each kind of target (DescribeRouteTables' `Route`). */
export const TARGET_FIELD_OF: Readonly<Record<TargetKind, keyof RouteTarget>> = {
  'internet-gateway': 'gatewayId',
  'nat-gateway': 'natGatewayId',
  'egress-only-internet-gateway': 'egressOnlyInternetGatewayId',
  'carrier-gateway': 'carrierGatewayId',
  'transit-gateway': 'transitGatewayId',
  'vpc-peering-connection': 'vpcPeeringConnectionId',
  'network-interface': 'networkInterfaceId',
  instance: 'instanceId',
  'vpc-endpoint': 'vpcEndpointId',
};

/**
 * The fields of a route (and of CreateRoute/ReplaceRoute's request, the SDK's `CreateRouteRequest`,
 * models_2.d.ts) that carry a target's id. EC2 accepts some ids in a field named for another kind
 * (a NAT gateway id in `GatewayId`, stored as a NAT route), so a target is classified by its id's
 * prefix whatever the field. `instanceId` comes before `networkInterfaceId`: EC2 describes an
 * instance route with both, and the event names the instance.
 */
export const TARGET_ID_FIELDS = [
  'gatewayId',
  'natGatewayId',
  'egressOnlyInternetGatewayId',
  'transitGatewayId',
  'vpcPeeringConnectionId',
  'carrierGatewayId',
  'instanceId',
  'networkInterfaceId',
  'vpcEndpointId',
  'localGatewayId',
] as const satisfies ReadonlyArray<keyof RouteTarget>;

/**
 * What kind of target a route points at, whatever the policy says, by the id's prefix in any target
 * field; `undefined` for `local`, virtual private gateways, local gateways and the like.
 */
export function routeTargetOf(target: RouteTarget): TargetRef | undefined {
  for (const field of TARGET_ID_FIELDS) {
    const id = target[field]?.toLowerCase();
    if (!id) continue;
    for (const [kind, prefix] of Object.entries(TARGET_ID_PREFIXES) as Array<[TargetKind, string]>) {
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

const isForbiddableKind = (kind: TargetKind): kind is ForbiddenTargetKind =>
  (FORBIDDEN_TARGET_KINDS as readonly string[]).includes(kind);

/** The kind of forbidden target a route points at, counting only the kinds the policy forbids. Never `local`. */
export function forbiddenTargetKind(target: RouteTarget, policy: Policy): ForbiddenTargetKind | undefined {
  const kind = routeTargetOf(target)?.kind;
  return kind && isForbiddableKind(kind) && policy.isolated.forbiddenTargets.includes(kind) ? kind : undefined;
}

/** A default route: `0.0.0.0/0` or `::/0`, compared by network (`10.9.9.9/0` is one too). */
export const isDefaultDestination = (d: RouteDestination): boolean =>
  prefixLength(d.cidrIpv4) === 0 || prefixLength(d.cidrIpv6) === 0;

/**
 * What a route is for an isolated subnet: `forbidden` (to a target the policy forbids), `unknown`
 * (a default route to an opaque target, when the policy says to alert) or `allowed`.
 */
export type RouteStanding = 'forbidden' | 'unknown' | 'allowed';

/** Judges one route (or a requested one) against the policy; the `local` route is always allowed. */
export function routeStanding(route: RouteDestination & RouteTarget & Pick<Route, 'origin'>, policy: Policy): RouteStanding {
  if (isLocalRoute(route)) return 'allowed';
  const ref = routeTargetOf(route);
  if (!ref) return 'allowed';
  if (isForbiddableKind(ref.kind)) return policy.isolated.forbiddenTargets.includes(ref.kind) ? 'forbidden' : 'allowed';
  if (!isDefaultDestination(route)) return 'allowed';
  const rule = policy.isolated.unknownDefaultRoute;
  return rule === 'forbid' ? 'forbidden' : rule === 'alert' ? 'unknown' : 'allowed';
}

/** The routes of a table that an isolated subnet must not have (never the `local` route). */
export const forbiddenRoutes = (table: Pick<RouteTable, 'routes'>, policy: Policy): Route[] =>
  table.routes.filter((r) => routeStanding(r, policy) === 'forbidden');

/** Default routes of a table to opaque targets, which a person must judge (`isolated.unknownDefaultRoute: alert`). */
export const unknownDefaultRoutes = (table: Pick<RouteTable, 'routes'>, policy: Policy): Route[] =>
  table.routes.filter((r) => routeStanding(r, policy) === 'unknown');

/** True when the table has a route to a target the policy forbids for isolated subnets (never counting `local`). */
export const hasForbiddenRoute = (table: Pick<RouteTable, 'routes'>, policy: Policy): boolean =>
  forbiddenRoutes(table, policy).length > 0;

/** True when the table has a route LayerGuard judges for isolated subnets: forbidden, or unknown. */
export const hasJudgedRoute = (table: Pick<RouteTable, 'routes'>, policy: Policy): boolean =>
  table.routes.some((r) => routeStanding(r, policy) !== 'allowed');

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

export const describeDestination = (d: RouteDestination): string =>
  d.cidrIpv4 ?? d.cidrIpv6 ?? d.prefixListId ?? '?';
export const describeTarget = (t: RouteTarget): string =>
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
    const explicitAnywhere = new Set([table, ...tablesOfVpc].flatMap(explicitSubnetIds));
    for (const s of subnetsOfVpc)
      if (s.vpcId === table.vpcId && !explicitAnywhere.has(s.subnetId)) ids.add(s.subnetId);
  }
  return [...ids].sort().map((id) => byId.get(id) ?? { subnetId: id, vpcId: table.vpcId, tags: {} });
}

const explicitSubnetIds = (table: RouteTable): string[] =>
  table.associations.flatMap((a) => (!a.main && a.subnetId ? [a.subnetId] : []));

/**
 * Which VPC reads a decision on this table needs first: the subnets' tags, and for a main table the
 * other tables too (who uses it implicitly). A table that turns out shared needs the VPC's tables
 * as well (`needsIsolatedTable`), to find where its isolated subnets move.
 */
export const vpcReadsFor = (table: RouteTable): { readonly tables: boolean; readonly subnets: boolean } => {
  const main = isMainTable(table);
  return { tables: main, subnets: main || explicitSubnetIds(table).length > 0 };
};

/** True when non-isolated subnets share the table with isolated ones: a revert moves subnets, to the isolated table. */
export function needsIsolatedTable(
  table: RouteTable,
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
): boolean {
  const users = subnetsUsingTable(table, tablesOfVpc, subnetsOfVpc);
  return users.some((s) => isIsolatedSubnet(s, policy)) && users.some((s) => !isIsolatedSubnet(s, policy));
}

/**
 * The route tables, of one VPC's tables, that isolated subnets may go back to: tagged as isolated,
 * with no forbidden route (a default route to an opaque target there is alerted on as that table's
 * own drift). A revert moves a subnet only when there is exactly one; none or several is `alert-only`.
 */
const isolatedTablesOf = (tablesOfVpc: readonly RouteTable[], policy: Policy): RouteTable[] =>
  tablesOfVpc.filter((t) => isIsolatedRouteTable(t, policy) && !hasForbiddenRoute(t, policy));

export type DeleteRouteAction = Extract<Action, { type: 'delete-route' }>;
/** A route back to its target before the change (`configRestore`, in place of the delete). */
export type ReplaceRouteAction = Extract<Action, { type: 'replace-route' }>;
export type ReplaceAssociationAction = Extract<Action, { type: 'replace-association' }>;
export type AssociateSubnetAction = Extract<Action, { type: 'associate-subnet' }>;
/** A subnet move: an explicit association replaced, or an implicit (main-table) one made explicit. */
export type MoveAction = ReplaceAssociationAction | AssociateSubnetAction;

/** One drift the decision found, and what comes of it. */
export type Finding =
  | { readonly status: 'revert'; readonly drift: RouteDrift; readonly action: DeleteRouteAction | ReplaceRouteAction; readonly reason: string }
  | {
      readonly status: 'revert';
      readonly drift: AssociationDrift & { readonly isolatedRouteTableId: string };
      readonly action: MoveAction;
      readonly reason: string;
    }
  | { readonly status: 'alert-only'; readonly drift: TableDrift; readonly reason: string; readonly humanAction: string }
  | { readonly status: 'exempt'; readonly drift: TableDrift; readonly reason: string };

/** What a caller narrows the decision to: one table, one destination on it, some subnets. */
export interface Focus {
  readonly routeTableId?: string;
  readonly destination?: RouteDestination;
  readonly subnetIds?: readonly string[];
  /**
   * Judge only where the subnets are (an association event, `revert-subnet-association`): each
   * moves to the isolated table or is `alert-only`; no route is deleted for it.
   */
  readonly placement?: boolean;
}

const list = (ids: readonly string[]): string => ids.join(', ');
const plural = (n: number, word: string): string => `${word}${n === 1 ? '' : 's'}`;

/**
 * THE decision for route tables, on live state: every drift of isolated subnets in these tables
 * and subnets (one VPC or more), and its revert. The event path, the runbooks and the sweep all
 * call it; an event only narrows it (`focus`). For each table with a forbidden route that an
 * isolated subnet uses (explicitly or through the main table), or that is tagged as isolated:
 *
 * - no non-isolated subnet uses the table: each forbidden route is deleted (nothing else needs it);
 * - non-isolated subnets use it too (the public table, a default VPC's main table): no route is
 *   deleted, since another tier needs it; each isolated subnet moves to the VPC's one isolated
 *   table (its explicit association replaced, or an implicit one made explicit), `alert-only`
 *   when there is none or several;
 * - a default route to an opaque target (`isolated.unknownDefaultRoute: alert`): `alert-only`.
 *
 * An exempt table exempts all of it; an exempt subnet is not moved; a route is deleted unless every
 * isolated subnet that uses it is exempt (a table tagged as isolated is never exempted by them).
 */
export function decideRouteTables(
  tables: readonly RouteTable[],
  subnets: readonly Subnet[],
  policy: Policy,
  now: Date,
  focus: Focus = {},
): Finding[] {
  return tables
    .filter((t) => !focus.routeTableId || t.routeTableId === focus.routeTableId)
    .flatMap((t) =>
      decideTable(
        t,
        tables.filter((v) => v.vpcId === t.vpcId),
        subnets,
        policy,
        now,
        focus,
      ),
    );
}

function decideTable(
  table: RouteTable,
  vpcTables: readonly RouteTable[],
  subnets: readonly Subnet[],
  policy: Policy,
  now: Date,
  focus: Focus,
): Finding[] {
  const inFocus = (r: Route) => !focus.destination || isSameDestination(r, focus.destination);
  const forbidden = forbiddenRoutes(table, policy).filter(inFocus);
  const unknown = unknownDefaultRoutes(table, policy).filter(inFocus);
  if (forbidden.length === 0 && unknown.length === 0) return [];
  const users = subnetsUsingTable(table, vpcTables, subnets);
  const isolated = users.filter((s) => isIsolatedSubnet(s, policy));
  const others = users.filter((s) => !isIsolatedSubnet(s, policy)).map((s) => s.subnetId);
  const tableIsolated = isIsolatedRouteTable(table, policy);
  if (isolated.length === 0 && !tableIsolated) return [];
  const isolatedIds = isolated.map((s) => s.subnetId);
  if (focus.subnetIds && !isolatedIds.some((id) => focus.subnetIds?.includes(id))) return [];

  const id = table.routeTableId;
  const tableExemption = readExemption(table.tags, policy.exemption, now);
  const exemptions = new Map(isolated.map((s) => [s.subnetId, readExemption(s.tags, policy.exemption, now)]));
  const problems = [tableExemption, ...exemptions.values()].flatMap((e) => (!e.exempt && e.problem ? [e.problem] : []));
  const note = problems.length > 0 ? ` (${problems.join('; ')})` : '';
  const viaMain = isMainTable(table) ? ' (through the main route table)' : '';
  const tableExempt = tableExemption.exempt
    ? describeExemption(id, tableExemption)
    : undefined;
  // A route is kept for exempt subnets only when every isolated subnet on it is exempt.
  const routeExempt = (on: readonly Subnet[] = isolated): string | undefined => {
    if (tableExempt) return tableExempt;
    if (tableIsolated || on.length === 0) return undefined;
    const all = on.map((s) => ({ s, e: exemptions.get(s.subnetId) }));
    if (!all.every(({ e }) => e?.exempt)) return undefined;
    const why = all.map(({ s, e }) => `${s.subnetId} until ${(e as { until: string }).until}`);
    return `every isolated subnet on ${id} is exempt (${why.join('; ')})`;
  };
  const routeDrift = <K extends RouteDrift['kind'] | UnknownRouteDrift['kind']>(kind: K, r: Route) => ({
    kind,
    routeTableId: id,
    destination: destinationOf(r),
    target: targetOf(r),
    subnetIds: isolatedIds,
  });

  // Default routes to opaque targets, for the isolated subnets that stay on the table.
  const alertUnknown = (staying: readonly Subnet[]): Finding[] => {
    if (staying.length === 0 && !tableIsolated) return [];
    const ids = staying.map((s) => s.subnetId);
    const whose =
      ids.length > 0 ? `isolated ${plural(ids.length, 'subnet')} ${list(ids)}${viaMain}` : `the isolated route table ${id}`;
    return unknown.map((r): Finding => {
      const drift = { ...routeDrift('unknown-default-route-on-isolated-subnet', r), subnetIds: ids };
      const exempt = routeExempt(staying);
      if (exempt) return { status: 'exempt', drift, reason: exempt };
      const target = describeTarget(r);
      return {
        status: 'alert-only',
        drift,
        reason:
          `${describeRoute(r)} on ${id} sends the default traffic of ${whose} to ${target}, whose kind LayerGuard ` +
          `cannot tell from its id (a NAT instance or an appliance may reach the internet)${note}`,
        humanAction:
          `Check where ${target} sends traffic. If it can reach the internet, delete the route: aws ec2 delete-route ` +
          `--route-table-id ${id} ${destinationFlag(r)}. To have LayerGuard decide such routes, set the policy's ` +
          `isolated.unknownDefaultRoute to 'forbid' or 'allow'.`,
      };
    });
  };
  const findings: Finding[] = [];
  if (forbidden.length === 0) {
    return alertUnknown(isolated.filter((s) => !focus.subnetIds || focus.subnetIds.includes(s.subnetId)));
  }

  const routesText = forbidden.map(describeRoute).join(', ');
  const candidates = isolatedTablesOf(vpcTables, policy).filter((t) => t.routeTableId !== id);
  const [only] = candidates;
  const home = candidates.length === 1 ? only : undefined;
  const tags = policy.isolated.subnetTags.map((t) => `${t.key}=${t.value}`).join(' or ');
  const wanted = (subnetId: string) => !focus.subnetIds || focus.subnetIds.includes(subnetId);
  /** A misplaced isolated subnet: its drift, its explicit association (if any), and why it is exempt (if it is). */
  const placementOf = (s: Subnet) => {
    const association = table.associations.find((a) => !a.main && a.subnetId === s.subnetId);
    const drift: AssociationDrift = definedOnly({
      kind: 'isolated-subnet-on-internet-table' as const,
      subnetId: s.subnetId,
      associationId: association?.associationId,
      routeTableId: id,
    });
    const e = exemptions.get(s.subnetId);
    const exempt = tableExempt ?? (e?.exempt ? describeExemption(s.subnetId, e) : undefined);
    return { association, drift, exempt };
  };
  const move = (s: Subnet, reason: string, to: RouteTable): Finding => {
    const { association, drift, exempt } = placementOf(s);
    if (exempt) return { status: 'exempt', drift, reason: exempt };
    const action: MoveAction = association
      ? { type: 'replace-association', associationId: association.associationId, subnetId: s.subnetId, fromRouteTableId: id, toRouteTableId: to.routeTableId }
      : { type: 'associate-subnet', subnetId: s.subnetId, fromRouteTableId: id, toRouteTableId: to.routeTableId };
    return { status: 'revert', drift: { ...drift, isolatedRouteTableId: to.routeTableId }, action, reason };
  };

  // No single isolated table to move the subnet to: nothing is guessed.
  const stay = (s: Subnet, reason: string): Finding => {
    const { association, drift, exempt } = placementOf(s);
    if (exempt) return { status: 'exempt', drift, reason: exempt };
    const found =
      candidates.length === 0
        ? `no route table in ${table.vpcId} is tagged ${tags} without a forbidden route`
        : `${candidates.length} route tables in ${table.vpcId} qualify (${list(candidates.map((t) => t.routeTableId))})`;
    const command = association
      ? `aws ec2 replace-route-table-association --association-id ${association.associationId} --route-table-id <isolated route table>`
      : `aws ec2 associate-route-table --subnet-id ${s.subnetId} --route-table-id <isolated route table>`;
    return {
      status: 'alert-only',
      drift,
      reason: `${reason}; ${found}, so LayerGuard did not guess where it belongs`,
      humanAction:
        `Move ${s.subnetId} to the VPC's isolated route table: ${command}. ` +
        (candidates.length === 0
          ? `Then tag that table ${tags} so LayerGuard can restore it next time.`
          : `Then keep the ${tags} tag on exactly one route table without a forbidden route.`),
    };
  };

  // Judging only where subnets are (an association event): they move, or a person is told.
  const explicit = new Set(explicitSubnetIds(table));
  if (focus.placement) {
    const focused = isolated.filter((i) => wanted(i.subnetId));
    for (const s of focused) {
      const how = explicit.has(s.subnetId) ? '' : ' (through the main route table)';
      const reason = `isolated subnet ${s.subnetId} is on ${id}${how}, which routes ${routesText}${note}`;
      findings.push(home ? move(s, reason, home) : stay(s, reason));
    }
    return home ? findings : [...findings, ...alertUnknown(focused)];
  }

  // An isolated subnet explicitly on a table that is not the isolated one is misplaced: it goes to
  // the VPC's one isolated table, and the table keeps its routes.
  const misplaced = !tableIsolated && home ? isolated.filter((s) => explicit.has(s.subnetId)) : [];
  for (const s of misplaced.filter((m) => wanted(m.subnetId))) {
    findings.push(move(s, `isolated subnet ${s.subnetId} is on ${id}, which routes ${routesText}, not on the isolated route table ${home?.routeTableId}${note}`, home as RouteTable));
  }
  const rest = isolated.filter((s) => !misplaced.includes(s));
  if (rest.length === 0 && !tableIsolated) return findings;
  if (focus.subnetIds && rest.length > 0 && !rest.some((s) => wanted(s.subnetId))) return findings;

  if (others.length === 0) {
    // No other tier uses the table: deleting its forbidden routes breaks nothing another tier needs.
    const restIds = rest.map((s) => s.subnetId);
    const who =
      restIds.length > 0
        ? `isolated ${plural(restIds.length, 'subnet')} ${list(restIds)}${viaMain}`
        : `the isolated route table ${id}`;
    for (const r of forbidden) {
      const drift = { ...routeDrift('forbidden-route-on-isolated-subnet', r), subnetIds: restIds };
      const exempt = routeExempt(rest);
      if (exempt) {
        findings.push({ status: 'exempt', drift, reason: exempt });
        continue;
      }
      findings.push({
        status: 'revert',
        drift,
        action: { type: 'delete-route', routeTableId: id, destination: destinationOf(r) },
        reason: `${describeRoute(r)} on ${id} exposes ${who}${note}`,
      });
    }
    return [...findings, ...alertUnknown(rest)];
  }

  // Non-isolated subnets use the table: its routes stay; the isolated subnets move.
  const shared = `${id} routes ${routesText} and non-isolated ${plural(others.length, 'subnet')} ${list(others)} use it, so no route is deleted`;
  if (rest.length === 0) {
    for (const r of forbidden) {
      findings.push(
        tableExempt
          ? { status: 'exempt', drift: routeDrift('forbidden-route-on-isolated-subnet', r), reason: tableExempt }
          : {
              status: 'alert-only',
              drift: routeDrift('forbidden-route-on-isolated-subnet', r),
              reason: `${id} is tagged as isolated, but ${shared}${note}`,
              humanAction: `Move ${list(others)} to the route table of their tier, then delete ${describeRoute(r)} from ${id}.`,
            },
      );
    }
    return [...findings, ...alertUnknown([])];
  }
  for (const s of rest.filter((r) => wanted(r.subnetId))) {
    const how = explicit.has(s.subnetId) ? '' : ' (through the main route table)';
    const reason = `isolated subnet ${s.subnetId} is on ${id}${how}: ${shared}${note}`;
    findings.push(home ? move(s, reason, home) : stay(s, reason));
  }
  return home ? findings : [...findings, ...alertUnknown(rest.filter((r) => wanted(r.subnetId)))];
}

const destinationFlag = (d: RouteDestination): string =>
  d.cidrIpv4 !== undefined
    ? `--destination-cidr-block ${d.cidrIpv4}`
    : d.cidrIpv6 !== undefined
      ? `--destination-ipv6-cidr-block ${d.cidrIpv6}`
      : `--destination-prefix-list-id ${d.prefixListId}`;

type Simple<S extends string> = { readonly status: S; readonly reason: string };
/** A decision that needs no action. */
export type Settled = Simple<'ignored' | 'exempt' | 'already-compliant'>;
/** What the live state says about one event: settled, or the decision's findings for what it touched. */
export type EventDecision = Settled | { readonly status: 'judged'; readonly findings: readonly Finding[] };

/**
 * Decides a route change from the route table alone, where that suffices: the target is allowed,
 * the table is gone, or the route no longer points at the event's target. `undefined` means the
 * subnets that use the table must be read (see `vpcReadsFor`).
 */
export function screenRoute(
  change: RouteChange,
  table: RouteTable | undefined,
  policy: Policy,
): Settled | undefined {
  const requested = { ...change.destination, ...change.target };
  if (routeStanding(requested, policy) === 'allowed') {
    return { status: 'ignored', reason: `${describeRoute(requested)} is not a target the policy forbids for isolated subnets` };
  }
  const ref = routeTargetOf(change.target) as TargetRef;
  if (!table) return { status: 'already-compliant', reason: `${change.routeTableId} no longer exists` };
  const live = findRoute(table, change.destination);
  const what = describeDestination(change.destination);
  if (!live) return { status: 'already-compliant', reason: `${change.routeTableId} no longer has a route for ${what}` };
  if (routeTargetOf(live)?.id !== ref.id) {
    return {
      status: 'already-compliant',
      reason: `${what} on ${change.routeTableId} no longer points at ${ref.id} (now ${describeTarget(live)})`,
    };
  }
  return undefined;
}

/** The table, first, with the rest of its VPC's tables (which may or may not include it already). */
const withTable = (table: RouteTable, tables: readonly RouteTable[]): RouteTable[] => [
  table,
  ...tables.filter((t) => t.routeTableId !== table.routeTableId),
];

/** A CreateRoute / ReplaceRoute on live state: `decideRouteTables` narrowed to the event's table and destination. */
export function evaluateRoute(
  change: RouteChange,
  table: RouteTable | undefined,
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
  now: Date,
): EventDecision {
  const screened = screenRoute(change, table, policy);
  if (screened) return screened;
  const live = table as RouteTable; // screenRoute answers for a missing table
  const findings = decideRouteTables(withTable(live, tablesOfVpc), subnetsOfVpc, policy, now, {
    routeTableId: live.routeTableId,
    destination: change.destination,
  });
  if (findings.length > 0) return { status: 'judged', findings };
  const route = describeRoute(findRoute(live, change.destination) as Route);
  return { status: 'ignored', reason: `no isolated subnet uses ${live.routeTableId}, so ${route} is allowed there` };
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
 * association, the table or the association gone, or a table with no route the policy judges.
 * `undefined` means the VPC's tables and subnets must be read.
 */
export function screenAssociation(
  change: AssociationChange,
  table: RouteTable | undefined,
  policy: Policy,
): Settled | undefined {
  if (!change.subnetId && !change.associationId) {
    return { status: 'ignored', reason: `the association of ${change.routeTableId} is not a subnet association` };
  }
  const who = change.subnetId ?? change.associationId;
  if (!table) return { status: 'already-compliant', reason: `${change.routeTableId} no longer exists` };
  const association = findAssociation(change, table);
  if (!association) return { status: 'already-compliant', reason: `${who} is no longer on ${table.routeTableId}` };
  if (!association.main && !association.subnetId) {
    return { status: 'ignored', reason: `${association.associationId} is a gateway association, not a subnet's` };
  }
  if (!hasJudgedRoute(table, policy)) {
    return { status: 'ignored', reason: `${table.routeTableId} has no route to a forbidden target` };
  }
  return undefined;
}

/**
 * An AssociateRouteTable / ReplaceRouteTableAssociation on live state: `decideRouteTables` narrowed
 * to the subnet the event moved, or, when it made the table the VPC's main one, to the subnets that
 * now use it implicitly.
 */
export function evaluateAssociation(
  change: AssociationChange,
  table: RouteTable | undefined,
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
  now: Date,
): EventDecision {
  const screened = screenAssociation(change, table, policy);
  if (screened) return screened;
  const live = table as RouteTable; // screenAssociation answers for a missing table
  const association = findAssociation(change, live) as RouteTableAssociation;
  const tables = withTable(live, tablesOfVpc);
  const explicit = new Set(explicitSubnetIds(live));
  const moved = association.main
    ? subnetsUsingTable(live, tables, subnetsOfVpc).filter((s) => !explicit.has(s.subnetId))
    : [subnetsOfVpc.find((s) => s.subnetId === association.subnetId) ?? { subnetId: association.subnetId as string, vpcId: live.vpcId, tags: {} }];
  const isolated = moved.filter((s) => isIsolatedSubnet(s, policy)).map((s) => s.subnetId);
  if (isolated.length === 0) {
    return {
      status: 'ignored',
      reason: association.main
        ? `no isolated subnet uses the main route table ${live.routeTableId}`
        : `${association.subnetId} is not an isolated subnet`,
    };
  }
  const findings = decideRouteTables(tables, subnetsOfVpc, policy, now, {
    routeTableId: live.routeTableId,
    subnetIds: isolated,
    placement: true,
  });
  if (findings.length > 0) return { status: 'judged', findings };
  return { status: 'ignored', reason: `${list(isolated)} on ${live.routeTableId}: nothing the policy forbids` };
}

type DisassociationChange = Extract<Change, { kind: 'disassociation' }>;

/** One VPC as a disassociation is judged in it: its main route table, its tables and its subnets. */
export interface VpcState {
  readonly main: RouteTable;
  readonly tables: readonly RouteTable[];
  readonly subnets: readonly Subnet[];
}

/**
 * The main tables (one per VPC) on which a subnet that falls back to them can be drift: those with a
 * route the policy judges for isolated subnets. The VPCs of the others need no read.
 */
export const judgedMainTables = (mains: readonly RouteTable[], policy: Policy): RouteTable[] =>
  mains.filter((t) => isMainTable(t) && hasJudgedRoute(t, policy));

/**
 * A DisassociateRouteTable on live state. The call took a subnet off its table, so the subnet now uses
 * its VPC's main table; the record names only the association, which no longer exists, so neither the
 * subnet nor its VPC can be read back. The event narrows the decision to where a disassociated subnet
 * lands: the isolated subnets that use a main table with a judged route implicitly (no explicit
 * association), in the VPCs given (those of `judgedMainTables`). Each moves back to its VPC's isolated
 * table, or is `alert-only`; no route is deleted for it (other subnets may use the main table).
 */
export function evaluateDisassociation(
  change: DisassociationChange,
  vpcs: readonly VpcState[],
  policy: Policy,
  now: Date,
): EventDecision {
  const judged = vpcs.filter((v) => isMainTable(v.main) && hasJudgedRoute(v.main, policy));
  if (judged.length === 0) {
    return {
      status: 'ignored',
      reason: `no main route table routes to a target the policy forbids for isolated subnets, so the subnet of ${change.associationId} is not exposed`,
    };
  }
  const findings: Finding[] = [];
  for (const { main, tables, subnets } of judged) {
    const all = withTable(main, tables);
    const explicit = new Set(all.flatMap(explicitSubnetIds));
    const implicit = subnetsUsingTable(main, all, subnets).filter(
      (s) => !explicit.has(s.subnetId) && isIsolatedSubnet(s, policy),
    );
    if (implicit.length === 0) continue;
    findings.push(
      ...decideRouteTables(all, subnets, policy, now, {
        routeTableId: main.routeTableId,
        subnetIds: implicit.map((s) => s.subnetId),
        placement: true,
      }),
    );
  }
  if (findings.length > 0) return { status: 'judged', findings };
  const mains = list(judged.map((v) => v.main.routeTableId));
  return {
    status: 'ignored',
    reason: `no isolated subnet uses ${mains} implicitly: the subnet of ${change.associationId} is not isolated, or has an explicit association again`,
  };
}
