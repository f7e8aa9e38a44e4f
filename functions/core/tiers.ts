import { overlaps } from './cidr.js';
import type { SgRule, Subnet, Tags } from './network.js';
import { hasAnyTag, type Policy } from './policy.js';

/** The entries of managed prefix lists by id, as security-group.ts reads them (`PrefixLists` there). */
type Lists = ReadonlyMap<string, readonly string[]>;

/**
 * Tier-to-tier reachability (SEC05-BP01, example 3): a tier's ingress may name its own tier and the tier
 * just before it in `policy.tiers.chain`, never one further out. What a rule's source reaches is read
 * on live state: the tier of a referenced group (its tags), and the tiers of the subnets of the group's
 * VPC that a CIDR of either family (or a prefix list's entry) covers in part or whole. Pure: the caller
 * reads the view.
 */

/** What the tiers of a group's sources are, as read for one decision. */
export interface TierView {
  /** The tier of each referenced group that could be read (this account's); a group of no tier is left out. */
  readonly groupTiers: ReadonlyMap<string, string>;
  /** The subnets of the judged group's VPC that are in a tier, with their CIDRs. */
  readonly subnets: readonly TierSubnet[];
}

export interface TierSubnet {
  readonly subnetId: string;
  /** Its IPv4 CIDR and its associated IPv6 CIDRs. */
  readonly cidrs: readonly string[];
  readonly tier: string;
}

/** No tier known: what a decision without a view judges (world-open rules only). */
export const NO_TIER_VIEW: TierView = { groupTiers: new Map(), subnets: [] };

/** The tier whose tags the resource carries (the first in the chain), or `undefined`. */
export const tierOf = (tags: Tags, policy: Policy): string | undefined =>
  policy.tiers.chain.find((t) => hasAnyTag(tags, t.tags))?.name;

/** The tiers whose ingress may name `from`: `from` itself, and the tier after it in the chain. */
export function mayReach(from: string, to: string, policy: Policy): boolean {
  const names = policy.tiers.chain.map((t) => t.name);
  return from === to || names.indexOf(from) === names.indexOf(to) - 1;
}

/** The tier view's subnets, read from a VPC's subnets: those in a tier, with their CIDRs of both families. */
export const tierSubnets = (subnets: readonly Subnet[], policy: Policy): TierSubnet[] =>
  subnets.flatMap((s) => {
    const tier = tierOf(s.tags, policy);
    const cidrs = [...(s.cidrIpv4 !== undefined ? [s.cidrIpv4] : []), ...(s.cidrIpv6 ?? [])];
    return tier !== undefined ? [{ subnetId: s.subnetId, cidrs, tier }] : [];
  });

/** Where a rule's source lands: a group in a tier, or the tier subnets a CIDR covers. */
export interface Landing {
  readonly tier: string;
  /** The referenced group, or the subnet the CIDR (or a list's entry) covers. */
  readonly via: string;
}

/** Every tier a rule's source lands in, with what it lands on. */
export function landingsOf(rule: Pick<SgRule, 'cidrIpv4' | 'cidrIpv6' | 'prefixListId' | 'referencedGroupId'>, view: TierView, lists: Lists): Landing[] {
  if (rule.referencedGroupId !== undefined) {
    const tier = view.groupTiers.get(rule.referencedGroupId);
    return tier === undefined ? [] : [{ tier, via: rule.referencedGroupId }];
  }
  const cidr = rule.cidrIpv4 ?? rule.cidrIpv6;
  return landingsOfCidrs(cidr !== undefined ? [cidr] : (lists.get(rule.prefixListId as string) ?? []), view);
}

/** The tier subnets that any of these CIDRs (of either family) covers in part or whole. */
export const landingsOfCidrs = (cidrs: readonly string[], view: TierView): Landing[] =>
  // overlaps() compares networks of one family, and answers false across families.
  view.subnets.filter((s) => cidrs.some((c) => s.cidrs.some((own) => overlaps(c, own)))).map((s) => ({ tier: s.tier, via: s.subnetId }));

/** An ingress rule of a tier's group whose source lands in a tier that may not reach it. */
export interface TierSkip {
  readonly rule: SgRule;
  /** The landings of tiers that may not reach the group's tier. */
  readonly landings: readonly Landing[];
}

/**
 * Of these ingress rules of a group in `tier` (the caller leaves out those open to the internet: the
 * world-open decision's), those that let a tier skip one: a source in a tier that may not reach `tier`.
 * A source in no tier (a bastion's group, a peered network, an office) is not judged.
 */
export function findTierSkips(tier: string, rules: readonly SgRule[], policy: Policy, view: TierView, lists: Lists): TierSkip[] {
  return rules.flatMap((rule) => {
    if (rule.isEgress) return [];
    const landings = landingsOf(rule, view, lists).filter((l) => !mayReach(l.tier, tier, policy));
    return landings.length > 0 ? [{ rule, landings }] : [];
  });
}

/** "web (sg-0web), web (subnet-0a)": where a skipping source lands, each once. */
export const describeLandings = (landings: readonly Landing[]): string =>
  [...new Set(landings.map((l) => `${l.tier} (${l.via})`))].join(', ');

/** The tiers that may reach `tier`: itself and the one before it. */
export const allowedFrom = (tier: string, policy: Policy): string[] =>
  policy.tiers.chain.map((t) => t.name).filter((from) => mayReach(from, tier, policy));
