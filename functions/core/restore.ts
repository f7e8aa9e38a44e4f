import * as z from 'zod/mini';
import type { Change } from './change.js';
import type { RouteDestination, RouteTable, RouteTarget, RuleDefinition, SecurityGroup, SgRule, Subnet } from './network.js';
import type { Policy } from './policy.js';
import { canonicalTarget, evaluateRoute, isLocalRoute, isSameDestination, routeTargetOf, targetOf } from './route-table.js';
import { findTierSkipRules, isSamePermission, isWorldOpen, normaliseProtocol, type PrefixLists } from './security-group.js';
import type { TierView } from './tiers.js';
import { definedOnly } from './defined.js';
import './zod-locale.js';

/**
 * Restore instead of revoke (`configRestore`): CloudTrail records only the new definition of a
 * ModifySecurityGroupRules or ReplaceRoute, so the definition before the change is read from the
 * resource's AWS Config history and put back, where it can be found without guessing and the policy
 * allows it. Pure: the pipeline reads the history (adapters/config-history.ts) and the live state.
 */

/** The Config resource types LayerGuard reads ("Supported Resource Types", AWS Config Developer Guide). */
export type ConfigResourceType = 'AWS::EC2::SecurityGroup' | 'AWS::EC2::RouteTable';

/** One configuration item, as GetResourceConfigHistory returns it, its `configuration` parsed from JSON. */
export interface ConfigItem {
  readonly captureTime: string;
  /** `configurationItemStatus`: OK, ResourceDiscovered, ResourceNotRecorded, ResourceDeleted, ResourceDeletedNotRecorded. */
  readonly status: string;
  readonly configuration: unknown;
}

/** What the history answered for "the item just before this time": an item, or why there is none. */
export type HistoryAnswer = { readonly item: ConfigItem } | { readonly why: string };

/** The port: an account-region's AWS Config history (the adapter, or the simulated account's). */
export interface ConfigHistory {
  /** The latest configuration item captured before `before`. Never throws: a failed read is a `why`. */
  previous(resourceType: ConfigResourceType, resourceId: string, before: Date): Promise<HistoryAnswer>;
}

/** A restore found, or why not (then the revert is a revoke or a delete, as without the switch). */
export type Restore<T> = { readonly ok: true; readonly value: T; readonly capturedAt: string } | { readonly ok: false; readonly why: string };

const refuse = (why: string): { ok: false; why: string } => ({ ok: false, why });

type RouteChange = Extract<Change, { kind: 'route' }>;

/** Items whose configuration describes the resource as it was: not deleted, not "not recorded". */
const USABLE_STATUS = new Set(['OK', 'ResourceDiscovered']);

// The `configuration` of an AWS::EC2::SecurityGroup item is EC2's SecurityGroup in camelCase
// (DescribeSecurityGroups' `IpPermission`: ipProtocol, fromPort, toPort, ipv4Ranges / ipRanges,
// ipv6Ranges, prefixListIds, userIdGroupPairs). Config writes IPv4 ranges twice: `ipv4Ranges` as
// objects with their descriptions and the older `ipRanges` as plain CIDRs; the objects are read when
// present. Strict about what a restore needs, tolerant of everything else (loose objects).
const Ipv4Range = z.looseObject({ cidrIp: z.string(), description: z.optional(z.string()) });
const Permission = z.looseObject({
  ipProtocol: z.string(),
  fromPort: z.optional(z.nullable(z.number())),
  toPort: z.optional(z.nullable(z.number())),
  ipv4Ranges: z.optional(z.nullable(z.array(Ipv4Range))),
  ipRanges: z.optional(z.nullable(z.array(z.union([z.string(), Ipv4Range])))),
  ipv6Ranges: z.optional(z.nullable(z.array(z.looseObject({ cidrIpv6: z.string(), description: z.optional(z.string()) })))),
  prefixListIds: z.optional(z.nullable(z.array(z.looseObject({ prefixListId: z.string(), description: z.optional(z.string()) })))),
  userIdGroupPairs: z.optional(z.nullable(z.array(z.looseObject({ groupId: z.string(), description: z.optional(z.string()) })))),
});
const SecurityGroupConfiguration = z.looseObject({ groupId: z.string(), ipPermissions: z.array(Permission) });

