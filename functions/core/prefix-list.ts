import type { Change } from './change.js';
import { isSameNetwork } from './cidr.js';
import { readExemption } from './exemption.js';
import type { PrefixList, PrefixListAssociation, SecurityGroup, SgRule } from './network.js';
import type { Action, Drift } from './outcome.js';
import type { Policy } from './policy.js';
import { describeRule, findWorldOpenRules, isWorldOpenCidr } from './security-group.js';

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
  if (exemption.exempt) return { status: 'exempt', reason: `${list.prefixListId} is exempt until ${exemption.until}: ${exemption.reason}` };
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

/** The revert: remove exactly the drift's entries, at the list's live version. */
export const planPrefixListRevert = (drift: PrefixListDrift, currentVersion: number | undefined): Action => ({
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
