import type { Change, RequestedRule } from '../core/change.js';
import { VerificationError } from '../core/errors.js';
import type { NetworkApi, SecurityGroup, SgRule, Subnet } from '../core/network.js';
import type { Action, Outcome, Trigger } from '../core/outcome.js';
import {
  evaluateSecurityGroup,
  isSamePermission,
  isWorldOpen,
  NO_PREFIX_LISTS,
  type PrefixLists,
  planSgRevert,
  prefixListsOf,
  tierCandidates,
  worldOpenCandidates,
} from '../core/security-group.js';
import { NO_TIER_VIEW, type TierView, tierOf, tierSubnets } from '../core/tiers.js';
import type { PipelineDeps, Remediators } from './deps.js';
import { remediatePrefixList } from './prefix-list.js';
import { makeOutcome, secondsSince } from './outcomes.js';
import { withPublicTier } from './public-tier.js';
import { applySgRestore, historyFor, notRestored, planSgRestore } from './restore.js';

type SgChange = Extract<Change, { kind: 'sg-ingress' }>;

const ingressOnly = (rules: readonly SgRule[]): SgRule[] => rules.filter((r) => !r.isEgress);
const state = (groupId: string, rules: readonly SgRule[]) => ({ groupId, ingress: ingressOnly(rules) });

/**
 * The entries of these managed prefix lists (GetManagedPrefixListEntries), read in parallel, once
 * each. A failed read throws: a rule is never judged on a list LayerGuard could not read.
 */
export async function readPrefixLists(ids: readonly string[], network: NetworkApi): Promise<PrefixLists> {
  if (ids.length === 0) return NO_PREFIX_LISTS;
  const entries = await Promise.all(ids.map((id) => network.getPrefixListEntries(id)));
  return new Map(ids.map((id, i) => [id, entries[i] ?? []]));
}

/** Reads tier views, keeping what it read (a VPC's subnets, groups' tags) for the next group judged. */
export interface TierReader {
  /** Groups already read (a sweep's page): their tiers need no call. */
  know(groups: readonly SecurityGroup[]): void;
  read(group: SecurityGroup | undefined, rules: readonly SgRule[], lists: PrefixLists): Promise<TierView>;
  /** A VPC's subnets (DescribeSubnets), read once per reader: a sweep's route tables and ACLs use them too. */
  subnetsOf(vpcId: string): Promise<Subnet[]>;
}

/**
 * What the sources of a tier's group are in, for the rules to judge that are not open to the internet:
 * the subnets of the group's VPC (DescribeSubnets: their tags and CIDRs of both families) when a rule names a CIDR
 * or a prefix list, and the referenced groups (DescribeSecurityGroups: their tags), read in parallel,
 * each once per reader. No call for a group in no tier, or when every rule is world-open. A failed read
 * throws: a rule is never judged on a view LayerGuard could not read. A referenced group that does not
 * exist here (another account's, or deleted) is in no tier.
 */
export function tierReader(deps: PipelineDeps): TierReader {
  const { network, policy } = deps;
  const subnetsOf = new Map<string, Promise<Subnet[]>>();
  const groupsById = new Map<string, Promise<SecurityGroup | undefined>>();
  const groupOf = (groupId: string): Promise<SecurityGroup | undefined> => {
    let read = groupsById.get(groupId);
    if (!read) groupsById.set(groupId, (read = network.getSecurityGroup({ groupId })));
    return read;
  };
  const vpcSubnets = (vpcId: string): Promise<Subnet[]> => {
    let read = subnetsOf.get(vpcId);
    if (!read) subnetsOf.set(vpcId, (read = network.listSubnets(vpcId)));
    return read;
  };
  return {
    subnetsOf: vpcSubnets,
    know(groups) {
      for (const g of groups) groupsById.set(g.groupId, Promise.resolve(g));
    },
    async read(group, rules, lists) {
      const tier = group ? tierOf(group.tags, policy) : undefined;
      if (!group || tier === undefined) return NO_TIER_VIEW;
      const narrow = rules.filter((r) => !r.isEgress && !isWorldOpen(r, policy, lists));
      const referenced = [...new Set(narrow.flatMap((r) => (r.referencedGroupId !== undefined ? [r.referencedGroupId] : [])))];
      const byCidr = narrow.some((r) => r.cidrIpv4 !== undefined || r.cidrIpv6 !== undefined || r.prefixListId !== undefined);
      if (referenced.length === 0 && !byCidr) return NO_TIER_VIEW;
      const [subnets, groups] = await Promise.all([
        byCidr && group.vpcId ? vpcSubnets(group.vpcId) : Promise.resolve([]),
        Promise.all(referenced.map((id) => (id === group.groupId ? Promise.resolve(group) : groupOf(id)))),
      ]);
      const groupTiers = new Map<string, string>();
      for (const g of groups) {
        const t = g ? tierOf(g.tags, policy) : undefined;
        if (g && t !== undefined) groupTiers.set(g.groupId, t);
      }
      return { groupTiers, subnets: tierSubnets(subnets, policy) };
    },
  };
}

