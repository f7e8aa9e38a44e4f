import type { Change } from '../core/change.js';
import { VerificationError } from '../core/errors.js';
import type { NetworkAcl } from '../core/network.js';
import {
  type AclEventDecision,
  type AclFinding,
  admitsInternet,
  describeEntry,
  evaluateAclAssociation,
  evaluateAclEntry,
  findEntry,
  isSameEntry,
  screenAclAssociation,
  screenAclEntry,
} from '../core/network-acl.js';
import type { Action, Outcome, OutcomeStatus, Trigger } from '../core/outcome.js';
import type { PipelineDeps } from './deps.js';
import { makeOutcome, secondsSince } from './outcomes.js';

type EntryChange = Extract<Change, { kind: 'nacl-entry' }>;
type AclAssociationChange = Extract<Change, { kind: 'nacl-association' }>;

/** A network ACL as outcomes record it (before and after): its entries and associations. */
export const aclState = (acl: NetworkAcl | undefined, networkAclId: string) =>
  acl
    ? { networkAclId: acl.networkAclId, vpcId: acl.vpcId, isDefault: acl.isDefault, entries: acl.entries, associations: acl.associations }
    : { networkAclId, exists: false };

/**
 * Reverts a CreateNetworkAclEntry / ReplaceNetworkAclEntry that made an isolated tier's ACL admit the
 * internet: `decideNetworkAcls` on the live ACL, narrowed to the event's entry. The entry is deleted
 * when only isolated subnets use the ACL; when other subnets use it too, the isolated ones move to
 * their tier's ACL and the entry stays. CloudTrail does not record what ReplaceNetworkAclEntry
 * replaced, so that entry is deleted and a person is told what to restore (`humanAction`).
 *
 * EC2 calls (sequential round trips in brackets):
 * - an entry that admits nothing from the internet (egress, deny, narrow): 0, decided from the event [0];
 * - ACL gone, entry gone or replaced since, or shadowed by a lower deny: 1 DescribeNetworkAcls [1];
 * - otherwise + DescribeSubnets and DescribeNetworkAcls of the VPC in parallel: 3 [2], where
 *   `ignored`, `exempt`, `alert-only` and `dry-run` stop;
 * - drift: + DeleteNetworkAclEntry (or one ReplaceNetworkAclAssociation per isolated subnet) and one
 *   DescribeNetworkAcls per revert to verify: 5 [4] for one revert.
 */
export async function remediateAclEntry(change: EntryChange, trigger: Trigger, deps: PipelineDeps): Promise<Outcome> {
  const { network, policy } = deps;
  const id = change.networkAclId;
  const fromRequest = screenAclEntry(change, undefined, policy);
  if (fromRequest?.status === 'ignored') return makeOutcome(trigger, 'ignored', fromRequest.reason, { resources: [id] });
  const acl = await network.getNetworkAcl(id);
  const screened = screenAclEntry(change, acl, policy);
  if (screened || !acl) {
    const decision = screened ?? { status: 'already-compliant' as const, reason: `${id} no longer exists` };
    const before = aclState(acl, id);
    return makeOutcome(trigger, decision.status, decision.reason, { resources: [id], before, after: before });
  }
  const [subnets, acls] = await Promise.all([network.listSubnets(acl.vpcId), network.listNetworkAcls(acl.vpcId)]);
  const decision = evaluateAclEntry(change, acl, acls, subnets, policy, deps.clock());
  const restore =
    change.eventName === 'ReplaceNetworkAclEntry'
      ? `CloudTrail does not record the definition that ReplaceNetworkAclEntry replaced, so ingress rule ${change.entry.ruleNumber} of ${id} was deleted, not restored. ` +
        `If the tier needs an entry at that number, create it again with its previous definition (from your infrastructure code or AWS Config): ` +
        `aws ec2 create-network-acl-entry --network-acl-id ${id} --ingress --rule-number ${change.entry.ruleNumber} <its protocol, ports, action and source>.`
      : undefined;
  return settleAcl(decision, acl, trigger, deps, { restore });
}

/**
 * Reverts a ReplaceNetworkAclAssociation that put an isolated subnet on an ACL that admits the
 * internet: the subnet moves back to its tier's ACL (the one ACL of the VPC tagged as isolated that
 * admits nothing from the internet), `alert-only` when there is none or several.
 *
 * EC2 calls (sequential round trips in brackets):
 * - ACL gone, association gone (moved again), or an ACL that admits nothing from the internet: 1 DescribeNetworkAcls [1];
 * - otherwise + DescribeSubnets and DescribeNetworkAcls of the VPC in parallel: 3 [2];
 * - drift: + ReplaceNetworkAclAssociation + DescribeNetworkAcls to verify: 5 [4].
 */
