import type { RequestedRule } from './change.js';
import { isBroaderThan, isPrivateIpv6, isSameNetwork, overlaps, parseCidr } from './cidr.js';
import { describeExemption, type ExemptionStatus, readExemption } from './exemption.js';
import type { SecurityGroup, SgRule } from './network.js';
import type { Action, Drift } from './outcome.js';
import { type AllowedPort, type Policy } from './policy.js';
import { allowedFrom, describeLandings, findTierSkips, NO_TIER_VIEW, type TierSkip, type TierView, tierOf } from './tiers.js';

/** A rule's source and permission, whether requested in an event or read live. */
type RuleShape = Omit<RequestedRule, 'ruleId'> & { readonly isEgress?: boolean };

const PROTOCOL_NAMES: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

/** EC2 accepts protocol names and numbers; compare them in one form. */
export const normaliseProtocol = (protocol: string): string => {
  const p = protocol.toLowerCase();
  return PROTOCOL_NAMES[p] ?? p;
};

/**
 * The entries (CIDRs) of the managed prefix lists that rules name, by list id, as
 * GetManagedPrefixListEntries returns them. A list that is not in the map is not known to admit anything.
 */
export type PrefixLists = ReadonlyMap<string, readonly string[]>;
export const NO_PREFIX_LISTS: PrefixLists = new Map();

/**
 * A CIDR that is the internet, or a slice of it broader than the policy's bounds. Private IPv6
 * (`fc00::/7`, RFC 4193) is never the internet, however short its prefix.
 */
export const isWorldOpenCidr = (cidr: string, policy: Policy): boolean => {
  const family = parseCidr(cidr)?.family;
  if (family === 4) return isBroaderThan(cidr, policy.worldOpen.ipv4MinPrefix);
  return family === 6 && isBroaderThan(cidr, policy.worldOpen.ipv6MinPrefix) && !isPrivateIpv6(cidr);
};

/** The entries of the rule's prefix list that are the internet (none when the rule names no list, or the list is not read). */
export const worldOpenEntries = (rule: Pick<RuleShape, 'prefixListId'>, policy: Policy, lists: PrefixLists): string[] =>
  rule.prefixListId ? (lists.get(rule.prefixListId) ?? []).filter((cidr) => isWorldOpenCidr(cidr, policy)) : [];

/**
 * Ingress whose source is the internet, or a slice of it broader than the policy's bounds: a CIDR, or
 * a managed prefix list judged by its entries (`lists`).
 */
export const isWorldOpen = (rule: RuleShape, policy: Policy, lists: PrefixLists = NO_PREFIX_LISTS): boolean =>
  rule.isEgress !== true &&
  (isBroaderThan(rule.cidrIpv4, policy.worldOpen.ipv4MinPrefix) ||
    (isBroaderThan(rule.cidrIpv6, policy.worldOpen.ipv6MinPrefix) && !isPrivateIpv6(rule.cidrIpv6)) ||
    worldOpenEntries(rule, policy, lists).length > 0);

/**
 * Why the group is the public tier: a tag the policy names, or (when the policy says so) an
 * internet-facing load balancer it is attached to; `undefined` when it is not.
 */
export function publicTierBasis(group: SecurityGroup, policy: Policy): string | undefined {
  const tag = policy.publicTier.groupTags.find((s) => group.tags[s.key] === s.value);
  if (tag) return `tagged ${tag.key}=${tag.value}`;
  const [lb, ...more] = group.internetFacingLoadBalancers ?? [];
  if (policy.publicTier.internetFacingLoadBalancers && lb !== undefined) {
    return `attached to the internet-facing load balancer ${lb}${more.length ? ` (and ${more.length} more)` : ''}`;
  }
  return undefined;
}

/** True when the group is the public tier. */
export const isPublicTier = (group: SecurityGroup, policy: Policy): boolean => publicTierBasis(group, policy) !== undefined;

/**
 * True when the rule admits no more than the allowed entry: the one port of a tcp/udp entry (not a
 * range around it), or for ICMP the entry's type and, unless the entry allows any code, its code. EC2
 * keeps an ICMP rule's type in FromPort and its code in ToPort, -1 for any (the SDK's
 * `AuthorizeSecurityGroupIngressRequest.FromPort`/`ToPort`, models_0.d.ts).
 */
const isWithinAllowed = (rule: RuleShape, allowed: AllowedPort): boolean => {
  if (normaliseProtocol(rule.protocol) !== allowed.protocol) return false;
  if ('port' in allowed) return rule.fromPort === allowed.port && rule.toPort === allowed.port;
  const code = allowed.code ?? -1;
  return rule.fromPort === allowed.type && (code === -1 || rule.toPort === code);
};