/** A permission flattened to one rule per source, as EC2 stores it (one rule id each). */
export function previousIngress(configuration: unknown): RuleDefinition[] | undefined {
  const parsed = z.safeParse(SecurityGroupConfiguration, configuration);
  if (!parsed.success) return undefined;
  return parsed.data.ipPermissions.flatMap((p) => {
    const protocol = normaliseProtocol(p.ipProtocol);
    // EC2 has no ports for protocol -1; Config may write them as -1 or leave them out.
    const ports = protocol === '-1' ? {} : definedOnly({ fromPort: p.fromPort ?? undefined, toPort: p.toPort ?? undefined });
    const base = { protocol, ...ports };
    const v4 = p.ipv4Ranges ?? (p.ipRanges ?? []).map((r) => (typeof r === 'string' ? { cidrIp: r } : r));
    return [
      ...v4.map((r) => definedOnly({ ...base, cidrIpv4: r.cidrIp, description: r.description })),
      ...(p.ipv6Ranges ?? []).map((r) => definedOnly({ ...base, cidrIpv6: r.cidrIpv6, description: r.description })),
      ...(p.prefixListIds ?? []).map((r) => definedOnly({ ...base, prefixListId: r.prefixListId, description: r.description })),
      ...(p.userIdGroupPairs ?? []).map((r) => definedOnly({ ...base, referencedGroupId: r.groupId, description: r.description })),
    ];
  });
}

const samePorts = (a: Pick<RuleDefinition, 'protocol' | 'fromPort' | 'toPort'>, b: Pick<RuleDefinition, 'protocol' | 'fromPort' | 'toPort'>) =>
  normaliseProtocol(a.protocol) === normaliseProtocol(b.protocol) &&
  (normaliseProtocol(a.protocol) === '-1' || ((a.fromPort ?? -1) === (b.fromPort ?? -1) && (a.toPort ?? -1) === (b.toPort ?? -1)));

/** Why an item cannot be used at all, or `undefined` when it can. */
const unusable = (item: ConfigItem): string | undefined =>
  USABLE_STATUS.has(item.status) ? undefined : `the configuration item before the change is ${item.status}`;

/** One edited rule's previous definition, found honestly, or why not. */
function previousOf(rule: SgRule, gone: readonly RuleDefinition[]): RuleDefinition | string {
  // Config lists permissions, not rule ids. The edited rule's old definition is a permission that was
  // there before and is not now; among those, the one with the rule's protocol and ports (an edit of
  // the source), else the one with the rule's description. Anything else is a guess.
  const byPorts = gone.filter((p) => samePorts(p, rule));
  if (byPorts.length === 1) return byPorts[0] as RuleDefinition;
  const pool = byPorts.length > 1 ? byPorts : gone;
  const byText = rule.description === undefined ? [] : pool.filter((p) => p.description === rule.description);
  if (byText.length === 1) return byText[0] as RuleDefinition;
  if (byPorts.length > 1) return `${byPorts.length} permissions of the item before the change could be the old definition of ${rule.ruleId}`;
  return `no permission of the item before the change matches ${rule.ruleId} by protocol and ports or by description`;
}

/**
 * The definitions before the change of the edited rules (by id, as they are live now), from the
 * security group's configuration item before the change. All or nothing: one rule that cannot be
 * matched, or two that match the same permission, refuses the restore.
 */
export function planRuleRestore(
  item: ConfigItem,
  ruleIds: readonly string[],
  liveRules: readonly SgRule[],
): Restore<{ ruleId: string; definition: RuleDefinition }[]> {
  const bad = unusable(item);
  if (bad) return refuse(bad);
  const before = previousIngress(item.configuration);
  if (!before) return refuse('the configuration item before the change has no security group configuration LayerGuard can read');
  const ingress = liveRules.filter((r) => !r.isEgress);
  const gone = before.filter((p) => !ingress.some((r) => isSamePermission(r, p)));
  const plans: { ruleId: string; definition: RuleDefinition }[] = [];
  for (const id of ruleIds) {
    const live = ingress.find((r) => r.ruleId === id);
    if (!live) return refuse(`${id} is no longer an ingress rule of the group`);
    const found = previousOf(live, gone);
    if (typeof found === 'string') return refuse(found);
    if (plans.some((p) => p.definition === found)) return refuse(`two edited rules match the same permission of the item before the change`);
    plans.push({ ruleId: id, definition: found });
  }
  return { ok: true, value: plans, capturedAt: item.captureTime };
}

/**
 * The policy's word on the restored rules, with the same predicates as the decision: a restored
 * source may never be the internet (not even on the public tier's allowed ports: a person may re-add
 * that, LayerGuard does not), and may not let a tier skip one. `undefined` when all are allowed.
 */
export function forbiddenRestore(
  group: SecurityGroup,
  liveRules: readonly SgRule[],
  plans: readonly { ruleId: string; definition: RuleDefinition }[],
  policy: Policy,
  lists: PrefixLists,
  tiers: TierView,
): string | undefined {
  const open = plans.filter((p) => isWorldOpen(p.definition, policy, lists));
  if (open.length > 0) return `the definition before the change of ${open.map((p) => p.ruleId).join(', ')} was open to the internet too`;
  const restored = liveRules.map((r) => {
    const plan = plans.find((p) => p.ruleId === r.ruleId);
    return plan ? { ...plan.definition, ruleId: r.ruleId, groupId: r.groupId, isEgress: false } : r;
  });
  const skips = findTierSkipRules(group, restored, policy, tiers, lists).filter((r) => plans.some((p) => p.ruleId === r.ruleId));
  if (skips.length > 0) return `the definition before the change of ${skips.map((r) => r.ruleId).join(', ')} lets a tier skip one`;
  return undefined;
}