export async function remediateAclAssociation(change: AclAssociationChange, trigger: Trigger, deps: PipelineDeps): Promise<Outcome> {
  const { network, policy } = deps;
  const id = change.networkAclId;
  const acl = await network.getNetworkAcl(id);
  const screened = screenAclAssociation(change, acl, policy);
  const named = [id, ...(change.associationId ? [change.associationId] : [])];
  if (screened || !acl) {
    const decision = screened ?? { status: 'already-compliant' as const, reason: `${id} no longer exists` };
    const before = aclState(acl, id);
    return makeOutcome(trigger, decision.status, decision.reason, { resources: named, before, after: before });
  }
  const [subnets, acls] = await Promise.all([network.listSubnets(acl.vpcId), network.listNetworkAcls(acl.vpcId)]);
  const decision = evaluateAclAssociation(change, acl, acls, subnets, policy, deps.clock());
  return settleAcl(decision, acl, trigger, deps, {}, named);
}

export interface AclSettleOptions {
  /** `false` (runbooks, the sweep) leaves `secondsOpen` out. */
  readonly changeTimeKnown?: boolean;
  /** What a person must restore once an entry is deleted (a ReplaceNetworkAclEntry's old definition). */
  readonly restore?: string | undefined;
}

async function settleAcl(
  decision: AclEventDecision,
  acl: NetworkAcl,
  trigger: Trigger,
  deps: PipelineDeps,
  options: AclSettleOptions,
  named: readonly string[] = [acl.networkAclId],
): Promise<Outcome> {
  if (decision.status !== 'judged') {
    const before = aclState(acl, acl.networkAclId);
    return makeOutcome(trigger, decision.status, decision.reason, { resources: named, before, after: before });
  }
  return applyAclFindings(decision.findings, [acl], trigger, deps, options);
}

const resourcesOf = (findings: readonly AclFinding[]): string[] => {
  const ids = findings.flatMap((f) => {
    const d = f.drift;
    if (d.kind === 'internet-entry-on-isolated-acl') return [d.networkAclId, ...d.subnetIds];
    return [d.networkAclId, d.subnetId, ...(d.isolatedNetworkAclId ? [d.isolatedNetworkAclId] : [])];
  });
  return [...new Set(ids)];
};

const describeRevert = (a: Action, findings: readonly AclFinding[]): string => {
  if (a.type === 'delete-nacl-entry') {
    const f = findings.find((x) => x.status === 'revert' && x.action === a);
    const entry = f && f.drift.kind === 'internet-entry-on-isolated-acl' ? describeEntry(f.drift.entry) : `rule ${a.ruleNumber}`;
    return `deleted ${entry} from ${a.networkAclId}`;
  }
  if (a.type === 'replace-nacl-association') return `moved isolated subnet ${a.subnetId} from ${a.fromNetworkAclId} to ${a.toNetworkAclId}`;
  return a.type;
};

/**
 * Plan, apply and verify the findings of one network-ACL decision as one outcome: the part the event
 * path, the runbook and the sweep share. Reverts run one after another, each read back; `alert-only`
 * wins over `remediated` (a person still has to act), and `exempt` alone is `exempt`.
 */