/** The public tier may be open on exactly the allowed ports and ICMP messages. */
export const isAllowedPublic = (rule: RuleShape, group: SecurityGroup, policy: Policy): boolean =>
  isPublicTier(group, policy) && policy.publicTier.allowedPorts.some((a) => isWithinAllowed(rule, a));

/** Same permission and source: how a live rule is found for a requested one that has no rule id. */
export const isSamePermission = (live: SgRule, requested: RuleShape): boolean =>
  !live.isEgress &&
  normaliseProtocol(live.protocol) === normaliseProtocol(requested.protocol) &&
  // EC2 omits ports for protocol -1; CloudTrail may carry -1 or nothing.
  (normaliseProtocol(live.protocol) === '-1' ||
    ((live.fromPort ?? -1) === (requested.fromPort ?? -1) && (live.toPort ?? -1) === (requested.toPort ?? -1))) &&
  // Networks, not text: EC2 stores a CIDR canonically, an event may carry host bits (see cidr.ts).
  isSameNetwork(live.cidrIpv4, requested.cidrIpv4) &&
  isSameNetwork(live.cidrIpv6, requested.cidrIpv6) &&
  live.prefixListId === requested.prefixListId &&
  live.referencedGroupId === requested.referencedGroupId;

/**
 * The requested rules that could be drift, judged from the event alone (no I/O needed to rule the rest
 * out): a world-open CIDR, or a managed prefix list, whose entries only the live list can tell.
 */
export const worldOpenCandidates = (rules: readonly RequestedRule[], policy: Policy): RequestedRule[] =>
  rules.filter((r) => isWorldOpen(r, policy) || r.prefixListId !== undefined);

/** The prefix lists of these rules' ingress, once each: the lists whose entries a decision must read. */
export const prefixListsOf = (rules: readonly RuleShape[]): string[] => [
  ...new Set(rules.flatMap((r) => (r.prefixListId && r.isEgress !== true ? [r.prefixListId] : []))),
];

/** A security group's drift: world-open ingress, or ingress that lets a tier skip one. */
export type SgDrift = Extract<Drift, { kind: 'sg-world-open' | 'sg-tier-skip' }>;

/** What the live state says about a change's candidates. */
export type SgDecision =
  /** `setAside`: the drift the exemption leaves as it is (none when the rules asked about are not drift). */
  | { readonly status: 'exempt'; readonly reason: string; readonly setAside: readonly SgDrift[] }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'already-compliant'; readonly reason: string }
  | { readonly status: 'drift'; readonly drifts: readonly [SgDrift, ...SgDrift[]]; readonly reason: string };

/**
 * The requested rules a tier view could find skipping a tier, from the request alone: a referenced
 * group, an IPv4 CIDR that may lie in a tier's subnets (`tiers.addressSpace`), any IPv6 CIDR (a VPC's
 * IPv6 blocks are Amazon's or the owner's public space: no range tells them apart), or a prefix list.
 * None when the policy judges no tiers.
 */
export const tierCandidates = (rules: readonly RequestedRule[], policy: Policy): RequestedRule[] =>
  policy.tiers.chain.length === 0
    ? []
    : rules.filter(
        (r) =>
          r.referencedGroupId !== undefined ||
          r.prefixListId !== undefined ||
          r.cidrIpv6 !== undefined ||
          // overlaps() answers false for a rule without an IPv4 CIDR.
          policy.tiers.addressSpace.some((space) => overlaps(space, r.cidrIpv4)),
      );

/** The drift of tier skips found in a group. */
const tierDrift = (group: SecurityGroup, tier: string, skips: readonly TierSkip[]): Extract<Drift, { kind: 'sg-tier-skip' }> => ({
  kind: 'sg-tier-skip',
  groupId: group.groupId,
  tier,
  rules: skips.map((k) => k.rule),
  reached: Object.fromEntries(skips.map((k) => [k.rule.ruleId, describeLandings(k.landings)])),
});

/** "tcp/3306 from sg-0web (web (sg-0web)), which the database tier may not be reached from (only database, application)". */
const describeSkips = (tier: string, skips: readonly TierSkip[], policy: Policy): string =>
  `${skips.map((k) => `${describePermission(k.rule)} from ${k.rule.referencedGroupId ?? k.rule.cidrIpv4 ?? k.rule.prefixListId ?? '?'} (in ${describeLandings(k.landings)})`).join(', ')}: ` +
  `the ${tier} tier may be reached from ${allowedFrom(tier, policy).join(' and ')} only`;

