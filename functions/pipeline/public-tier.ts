import type { LoadBalancer, NetworkApi, SecurityGroup, SgRule } from '../core/network.js';
import { hasAnyTag } from '../core/policy.js';
import type { RequestedRule } from '../core/change.js';
import { isAllowedPublic, isWorldOpen, NO_PREFIX_LISTS, type PrefixLists } from '../core/security-group.js';
import type { PipelineDeps } from './deps.js';

/**
 * The public tier as AWS shows it: a group attached to an internet-facing load balancer. The
 * region's load balancers are read only when they can change a decision (a world-open rule on an
 * allowed port, on a group that no tag makes public), and once per run.
 */

/** Group id -> the internet-facing load balancers (names) it is attached to. */
export type LoadBalancerIndex = ReadonlyMap<string, readonly string[]>;

export function internetFacingByGroup(loadBalancers: readonly LoadBalancer[]): LoadBalancerIndex {
  const byGroup = new Map<string, string[]>();
  for (const lb of loadBalancers) {
    if (!lb.internetFacing) continue;
    for (const id of lb.securityGroupIds) byGroup.set(id, [...(byGroup.get(id) ?? []), lb.name]);
  }
  return byGroup;
}

/** Reads the load balancers at most once (a failed read is not remembered: the next caller asks again). */
export function loadBalancerIndex(network: NetworkApi): () => Promise<LoadBalancerIndex> {
  let pending: Promise<LoadBalancerIndex> | undefined;
  return () => {
    pending ??= network.listLoadBalancers().then(internetFacingByGroup, (error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** Stands for "some load balancer" to ask the decision whether a rule would be allowed on a public group. */
const PROBE = ['(a load balancer)'];

/** True when the load balancers can change the decision on these rules of this group. */
export function needsLoadBalancers(
  group: SecurityGroup,
  rules: readonly (SgRule | RequestedRule)[],
  deps: Pick<PipelineDeps, 'policy'>,
  lists: PrefixLists = NO_PREFIX_LISTS,
): boolean {
  const { policy } = deps;
  if (!policy.publicTier.internetFacingLoadBalancers || hasAnyTag(group.tags, policy.publicTier.groupTags)) return false;
  const ifPublic = { ...group, internetFacingLoadBalancers: PROBE };
  return rules.some(
    (r) => !('isEgress' in r && r.isEgress) && isWorldOpen(r, policy, lists) && isAllowedPublic(r, ifPublic, policy),
  );
}

/**
 * The group with the internet-facing load balancers it is attached to, when they can change the
 * decision on these rules; the group as it was otherwise. A failed read throws (never guess).
 */
export async function withPublicTier<G extends SecurityGroup | undefined>(
  group: G,
  rules: readonly (SgRule | RequestedRule)[],
  deps: PipelineDeps,
  lists: PrefixLists = NO_PREFIX_LISTS,
): Promise<G> {
  if (!group || !needsLoadBalancers(group, rules, deps, lists)) return group;
  const index = await (deps.loadBalancers ?? loadBalancerIndex(deps.network))();
  return { ...group, internetFacingLoadBalancers: index.get(group.groupId) ?? [] };
}