/**
 * Reverts ingress that a change added and the policy forbids (world-open, or a tier skipped): two reads
 * in parallel (the group's tags, its rules), then the entries of any prefix list a candidate rule
 * names and, for a tier's group, what its sources are in; one revoke by rule id, verified by the
 * revoke's own response where EC2 lists the revoked rules, else by reading the rules again.
 */
export async function remediateSecurityGroup(change: SgChange, trigger: Trigger, deps: PipelineDeps): Promise<Outcome> {
  const { network, policy } = deps;
  const candidates = [...new Set([...worldOpenCandidates(change.rules, policy), ...tierCandidates(change.rules, policy)])];
  const named = change.groupId ?? change.groupName ?? '';
  if (candidates.length === 0) {
    // Decided from the request alone: nothing it asked for is open to the internet or may name a tier, so no call is needed.
    const why = policy.tiers.chain.length > 0 ? ', or names a group or a CIDR of the tiers\' address space' : '';
    return makeOutcome(trigger, 'ignored', `no rule in the request is open to the internet${why}`, { resources: [named] });
  }

  const [group, liveRules] = change.groupId
    ? await Promise.all([network.getSecurityGroup({ groupId: change.groupId }), network.listRules(change.groupId)])
    : await network.getSecurityGroup({ groupName: change.groupName }).then(async (g) => [g, g ? await network.listRules(g.groupId) : []] as const);

  // A prefix list is judged by its entries: those the event's rules name, and those the live rules of the
  // same ids name now (a rule edited since the event).
  const ids = new Set(candidates.flatMap((c) => (c.ruleId ? [c.ruleId] : [])));
  const lists = await readPrefixLists(prefixListsOf([...candidates, ...liveRules.filter((r) => ids.has(r.ruleId))]), network);
  const judged = await withPublicTier(group, candidates, deps, lists);
  const asked = liveRules.filter((r) => candidates.some((c) => (c.ruleId ? c.ruleId === r.ruleId : isSamePermission(r, c))));
  const tiers = await tierReader(deps).read(judged, asked, lists);
  const history = change.eventName === 'ModifySecurityGroupRules' ? historyFor(trigger, deps) : undefined;
  let why: string | undefined;
  if (history && judged) {
    // The same decision as the revoke's (pure, no second read): only drift is restored.
    const decision = evaluateSecurityGroup(candidates, judged, liveRules, policy, deps.clock(), lists, tiers);
    if (decision.status === 'drift') {
      const restore = await planSgRestore(decision.drifts, judged, liveRules, trigger, deps, history);
      if (!('why' in restore)) return applySgRestore(restore, decision.drifts, decision.reason, judged, liveRules, trigger, deps);
      why = restore.why;
    }
  } else if (change.eventName === 'ModifySecurityGroupRules' && deps.configHistory) {
    why = 'AWS Config is not read in this account';
  }
  const revoked = await revertWorldOpen(candidates, judged, liveRules, named, trigger, deps, true, lists, tiers);
  const outcome = why === undefined ? revoked : notRestored(revoked, why);
  if (change.eventName !== 'ModifySecurityGroupRules' || outcome.outcome !== 'remediated') return outcome;
  // CloudTrail records only a modified rule's new definition: without a restore, revoking is the only safe revert.
  const ruleIds = outcome.actions.flatMap((a) => (a.type === 'revoke-ingress' ? a.ruleIds : []));
  const unknown = why === undefined ? 'their definition before the edit is not in the event' : `their definition before the edit could not be restored (${why})`;
  return {
    ...outcome,
    humanAction: `Rules ${ruleIds.join(', ')} of ${outcome.resources.join(', ')} were revoked because they were edited to admit the internet; ${unknown}. Re-create them with their intended source if they were needed.`,
  };
}