/** "icmp type 8, any code": EC2's FromPort is the ICMP type, ToPort the code, -1 for any. */
const describeIcmp = (protocol: string, type: number | undefined, code: number | undefined): string => {
  if (type === undefined || type === -1) return `${protocol}, any type`;
  return `${protocol} type ${type}, ${code === undefined || code === -1 ? 'any code' : `code ${code}`}`;
};

/** The permission alone: "tcp/22", "tcp/1024-65535", "icmp type 8, any code", "all traffic". */
export const describePermission = (r: Pick<RuleShape, 'protocol' | 'fromPort' | 'toPort'>): string => {
  const protocol = normaliseProtocol(r.protocol);
  if (protocol === '-1') return 'all traffic';
  if (protocol === 'icmp' || protocol === 'icmpv6') return describeIcmp(protocol, r.fromPort, r.toPort);
  if (r.fromPort === undefined) return `${protocol}, all ports`;
  const ports = r.fromPort === r.toPort || r.toPort === undefined ? `${r.fromPort}` : `${r.fromPort}-${r.toPort}`;
  return `${protocol}/${ports}`;
};

/** "tcp/22 from 0.0.0.0/0"; a prefix list with its entries that are the internet, when they are known. */
const describeRule = (r: RuleShape, policy?: Policy, lists: PrefixLists = NO_PREFIX_LISTS): string => {
  const open = policy ? worldOpenEntries(r, policy, lists) : [];
  const list = r.prefixListId && open.length > 0 ? `${r.prefixListId} (${open.join(', ')})` : r.prefixListId;
  const source = r.cidrIpv4 ?? r.cidrIpv6 ?? list ?? r.referencedGroupId ?? '?';
  return `${describePermission(r)} from ${source}`;
};
export { describeRule };

/**
 * Decides, on live state, which of the change's candidate rules are drift: they still exist, and are
 * world-open (a prefix list by its entries in `lists`) where the policy does not allow it, or let a tier
 * skip one (`tiers`: what their sources are in; without a view no tier is judged). Pure: the caller reads
 * the group, its rules, the entries of the prefix lists they name and the tier view.
 */
export function evaluateSecurityGroup(
  candidates: readonly RequestedRule[],
  group: SecurityGroup | undefined,
  liveRules: readonly SgRule[],
  policy: Policy,
  now: Date,
  lists: PrefixLists = NO_PREFIX_LISTS,
  tiers: TierView = NO_TIER_VIEW,
): SgDecision {
  if (!group) return { status: 'already-compliant', reason: 'the security group no longer exists' };
  const exemption = readExemption(group.tags, policy.exemption, now);
  const judged = judgeRules(candidates, group, liveRules, policy, exemption, lists, tiers);
  if (!exemption.exempt) return judged;
  // The drift is still judged: an exempt group's drift is reported as set aside (a suppressed finding), never reverted.
  return { status: 'exempt', reason: describeExemption(group.groupId, exemption), setAside: judged.status === 'drift' ? judged.drifts : [] };
}

