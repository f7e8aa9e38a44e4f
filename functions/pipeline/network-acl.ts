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
import type { Action, Outcome, Trigger } from '../core/outcome.js';
import type { PipelineDeps } from './deps.js';
import { makeOutcome } from './outcomes.js';
import { type Layer, type ReadBack, type SettleOptions, settleFindings } from './settle.js';

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

async function settleAcl(
  decision: AclEventDecision,
  acl: NetworkAcl,
  trigger: Trigger,
  deps: PipelineDeps,
  options: SettleOptions,
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

/** Network ACLs as `settleFindings` handles them. */
const NETWORK_ACLS: Layer<AclFinding, NetworkAcl> = {
  resourcesOf,
  describeRevert,
  applyOne,
  state: aclState,
  idOf: (a) => a.networkAclId,
  deletes: (a) => a.type === 'delete-nacl-entry',
};

/**
 * Plan, apply and verify the findings of one network-ACL decision (an event's, a runbook's, one of
 * the sweep's) as one outcome (`settleFindings`).
 */
export const applyAclFindings = (
  findings: readonly AclFinding[],
  aclsRead: readonly NetworkAcl[],
  trigger: Trigger,
  deps: PipelineDeps,
  options: SettleOptions = {},
): Promise<Outcome> => settleFindings(NETWORK_ACLS, findings, aclsRead, trigger, deps, options);

/** One revert, applied and read back; a revert that did not take is a `VerificationError` (retried). */
async function applyOne(
  f: Extract<AclFinding, { status: 'revert' }>,
  deps: PipelineDeps,
): Promise<{ action: Action; read: ReadBack<NetworkAcl> }> {
  const { network, policy } = deps;
  const a = f.action;
  if (a.type === 'delete-nacl-entry') {
    const result = await network.deleteNetworkAclEntry(a.networkAclId, a.ruleNumber, a.egress);
    const acl = await network.getNetworkAcl(a.networkAclId);
    const left = acl && findEntry(acl, a.ruleNumber, a.egress);
    if (left && f.drift.kind === 'internet-entry-on-isolated-acl' && isSameEntry(left, f.drift.entry)) {
      throw new VerificationError(`${describeEntry(left)} is still on ${a.networkAclId} after DeleteNetworkAclEntry`);
    }
    return { action: { ...a, result }, read: { resource: acl, id: a.networkAclId } };
  }
  const moved = await network.replaceNetworkAclAssociation(a.associationId, a.toNetworkAclId);
  const action: Action = { ...a, result: moved.result, ...(moved.newAssociationId ? { newAssociationId: moved.newAssociationId } : {}) };
  if (moved.result === 'already-gone') {
    // The association moved or vanished in a race: the drift is gone if the subnet is off the ACL.
    const again = await network.getNetworkAcl(a.fromNetworkAclId);
    if (again?.associations.some((x) => x.subnetId === a.subnetId) && admitsInternet(again, policy)) {
      throw new VerificationError(`${a.subnetId} is still on ${a.fromNetworkAclId}, which admits the internet`);
    }
    return { action, read: { resource: again, id: a.fromNetworkAclId } };
  }
  const home = await network.getNetworkAcl(a.toNetworkAclId);
  if (!home || !home.associations.some((x) => x.subnetId === a.subnetId) || admitsInternet(home, policy)) {
    throw new VerificationError(`${a.subnetId} is not on the isolated network ACL ${a.toNetworkAclId} after the move`);
  }
  return { action, read: { resource: home, id: a.toNetworkAclId } };
}

/** The network-ACL remediators: served by the route-table function (the `network-acl` rule), the game day and the simulated engine. */
export const NETWORK_ACL_REMEDIATORS = {
  'nacl-entry': remediateAclEntry,
  'nacl-association': remediateAclAssociation,
} as const;