// The `configuration` of an AWS::EC2::RouteTable item is EC2's RouteTable in camelCase: `routes` with
// destinationCidrBlock / destinationIpv6CidrBlock / destinationPrefixListId and one target field
// (gatewayId, natGatewayId, transitGatewayId, ... as DescribeRouteTables' `Route`).
const target = z.optional(z.nullable(z.string()));
const RouteConfiguration = z.looseObject({
  destinationCidrBlock: target,
  destinationIpv6CidrBlock: target,
  destinationPrefixListId: target,
  gatewayId: target,
  natGatewayId: target,
  egressOnlyInternetGatewayId: target,
  transitGatewayId: target,
  vpcPeeringConnectionId: target,
  networkInterfaceId: target,
  instanceId: target,
  vpcEndpointId: target,
  carrierGatewayId: target,
  localGatewayId: target,
  coreNetworkArn: target,
  state: target,
  origin: target,
});
const RouteTableConfiguration = z.looseObject({ routeTableId: z.string(), routes: z.array(RouteConfiguration) });

const orUndefined = (v: string | null | undefined): string | undefined => v ?? undefined;

/**
 * The target the route to the change's destination had before the change, from the route table's
 * configuration item, if that target is one the decision allows there: the same decision as the
 * event's (`evaluateRoute`), on the table as it would be after the restore.
 */
export function planRouteRestore(
  item: ConfigItem,
  change: RouteChange,
  table: RouteTable,
  tablesOfVpc: readonly RouteTable[],
  subnetsOfVpc: readonly Subnet[],
  policy: Policy,
  now: Date,
): Restore<RouteTarget> {
  const bad = unusable(item);
  if (bad) return refuse(bad);
  const parsed = z.safeParse(RouteTableConfiguration, item.configuration);
  if (!parsed.success) return refuse('the configuration item before the change has no route table configuration LayerGuard can read');
  const routes = parsed.data.routes.map((r) => ({
    ...definedOnly({
      cidrIpv4: orUndefined(r.destinationCidrBlock),
      cidrIpv6: orUndefined(r.destinationIpv6CidrBlock),
      prefixListId: orUndefined(r.destinationPrefixListId),
    }),
    target: canonicalTarget(targetOf(definedOnly(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, orUndefined(v as string | null)]))) as RouteTarget)),
    state: orUndefined(r.state),
    origin: orUndefined(r.origin),
  }));
  const previous = routes.find((r) => isSameDestination(r, change.destination));
  if (!previous) return refuse('the route table had no route to this destination before the change');
  const ref = routeTargetOf(previous.target);
  if (!ref) return refuse('the route before the change has no target LayerGuard knows');
  if (isLocalRoute({ ...previous.target, origin: previous.origin as 'CreateRouteTable' | undefined })) return refuse('the route before the change was the local route');
  // A blackhole route's target is gone (a deleted NAT gateway): ReplaceRoute to it would fail.
  if (previous.state === 'blackhole') return refuse(`the route before the change pointed at ${ref.id}, which was already a blackhole`);
  if (ref.id === routeTargetOf(change.target)?.id) return refuse(`the route already pointed at ${ref.id} before the change`);
  const restored: RouteTable = {
    ...table,
    routes: table.routes.map((r) => (isSameDestination(r, change.destination) ? definedOnly({ ...r, ...clearTarget, ...previous.target }) as typeof r : r)),
  };
  const judged = evaluateRoute({ ...change, target: previous.target }, restored, tablesOfVpc, subnetsOfVpc, policy, now);
  if (judged.status === 'judged') return refuse(`the target before the change, ${ref.id}, is forbidden there too`);
  return { ok: true, value: previous.target, capturedAt: item.captureTime };
}

/** Every target field unset: a route's old target replaced, not merged with the new one. */
const clearTarget: Record<keyof RouteTarget, undefined> = {
  gatewayId: undefined,
  natGatewayId: undefined,
  egressOnlyInternetGatewayId: undefined,
  transitGatewayId: undefined,
  vpcPeeringConnectionId: undefined,
  networkInterfaceId: undefined,
  instanceId: undefined,
  vpcEndpointId: undefined,
  carrierGatewayId: undefined,
  localGatewayId: undefined,
  coreNetworkArn: undefined,
};

/** Used by outcomes: a destination and the target a route went back to. */
export type RestoredRoute = RouteDestination & { readonly target: RouteTarget };
