import type { Change } from './change.js';
import { isSameNetwork, parseCidr } from './cidr.js';
import { describeExemption, readExemption } from './exemption.js';
import type { PrefixList, PrefixListAssociation, SecurityGroup, SgRule } from './network.js';
import type { Action, Drift } from './outcome.js';
import type { Policy } from './policy.js';
import { describeRule, findWorldOpenRules, isWorldOpen, isWorldOpenCidr } from './security-group.js';
import { describeLandings, landingsOfCidrs, mayReach, type TierView, tierOf } from './tiers.js';

/**
 * Managed prefix lists: an entry that is the internet, added to a customer-managed list that guarded
 * security groups reference, is drift (ModifyManagedPrefixList). Through the list, every rule that names
 * it admits the internet, so the entry is reverted where it was made: removed from the list, the rules
 * and the list's other entries kept. The list's entries are judged by the same bounds as a rule's CIDR
 * (`isWorldOpenCidr`), a referencing group by the same decision as a sweep of that group
 * (`findWorldOpenRules`: its ingress, the public tier on its allowed ports, the group's exemption).
 */

type PlChange = Extract<Change, { kind: 'prefix-list-entries' }>;
export type PrefixListDrift = Extract<Drift, { kind: 'prefix-list-internet-entry' }>;
export type PrefixListTierDrift = Extract<Drift, { kind: 'prefix-list-tier-entry' }>;

/**
 * "The ID of the owner of the prefix list" for the lists AWS manages (DescribeManagedPrefixLists
 * `OwnerId`; "AWS-managed prefix lists … You can't create, modify, share, or delete an AWS-managed
 * prefix list", Amazon VPC User Guide, "AWS-managed prefix lists"). LayerGuard never changes one.
 */
export const AWS_OWNER_ID = 'AWS';

/** True for a list AWS manages (its owner is `AWS`). */
export const isAwsManaged = (list: Pick<PrefixList, 'ownerId'>): boolean => list.ownerId === AWS_OWNER_ID;

/** The CIDRs the change added that are the internet by the policy's bounds: the candidates, from the request alone. */
export const internetCandidates = (change: Pick<PlChange, 'added'>, policy: Policy): string[] => [
  ...new Set(change.added.filter((cidr) => isWorldOpenCidr(cidr, policy))),
];

/**
 * The CIDRs the change added that are not the internet: another tier's range, if a tier's group names
 * the list (only the live groups and subnets can tell). None when the policy judges no tiers.
 */
export const tierEntryCandidates = (change: Pick<PlChange, 'added'>, policy: Policy): string[] =>
  policy.tiers.chain.length === 0 ? [] : [...new Set(change.added.filter((cidr) => parseCidr(cidr) !== undefined && !isWorldOpenCidr(cidr, policy)))];

/** A group that references the list, read live: its tags and every rule. */
export interface ReferencingGroup {
  readonly group: SecurityGroup;
  readonly rules: readonly SgRule[];
}

/** What the live state says about a change to a prefix list. */
export type PrefixListDecision =
  | { readonly status: 'ignored' | 'already-compliant' | 'exempt'; readonly reason: string }
  | { readonly status: 'drift'; readonly drift: PrefixListDrift; readonly reason: string };

const joined = (ids: readonly string[]): string => (ids.length > 0 ? ids.join(', ') : 'nothing');

/**
 * Decides, on live state, which of the candidate entries are drift: still in the list (compared as
 * networks), the internet by the policy's bounds, in a customer-managed list that is not exempt and that
 * at least one guarded group references so that one of its ingress rules admits the internet through
 * those entries. Pure: the caller reads the list, its entries, what references it, and those groups.
 *
 * `groups` are the referencing groups the caller could read (this account's); `associations` are every
 * resource that references the list, named in the reason whatever they are.
 */
/**
 * What the list alone decides, before its entries and references are read: gone, AWS-managed, exempt;
 * `undefined` when the list must be judged further.
 */
export function screenPrefixList(list: PrefixList | undefined, policy: Policy, now: Date): Exclude<PrefixListDecision, { status: 'drift' }> | undefined {
  if (!list) return { status: 'already-compliant', reason: 'the prefix list no longer exists' };
  if (isAwsManaged(list)) {
    return { status: 'ignored', reason: `${list.prefixListId} is AWS-managed: only AWS changes its entries, and LayerGuard never does` };
  }
  const exemption = readExemption(list.tags, policy.exemption, now);
  if (exemption.exempt) return { status: 'exempt', reason: describeExemption(list.prefixListId, exemption) };
  return undefined;
}

