import type { Change } from '../core/change.js';
import { isSameNetwork } from '../core/cidr.js';
import { AwsCallError, LayerGuardError, VerificationError } from '../core/errors.js';
import type { NetworkApi, PrefixList, PrefixListAssociation } from '../core/network.js';
import type { Action, Outcome, Trigger } from '../core/outcome.js';
import {
  describeTierEntries,
  evaluatePrefixList,
  findTierEntries,
  internetCandidates,
  localGroupIds,
  planPrefixListRevert,
  screenPrefixList,
  type PrefixListDrift,
  type ReferencingGroup,
  tierEntryCandidates,
} from '../core/prefix-list.js';
import { type TierView, tierOf, tierSubnets } from '../core/tiers.js';
import { tierReader } from './security-group.js';
import type { PipelineDeps } from './deps.js';
import { makeOutcome, secondsSince } from './outcomes.js';
import { withPublicTier } from './public-tier.js';
import { isWorldOpenCidr } from '../core/security-group.js';

type PlChange = Extract<Change, { kind: 'prefix-list-entries' }>;

/** The list as outcomes record it (before and after): its owner, version and entries. */
const listState = (list: PrefixList | undefined, id: string, entries: readonly string[], associations?: readonly PrefixListAssociation[]) =>
  list
    ? {
        prefixListId: list.prefixListId,
        ownerId: list.ownerId,
        version: list.version,
        entries: [...entries],
        ...(associations ? { referencedBy: associations.map((a) => a.resourceId) } : {}),
      }
    : { prefixListId: id, exists: false };

/** The groups of this account that reference the list, each with its rules (two reads in parallel each), the public tier resolved. */
async function readGroups(ids: readonly string[], present: readonly string[], listId: string, deps: PipelineDeps): Promise<ReferencingGroup[]> {
  const { network } = deps;
  const lists = new Map([[listId, present]]);
  const read = await Promise.all(
    ids.map(async (groupId) => {
      const [group, rules] = await Promise.all([network.getSecurityGroup({ groupId }), network.listRules(groupId)]);
      if (!group) return undefined;
      const naming = rules.filter((r) => r.prefixListId === listId);
      return { group: await withPublicTier(group, naming, deps, lists), rules };
    }),
  );
  return read.flatMap((g): ReferencingGroup[] => (g ? [g] : []));
}

/** The entries to remove: one drift's, or the union of the list's drifts. */
type Removal = Pick<PrefixListDrift, 'prefixListId' | 'cidrs'>;

/** The entries of the drift still in the list (compared as networks). */
const stillThere = (entries: readonly string[], drift: Removal): string[] =>
  drift.cidrs.filter((c) => entries.some((e) => isSameNetwork(e, c)));

/** How long to wait for a list that is still `modify-in-progress` before reading it again (ms): EC2 applies a version asynchronously. */
const SETTLE_MS = [250, 500, 1_000, 2_000];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Removes the entries, at the list's live version. A failed call is never taken for done: the list is
 * read again, and when the entries are gone the revert is `already-gone`; when the version moved (EC2
 * refuses a `CurrentVersion` that "does not match the true current version number", EC2 API Reference,
 * ModifyManagedPrefixList) the removal is tried once more at the new version; otherwise the error stands.
 */
async function removeEntries(network: NetworkApi, list: PrefixList, drift: Removal): Promise<{ result: 'done' | 'already-gone'; version?: number }> {
  try {
    return { result: await network.removePrefixListEntries(list.prefixListId, list.version, drift.cidrs) };
  } catch (error) {
    if (!(error instanceof AwsCallError)) throw error;
    const [again, entries] = await Promise.all([network.getPrefixList(list.prefixListId), network.getPrefixListEntries(list.prefixListId)]);
    const left = again ? stillThere(entries, drift) : [];
    if (left.length === 0) return { result: 'already-gone' };
    if (again?.version === list.version || again?.state?.endsWith('in-progress')) throw error;
    return { result: await network.removePrefixListEntries(list.prefixListId, again?.version, left), ...(again?.version !== undefined ? { version: again.version } : {}) };
  }
}

/**
 * The list once no change is being applied to it. EC2 applies a version asynchronously (ModifyManagedPrefixList
 * answers `modify-in-progress`; the SDK's `PrefixListState`), and until then the entries read are the old
 * version's: judged then, the added entry would look absent and the drift be missed. A list still in progress
 * after the waits fails the remediation, so that the event is retried.
 */