/**
 * Evaluate, plan, apply and verify on a group and its rules already read: the part of the
 * remediation that the runbook and the sweep share with the event path. `candidates` are the
 * world-open rules to judge (from an event's request, or every world-open rule of the group, by id).
 * `changeTimeKnown: false` (runbooks: the change's time is unknown) leaves `secondsOpen` out.
 */
export async function revertWorldOpen(
  candidates: readonly RequestedRule[],
  group: SecurityGroup | undefined,
  liveRules: readonly SgRule[],
  named: string,
  trigger: Trigger,
  deps: PipelineDeps,
  changeTimeKnown = true,
  lists: PrefixLists = NO_PREFIX_LISTS,
  tiers: TierView = NO_TIER_VIEW,
): Promise<Outcome> {
  const { network, policy } = deps;
  const groupId = group?.groupId ?? named;
  const before = state(groupId, liveRules);
  const decision = evaluateSecurityGroup(candidates, group, liveRules, policy, deps.clock(), lists, tiers);
  if (decision.status !== 'drift') {
    const setAside = decision.status === 'exempt' ? decision.setAside.map((drift) => ({ drift, reason: decision.reason })) : [];
    return makeOutcome(trigger, decision.status, decision.reason, {
      resources: [groupId],
      before,
      after: before,
      ...(setAside.length > 0 ? { setAside } : {}),
    });
  }

  const plan = planSgRevert(decision.drifts);
  if (policy.mode === 'dry-run') {
    return makeOutcome(trigger, 'dry-run', `would revoke: ${decision.reason}`, {
      resources: [groupId],
      drift: [...decision.drifts],
      actions: [{ ...plan, result: 'skipped' }],
      before,
      after: before,
    });
  }

  const ruleIds = decision.drifts.flatMap((d) => d.rules.map((r) => r.ruleId));
  const revoke = await network.revokeIngress(groupId, ruleIds);
  let result = revoke.result;
  let after: SgRule[];
  let verifiedBy: 'revoke-response' | 'read-back';
  if (revoke.result === 'done' && ruleIds.every((id) => revoke.confirmedRuleIds?.includes(id))) {
    after = liveRules.filter((r) => !ruleIds.includes(r.ruleId));
    verifiedBy = 'revoke-response';
  } else {
    // EC2 fails the whole call when one id is gone, so some of the others may still be there.
    after = await network.listRules(groupId);
    const left = ruleIds.filter((id) => after.some((r) => r.ruleId === id));
    if (left.length > 0 && revoke.result === 'already-gone') {
      const retry = await network.revokeIngress(groupId, left);
      if (retry.result === 'done') result = 'done';
      after = await network.listRules(groupId);
    }
    const still = ruleIds.filter((id) => after.some((r) => r.ruleId === id));
    if (still.length > 0) throw new VerificationError(`rules ${still.join(', ')} of ${groupId} are still present after the revoke`);
    verifiedBy = 'read-back';
  }

  const action: Action = { ...plan, result };
  const now = deps.clock();
  if (result === 'already-gone') {
    return makeOutcome(trigger, 'already-compliant', 'the rules were gone before LayerGuard revoked them', {
      resources: [groupId],
      drift: [...decision.drifts],
      actions: [action],
      before,
      after: { ...state(groupId, after), verifiedBy },
    });
  }
  return makeOutcome(trigger, 'remediated', `revoked: ${decision.reason}`, {
    resources: [groupId],
    drift: [...decision.drifts],
    actions: [action],
    before,
    after: { ...state(groupId, after), verifiedBy },
    ...(changeTimeKnown ? { secondsOpen: secondsSince(trigger.eventTime, now) } : {}),
  });
}

/**
 * The security-group function's remediators: ingress rules, and the managed prefix lists that rules
 * name (ModifyManagedPrefixList, the `prefix-list` rule), which open those rules through the list.
 */
export const SECURITY_GROUP_REMEDIATORS: Remediators = {
  'sg-ingress': remediateSecurityGroup,
  'prefix-list-entries': remediatePrefixList,
};