export function evaluatePrefixList(
  candidates: readonly string[],
  list: PrefixList | undefined,
  entries: readonly string[],
  associations: readonly PrefixListAssociation[],
  groups: readonly ReferencingGroup[],
  policy: Policy,
  now: Date,
  /** How the reason says the entries came: `gained` (from an event), `holds` (a runbook, which cannot know). */
  verb: 'gained' | 'holds' = 'gained',
): PrefixListDecision {
  const screened = screenPrefixList(list, policy, now);
  if (screened || !list) return screened ?? { status: 'already-compliant', reason: 'the prefix list no longer exists' };
  const id = list.prefixListId;
  const exemption = readExemption(list.tags, policy.exemption, now);

  const present = entries.filter((e) => isWorldOpenCidr(e, policy) && candidates.some((c) => isSameNetwork(e, c)));
  if (present.length === 0) {
    return { status: 'already-compliant', reason: `the entries added (${joined(candidates)}) are no longer in ${id}` };
  }
  const referencedBy = associations.map((a) => a.resourceId);
  const lists = new Map([[id, present]]);
  const opened: string[] = [];
  const exemptOpened: string[] = [];
  const described: string[] = [];
  for (const { group, rules } of groups) {
    const open = findWorldOpenRules(group, rules.filter((r) => r.prefixListId === id), policy, lists);
    if (open.length === 0) continue;
    const groupExemption = readExemption(group.tags, policy.exemption, now);
    if (groupExemption.exempt) {
      exemptOpened.push(`${group.groupId} (exempt until ${groupExemption.until})`);
      continue;
    }
    opened.push(group.groupId);
    described.push(`${group.groupId}: ${open.map((r) => describeRule(r, policy, lists)).join(', ')}`);
  }
  const others = referencedBy.length > 0 ? `; referenced by ${joined(referencedBy)}` : '';
  if (opened.length === 0) {
    if (exemptOpened.length > 0) {
      return { status: 'exempt', reason: `${id} opens only exempt groups to the internet: ${exemptOpened.join(', ')}${others}` };
    }
    const why =
      referencedBy.length === 0
        ? `no security group references ${id}`
        : `no guarded group's ingress admits the internet through ${id} (the public tier on an allowed port, egress, or not this account's)`;
    return { status: 'ignored', reason: `${why}: ${present.join(', ')} left in the list${others}` };
  }
  const note = !exemption.exempt && exemption.problem ? ` (${exemption.problem})` : '';
  const alsoExempt = exemptOpened.length > 0 ? `; exempt groups it opens too: ${exemptOpened.join(', ')}` : '';
  return {
    status: 'drift',
    drift: { kind: 'prefix-list-internet-entry', prefixListId: id, cidrs: present, groupIds: opened, referencedBy },
    reason: `${id} ${verb} ${present.join(', ')}, so ${described.join('; ')}${note}${alsoExempt}${others}`,
  };
}

/**
 * Of the candidate entries still in the list, those through which a tier's group that names the list
 * (not exempt; a rule that is world-open through the list is the internet decision's) admits a tier that
 * may not reach its own: each entry judged as a rule's CIDR would be, on the subnets of the group's VPC
 * (`views`, by group id). `undefined` when there is none. Pure.
 */
export function findTierEntries(
  candidates: readonly string[],
  list: PrefixList,
  entries: readonly string[],
  associations: readonly PrefixListAssociation[],
  groups: readonly ReferencingGroup[],
  policy: Policy,
  now: Date,
  views: ReadonlyMap<string, TierView>,
): PrefixListTierDrift | undefined {
  const id = list.prefixListId;
  const present = entries.filter((e) => candidates.some((c) => isSameNetwork(e, c)));
  const reached = new Map<string, string[]>();
  const groupIds: string[] = [];
  for (const { group, rules } of groups) {
    const tier = tierOf(group.tags, policy);
    const view = views.get(group.groupId);
    if (tier === undefined || view === undefined || readExemption(group.tags, policy.exemption, now).exempt) continue;
    const lists = new Map([[id, entries]]);
    // Through the list only an ingress rule that names it, and is not open to the internet by it, lets an entry in.
    if (!rules.some((r) => r.prefixListId === id && !r.isEgress && !isWorldOpen(r, policy, lists))) continue;
    let opened = false;
    for (const cidr of present) {
      // The entry as the rule's source: where it lands, and whether that tier may reach the group's.
      const landings = landingsOfCidrs([cidr], view).filter((l) => !mayReach(l.tier, tier, policy));
      if (landings.length === 0) continue;
      opened = true;
      reached.set(cidr, [...(reached.get(cidr) ?? []), `${describeLandings(landings)} into ${group.groupId} (${tier})`]);
    }
    if (opened) groupIds.push(group.groupId);
  }
  if (reached.size === 0) return undefined;
  return {
    kind: 'prefix-list-tier-entry',
    prefixListId: id,
    cidrs: [...reached.keys()],
    groupIds,
    reached: Object.fromEntries([...reached].map(([cidr, where]) => [cidr, where.join('; ')])),
    referencedBy: associations.map((a) => a.resourceId),
  };
}

/** "pl-0a gained 10.0.1.0/24 (web (subnet-0a) into sg-0db (database)): a tier the ... may not be reached from". */
export const describeTierEntries = (drift: PrefixListTierDrift, verb: 'gained' | 'holds' = 'gained'): string =>
  `${drift.prefixListId} ${verb} ${drift.cidrs.map((c) => `${c} (${drift.reached[c]})`).join(', ')}: ranges of tiers that may not reach those groups' tiers`;

/** The revert: remove exactly the drift's entries, at the list's live version. */
export const planPrefixListRevert = (drift: Pick<PrefixListDrift, 'prefixListId' | 'cidrs'>, currentVersion: number | undefined): Action => ({
  type: 'remove-prefix-list-entries',
  prefixListId: drift.prefixListId,
  ...(currentVersion !== undefined ? { currentVersion } : {}),
  cidrs: drift.cidrs,
});

/** The security groups among the resources that reference a list, in the list owner's account (others cannot be read here). */
export const localGroupIds = (associations: readonly PrefixListAssociation[], owner: string | undefined): string[] => [
  ...new Set(
    associations
      .filter((a) => a.resourceId.startsWith('sg-') && (a.resourceOwner === undefined || owner === undefined || a.resourceOwner === owner))
      .map((a) => a.resourceId),
  ),
];