async function settledList(network: NetworkApi, prefixListId: string): Promise<PrefixList | undefined> {
  let list = await network.getPrefixList(prefixListId);
  for (const ms of SETTLE_MS) {
    if (!list?.state?.endsWith('in-progress')) return list;
    await sleep(ms);
    list = await network.getPrefixList(prefixListId);
  }
  if (list?.state?.endsWith('in-progress')) {
    throw new LayerGuardError(`${prefixListId} is still ${list.state}: its entries cannot be judged yet (the event is retried)`);
  }
  return list;
}

/** Reads the entries until none of the drift's is left, waiting while the list is `modify-in-progress`; throws when one stays. */
async function verifyRemoved(network: NetworkApi, listId: string, drift: Removal): Promise<string[]> {
  for (let attempt = 0; ; attempt += 1) {
    const entries = await network.getPrefixListEntries(listId);
    const left = stillThere(entries, drift);
    if (left.length === 0) return entries;
    const list = attempt < SETTLE_MS.length ? await network.getPrefixList(listId) : undefined;
    if (!list?.state?.endsWith('in-progress')) {
      throw new VerificationError(`entries ${left.join(', ')} of ${listId} are still present after the removal`);
    }
    await sleep(SETTLE_MS[attempt] ?? 0);
  }
}

/**
 * Reverts a ModifyManagedPrefixList that added the internet to a customer-managed list that guarded
 * groups reference: the added entries that are the internet are removed from the list, at its live
 * version, and every group that referenced it is named.
 *
 * EC2 calls (sequential round trips in brackets):
 * - no added entry is the internet: 0, decided from the event [0];
 * - list gone, AWS-managed or exempt: 1 DescribeManagedPrefixLists [1] (one more each wait while the list
 *   is still `…-in-progress`);
 * - entries removed since: + GetManagedPrefixListEntries and GetManagedPrefixListAssociations in parallel: 3 [2];
 * - otherwise + DescribeSecurityGroups and DescribeSecurityGroupRules per referencing group, all in
 *   parallel: 3 + 2 × groups [3], where `ignored`, `exempt` and `dry-run` stop;
 * - drift: + ModifyManagedPrefixList (RemoveEntries, CurrentVersion) and GetManagedPrefixListEntries to
 *   verify: 5 + 2 × groups [5].
 */