export async function applyAclFindings(
  findings: readonly AclFinding[],
  aclsRead: readonly NetworkAcl[],
  trigger: Trigger,
  deps: PipelineDeps,
  options: AclSettleOptions = {},
): Promise<Outcome> {
  const resources = resourcesOf(findings);
  const drift = findings.map((f) => f.drift);
  const before = aclsRead.length === 1 ? aclState(aclsRead[0], resources[0] as string) : aclsRead.map((a) => aclState(a, a.networkAclId));
  const reverts = findings.filter((f): f is Extract<AclFinding, { status: 'revert' }> => f.status === 'revert');
  const alerts = findings.filter((f): f is Extract<AclFinding, { status: 'alert-only' }> => f.status === 'alert-only');
  const exempts = findings.filter((f) => f.status === 'exempt');
  const deletes = reverts.some((f) => f.action.type === 'delete-nacl-entry');
  const restore = deletes ? options.restore : undefined;
  const actionsText = [...alerts.map((a) => a.humanAction), ...(restore ? [restore] : [])];
  const humanAction = actionsText.length > 0 ? actionsText.join(' ') : undefined;
  const aside = [...alerts, ...exempts].map((f) => f.reason);

  if (reverts.length === 0) {
    const status: OutcomeStatus = alerts.length > 0 ? 'alert-only' : 'exempt';
    return makeOutcome(trigger, status, aside.join('; '), { resources, drift, before, after: before, humanAction });
  }
  const why = reverts.map((f) => f.reason).join('; ');
  const besides = aside.length > 0 ? `; besides: ${aside.join('; ')}` : '';
  if (deps.policy.mode === 'dry-run') {
    const would = reverts.map((f) => describeRevert(f.action, findings).replace(/^deleted/, 'delete').replace(/^moved/, 'move'));
    return makeOutcome(trigger, 'dry-run', `would ${would.join(', ')}: ${why}${besides}`, {
      resources,
      drift,
      actions: reverts.map((f) => ({ ...f.action, result: 'skipped' as const })),
      before,
      after: before,
      humanAction,
    });
  }
  const actions: Action[] = [];
  const after: unknown[] = [];
  for (const f of reverts) {
    const { action, read } = await applyOne(f, deps);
    actions.push(action);
    after.push({ ...aclState(read.acl, read.networkAclId), verifiedBy: 'read-back' });
  }
  const done = actions.filter((a) => a.result === 'done');
  const status: OutcomeStatus = alerts.length > 0 ? 'alert-only' : done.length > 0 ? 'remediated' : 'already-compliant';
  const secondsOpen = done.length > 0 && options.changeTimeKnown !== false ? secondsSince(trigger.eventTime, deps.clock()) : undefined;
  const open = secondsOpen === undefined ? '' : ` after ${secondsOpen} s`;
  const reason =
    done.length > 0
      ? `${done.map((a) => describeRevert(a, findings)).join(', ')}${open}: ${why}${besides}`
      : `the drift was gone before LayerGuard reverted it: ${why}${besides}`;
  return makeOutcome(trigger, status, reason, {
    resources,
    drift,
    actions,
    before,
    after: after.length === 1 ? after[0] : after,
    secondsOpen,
    // Nothing to restore when the entry was already gone: LayerGuard deleted nothing.
    humanAction: done.length > 0 || alerts.length > 0 ? humanAction : undefined,
  });
}

/** One revert, applied and read back; a revert that did not take is a `VerificationError` (retried). */
async function applyOne(
  f: Extract<AclFinding, { status: 'revert' }>,
  deps: PipelineDeps,
): Promise<{ action: Action; read: { acl: NetworkAcl | undefined; networkAclId: string } }> {
  const { network, policy } = deps;
  const a = f.action;
  if (a.type === 'delete-nacl-entry') {
    const result = await network.deleteNetworkAclEntry(a.networkAclId, a.ruleNumber, a.egress);
    const acl = await network.getNetworkAcl(a.networkAclId);
    const left = acl && findEntry(acl, a.ruleNumber, a.egress);
    if (left && f.drift.kind === 'internet-entry-on-isolated-acl' && isSameEntry(left, f.drift.entry)) {
      throw new VerificationError(`${describeEntry(left)} is still on ${a.networkAclId} after DeleteNetworkAclEntry`);
    }
    return { action: { ...a, result }, read: { acl, networkAclId: a.networkAclId } };
  }
  const moved = await network.replaceNetworkAclAssociation(a.associationId, a.toNetworkAclId);
  const action: Action = { ...a, result: moved.result, ...(moved.newAssociationId ? { newAssociationId: moved.newAssociationId } : {}) };
  if (moved.result === 'already-gone') {
    // The association moved or vanished in a race: the drift is gone if the subnet is off the ACL.
    const again = await network.getNetworkAcl(a.fromNetworkAclId);
    if (again?.associations.some((x) => x.subnetId === a.subnetId) && admitsInternet(again, policy)) {
      throw new VerificationError(`${a.subnetId} is still on ${a.fromNetworkAclId}, which admits the internet`);
    }
    return { action, read: { acl: again, networkAclId: a.fromNetworkAclId } };
  }
  const home = await network.getNetworkAcl(a.toNetworkAclId);
  if (!home || !home.associations.some((x) => x.subnetId === a.subnetId) || admitsInternet(home, policy)) {
    throw new VerificationError(`${a.subnetId} is not on the isolated network ACL ${a.toNetworkAclId} after the move`);
  }
  return { action, read: { acl: home, networkAclId: a.toNetworkAclId } };
}

/** The network-ACL remediators: served by the route-table function (the `network-acl` rule), the game day and the simulated engine. */
export const NETWORK_ACL_REMEDIATORS = {
  'nacl-entry': remediateAclEntry,
  'nacl-association': remediateAclAssociation,
} as const;