/** The decision on the group's rules alone, as if no exemption held (`exemption` only words a tag's problem). */
function judgeRules(
  candidates: readonly RequestedRule[],
  group: SecurityGroup,
  liveRules: readonly SgRule[],
  policy: Policy,
  exemption: ExemptionStatus,
  lists: PrefixLists,
  tiers: TierView,
): Exclude<SgDecision, { status: 'exempt' }> {
  const matched = new Map<string, SgRule>();
  const narrow = new Map<string, SgRule>();
  let allowed = 0;
  let egress = 0;
  let askedAny = false;
  const closedLists = new Set<string>();
  for (const candidate of candidates) {
    const live = candidate.ruleId
      ? liveRules.filter((r) => r.ruleId === candidate.ruleId)
      : liveRules.filter((r) => isSamePermission(r, candidate));
    // What the event asked for must admit the internet itself (a prefix list by its entries): a rule
    // that only became world-open by a later edit is that edit's event to judge.
    const asked = isWorldOpen(candidate, policy, lists);
    askedAny ||= asked;
    if (!asked && candidate.prefixListId) closedLists.add(candidate.prefixListId);
    for (const rule of live) {
      // ModifySecurityGroupRules does not say whether a rule is egress; only the live rule does.
      if (rule.isEgress) {
        egress += 1;
        continue;
      }
      if (!isWorldOpen(rule, policy, lists)) {
        // Narrow: a tier skip, if anything (below). A prefix list with no entry that is the internet; or a
        // rule modified again since.
        if (rule.prefixListId) closedLists.add(rule.prefixListId);
        narrow.set(rule.ruleId, rule);
        continue;
      }
      if (!asked) continue;
      if (isAllowedPublic(rule, group, policy)) allowed += 1;
      else matched.set(rule.ruleId, rule);
    }
  }
  const tier = tierOf(group.tags, policy);
  const skips = tier === undefined ? [] : findTierSkips(tier, [...narrow.values()], policy, tiers, lists);
  if (matched.size === 0 && skips.length === 0) {
    if (allowed > 0) {
      return { status: 'ignored', reason: `${group.groupId} is the public tier (${publicTierBasis(group, policy)}) and the rule is on an allowed port` };
    }
    if (egress > 0) return { status: 'ignored', reason: 'the rule is egress: LayerGuard guards ingress only' };
    // Why no tier skip, when tiers were judged (a tier's group, with a view) or could not be (no tier).
    const tiersWhy =
      policy.tiers.chain.length === 0 || narrow.size === 0
        ? ''
        : tier === undefined
          ? `; ${group.groupId} is in no tier of the policy`
          : tiers === NO_TIER_VIEW
            ? ''
            : `; no source is in a tier the ${tier} tier may not be reached from (only ${allowedFrom(tier, policy).join(' and ')})`;
    if (closedLists.size > 0) {
      return { status: 'ignored', reason: `no entry of ${[...closedLists].join(', ')} is open to the internet${tiersWhy}` };
    }
    if (!askedAny && candidates.length > 0) return { status: 'ignored', reason: `no rule asked for is open to the internet${tiersWhy}` };
    return { status: 'already-compliant', reason: 'the world-open rules are already gone' };
  }
  const rules = [...matched.values()];
  const note = !exemption.exempt && exemption.problem ? ` (${exemption.problem})` : '';
  // Say why the rest stays: the reader sees the public tier's basis (tag or load balancer) either way.
  const kept = allowed > 0 ? `; ${allowed} on allowed ports kept: the public tier (${publicTierBasis(group, policy)})` : '';
  // A skip was found only in a tier's group (`tier` is set whenever `skips` is not empty).
  const skipTier = tier as string;
  const found: SgDrift[] = [
    ...(rules.length > 0 ? [{ kind: 'sg-world-open' as const, groupId: group.groupId, rules, ...(tier !== undefined ? { tier } : {}) }] : []),
    ...(skips.length > 0 ? [tierDrift(group, skipTier, skips)] : []),
  ];
  // One at least: the no-drift case returned above.
  const drifts = found as [SgDrift, ...SgDrift[]];
  const open = rules.length > 0 ? `${group.groupId} admits ${rules.map((r) => describeRule(r, policy, lists)).join(', ')}` : '';
  const skipped = skips.length > 0 ? `${rules.length > 0 ? '; it also admits ' : `${group.groupId} admits `}${describeSkips(skipTier, skips, policy)}` : '';
  return { status: 'drift', drifts, reason: `${open}${skipped}${note}${kept}` };
}

/** Every world-open ingress rule the policy does not allow: what a sweep reverts without an event. */
export function findWorldOpenRules(
  group: SecurityGroup,
  liveRules: readonly SgRule[],
  policy: Policy,
  lists: PrefixLists = NO_PREFIX_LISTS,
): SgRule[] {
  return liveRules.filter((r) => !r.isEgress && isWorldOpen(r, policy, lists) && !isAllowedPublic(r, group, policy));
}

/**
 * The ingress rules of a tier's group that let a tier skip one, the world-open ones left to
 * `findWorldOpenRules`: what a sweep and a runbook revert without an event.
 */
export function findTierSkipRules(group: SecurityGroup, liveRules: readonly SgRule[], policy: Policy, tiers: TierView, lists: PrefixLists = NO_PREFIX_LISTS): SgRule[] {
  const tier = tierOf(group.tags, policy);
  if (tier === undefined) return [];
  return findTierSkips(tier, liveRules.filter((r) => !r.isEgress && !isWorldOpen(r, policy, lists)), policy, tiers, lists).map((k) => k.rule);
}

/** The revert: revoke exactly the drifts' rules of one group, by id, in one call. */
export const planSgRevert = (drift: SgDrift | readonly [SgDrift, ...SgDrift[]]): Action => {
  const drifts = (Array.isArray(drift) ? drift : [drift]) as readonly [SgDrift, ...SgDrift[]];
  return {
    type: 'revoke-ingress',
    groupId: drifts[0].groupId,
    ruleIds: drifts.flatMap((d) => d.rules.map((r) => r.ruleId)),
  };
};