export async function remediatePrefixList(
  change: PlChange,
  trigger: Trigger,
  deps: PipelineDeps,
  opts: { readonly runbook?: boolean } = {},
): Promise<Outcome> {
  const { network, policy } = deps;
  const id = change.prefixListId;
  const candidates = internetCandidates(change, policy);
  // Another tier's range, if a tier's group names the list: only the live groups and subnets can tell.
  const tierCandidates = tierEntryCandidates(change, policy);
  if (candidates.length === 0 && tierCandidates.length === 0) {
    const what = change.added.length > 0 ? `no entry the request added (${change.added.join(', ')}) is open to the internet` : 'the request added no entry';
    return makeOutcome(trigger, 'ignored', what, { resources: [id] });
  }
  const list = await settledList(network, id);
  const screened = screenPrefixList(list, policy, deps.clock());
  if (screened || !list) {
    const decision = screened ?? { status: 'already-compliant' as const, reason: 'the prefix list no longer exists' };
    const before = listState(list, id, []);
    return makeOutcome(trigger, decision.status, decision.reason, { resources: [id], before, after: before });
  }
  const [entries, associations] = await Promise.all([network.getPrefixListEntries(id), network.getPrefixListAssociations(id)]);
  const present = entries.filter((e) => [...candidates, ...tierCandidates].some((c) => isSameNetwork(e, c)));
  const groups = present.length > 0 ? await readGroups(localGroupIds(associations, list.ownerId ?? trigger.account), present, id, deps) : [];
  const verb = opts.runbook ? 'holds' : 'gained';
  const decision = candidates.length > 0 ? evaluatePrefixList(candidates, list, entries, associations, groups, policy, deps.clock(), verb) : undefined;
  const tierDrift =
    tierCandidates.length > 0 && groups.length > 0
      ? findTierEntries(tierCandidates, list, entries, associations, groups, policy, deps.clock(), await tierViews(groups, deps))
      : undefined;
  const before = listState(list, id, entries, associations);
  const resources = [id, ...associations.map((a) => a.resourceId)];
  const drifts = [...(decision?.status === 'drift' ? [decision.drift] : []), ...(tierDrift ? [tierDrift] : [])];
  const tierNote = tierCandidates.length > 0 && !tierDrift ? `no entry added (${tierCandidates.join(', ')}) is a range of a tier that may not reach a group naming ${id}` : undefined;
  if (drifts.length === 0) {
    const reason = [decision?.reason, tierNote].filter((r) => r !== undefined).join('; ');
    const status = decision !== undefined && decision.status !== 'drift' ? decision.status : 'ignored';
    return makeOutcome(trigger, status, reason, { resources, before, after: before });
  }

  const removal: Removal = { prefixListId: id, cidrs: [...new Set(drifts.flatMap((d) => d.cidrs))] };
  const why = [decision?.status === 'drift' ? decision.reason : undefined, tierDrift ? describeTierEntries(tierDrift, verb) : undefined]
    .filter((r) => r !== undefined)
    .join('; ');
  const plan = planPrefixListRevert(removal, list.version);
  if (policy.mode === 'dry-run') {
    return makeOutcome(trigger, 'dry-run', `would remove: ${why}`, {
      resources,
      drift: drifts,
      actions: [{ ...plan, result: 'skipped' }],
      before,
      after: before,
    });
  }
  const removed = await removeEntries(network, list, removal);
  const after = await verifyRemoved(network, id, removal);
  const action: Action = { ...plan, ...(removed.version !== undefined ? { currentVersion: removed.version } : {}), result: removed.result };
  const state = { ...listState(list, id, after, associations), verifiedBy: 'read-back' };
  if (removed.result === 'already-gone') {
    return makeOutcome(trigger, 'already-compliant', `the removal was answered with an error and the list, read again, no longer holds the entries: ${why}`, {
      resources,
      drift: drifts,
      actions: [action],
      before,
      after: state,
    });
  }
  return makeOutcome(trigger, 'remediated', `removed ${removal.cidrs.join(', ')} from ${id}: ${why}`, {
    resources,
    drift: drifts,
    actions: [action],
    before,
    after: state,
    // A runbook does not know when the entries came.
    ...(opts.runbook ? {} : { secondsOpen: secondsSince(trigger.eventTime, deps.clock()) }),
  });
}

/** What the tiers' groups among the referencing ones can reach: the subnets of each one's VPC (DescribeSubnets once per VPC). */
async function tierViews(groups: readonly ReferencingGroup[], deps: PipelineDeps): Promise<Map<string, TierView>> {
  const reader = tierReader(deps);
  const tiered = groups.filter((g) => tierOf(g.group.tags, deps.policy) !== undefined && g.group.vpcId !== undefined);
  const views = await Promise.all(
    tiered.map(async (g) => [g.group.groupId, { groupTiers: new Map(), subnets: tierSubnets(await reader.subnetsOf(g.group.vpcId as string), deps.policy) }] as const),
  );
  return new Map(views);
}

/**
 * `revert-prefix-list`: the same decision on every entry of the list that is the internet (a person asks
 * for it: no event says which were added), removed where a guarded group's ingress names the list.
 * 2 reads (the list, its entries) to find the candidates, then as the event path.
 */
export async function revertPrefixListRunbook(prefixListId: string, trigger: Trigger, deps: PipelineDeps, missing: string[] = []): Promise<Outcome> {
  const { network, policy } = deps;
  const list = await network.getPrefixList(prefixListId);
  if (!list) {
    missing.push(prefixListId);
    return makeOutcome(trigger, 'ignored', `${prefixListId} not found`, { resources: [prefixListId] });
  }
  const screened = screenPrefixList(list, policy, deps.clock());
  if (screened) return makeOutcome(trigger, screened.status, screened.reason, { resources: [prefixListId] });
  const internet = (await network.getPrefixListEntries(prefixListId)).filter((cidr) => isWorldOpenCidr(cidr, policy));
  if (internet.length === 0) {
    return makeOutcome(trigger, 'already-compliant', `${prefixListId} holds no entry of the internet`, { resources: [prefixListId] });
  }
  const change: PlChange = { kind: 'prefix-list-entries', eventName: 'ModifyManagedPrefixList', prefixListId, added: internet, removed: [] };
  return remediatePrefixList(change, trigger, deps, { runbook: true });
}
