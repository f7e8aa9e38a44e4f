import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { materialise } from '../../events/simulated-account/materialise.js';
import { toChange } from '../../functions/core/change.js';
import { type ParsedTrigger, parseTrigger } from '../../functions/core/cloudtrail.js';
import { ignoreReason } from '../../functions/core/guards.js';
import type { NetworkAcl, PrefixList, PrefixListAssociation, RouteTable, SecurityGroup, SgRule, Subnet } from '../../functions/core/network.js';
import { evaluatePrefixList, internetCandidates, localGroupIds, planPrefixListRevert, type ReferencingGroup } from '../../functions/core/prefix-list.js';
import { type AclFinding, evaluateAclAssociation, evaluateAclEntry } from '../../functions/core/network-acl.js';
import { DEFAULT_POLICY } from '../../functions/core/policy.js';
import {
  evaluateAssociation,
  evaluateDisassociation,
  evaluateRoute,
  type Finding,
  judgedMainTables,
  type VpcState,
} from '../../functions/core/route-table.js';
import {
  evaluateSecurityGroup,
  planSgRevert,
  worldOpenCandidates,
} from '../../functions/core/security-group.js';

const EVENTS = fileURLToPath(new URL('../../events/cloudtrail/', import.meta.url));

/** The live state a decision reads, captured once per sample so that the timed loop does no I/O. */
interface LiveState {
  readonly group?: SecurityGroup;
  readonly rules: readonly SgRule[];
  readonly table?: RouteTable;
  readonly tables: readonly RouteTable[];
  readonly subnets: readonly Subnet[];
  /** A disassociation's: the VPCs whose main table has a judged route. */
  readonly vpcs?: readonly VpcState[];
  /** A network ACL change's: the ACL it names and its VPC's ACLs. */
  readonly acl?: NetworkAcl;
  readonly acls?: readonly NetworkAcl[];
  /** A prefix list change's: the list, its entries, what references it, and its groups. */
  readonly list?: PrefixList;
  readonly entries?: readonly string[];
  readonly associations?: readonly PrefixListAssociation[];
  readonly groups?: readonly ReferencingGroup[];
}

const NONE: LiveState = { rules: [], tables: [], subnets: [] };

/** The state each sample's change leaves on the simulated three-tier account (what the handler would read). */
function liveStateFor(event: unknown): LiveState {
  let parsed: ParsedTrigger;
  try {
    parsed = parseTrigger(event);
    const account = threeTierAccount();
    materialise(account, parsed, DEFAULT_POLICY);
    const change = toChange(parsed.record);
    if (change.kind === 'sg-ingress') {
      const group = account.findGroup({ groupId: change.groupId, groupName: change.groupName });
      return { ...NONE, group, rules: group ? account.rulesOf(group.groupId) : [] };
    }
    if (change.kind === 'nacl-entry' || change.kind === 'nacl-association') {
      const acl = account.networkAcl(change.networkAclId);
      const vpcId = acl?.vpcId ?? '';
      const acls = [...account.networkAcls.keys()].map((id) => account.networkAcl(id) as NetworkAcl).filter((a) => a.vpcId === vpcId);
      return { ...NONE, acl, acls, subnets: [...account.subnets.values()].filter((s) => s.vpcId === vpcId) };
    }
    if (change.kind === 'prefix-list-entries') {
      const id = change.prefixListId;
      const associations = account.prefixListAssociations(id);
      const groups = localGroupIds(associations, account.account).flatMap((groupId) => {
        const group = account.findGroup({ groupId });
        return group ? [{ group, rules: account.rulesOf(groupId) }] : [];
      });
      return { ...NONE, list: account.describePrefixList(id), entries: account.prefixListEntries(id), associations, groups };
    }
    const all = [...account.routeTables.keys()].map((id) => account.routeTable(id) as RouteTable);
    if (change.kind === 'disassociation') {
      const vpcs = judgedMainTables(all, DEFAULT_POLICY).map((main) => ({
        main,
        tables: all.filter((t) => t.vpcId === main.vpcId),
        subnets: [...account.subnets.values()].filter((s) => s.vpcId === main.vpcId),
      }));
      return { ...NONE, vpcs };
    }
    const table = account.routeTable(change.routeTableId);
    const vpcId = table?.vpcId ?? '';
    return {
      table,
      rules: [],
      tables: [...account.routeTables.keys()]
        .map((id) => account.routeTable(id) as RouteTable)
        .filter((t) => t.vpcId === vpcId),
      subnets: [...account.subnets.values()].filter((s) => s.vpcId === vpcId),
    };
  } catch {
    return NONE; // malformed or unsupported: the decision is the rejection itself
  }
}

/** Parse, guard, read the change, evaluate on live state, plan: one trigger's whole pure decision. */
function decide(event: unknown, state: LiveState, now: Date): string {
  let parsed: ParsedTrigger;
  try {
    parsed = parseTrigger(event);
  } catch {
    return 'rejected';
  }
  if (ignoreReason(parsed.record, DEFAULT_POLICY)) return 'ignored';
  let change: ReturnType<typeof toChange>;
  try {
    change = toChange(parsed.record);
  } catch {
    return 'rejected';
  }
  switch (change.kind) {
    case 'sg-ingress': {
      const candidates = worldOpenCandidates(change.rules, DEFAULT_POLICY);
      if (candidates.length === 0) return 'ignored';
      const d = evaluateSecurityGroup(candidates, state.group, state.rules, DEFAULT_POLICY, now);
      return d.status === 'drift' ? planSgRevert(d.drifts).type : d.status;
    }
    case 'route': {
      const d = evaluateRoute(change, state.table, state.tables, state.subnets, DEFAULT_POLICY, now);
      return d.status === 'judged' ? firstAction(d.findings) : d.status;
    }
    case 'association': {
      const d = evaluateAssociation(change, state.table, state.tables, state.subnets, DEFAULT_POLICY, now);
      return d.status === 'judged' ? firstAction(d.findings) : d.status;
    }
    case 'disassociation': {
      const d = evaluateDisassociation(change, state.vpcs ?? [], DEFAULT_POLICY, now);
      return d.status === 'judged' ? firstAction(d.findings) : d.status;
    }
    case 'nacl-entry': {
      const d = evaluateAclEntry(change, state.acl, state.acls ?? [], state.subnets, DEFAULT_POLICY, now);
      return d.status === 'judged' ? firstAction(d.findings) : d.status;
    }
    case 'nacl-association': {
      const d = evaluateAclAssociation(change, state.acl, state.acls ?? [], state.subnets, DEFAULT_POLICY, now);
      return d.status === 'judged' ? firstAction(d.findings) : d.status;
    }
    case 'prefix-list-entries': {
      const candidates = internetCandidates(change, DEFAULT_POLICY);
      if (candidates.length === 0) return 'ignored';
      const d = evaluatePrefixList(candidates, state.list, state.entries ?? [], state.associations ?? [], state.groups ?? [], DEFAULT_POLICY, now);
      return d.status === 'drift' ? planPrefixListRevert(d.drift, state.list?.version).type : d.status;
    }
  }
}

/** The first revert's action type, or the first finding's status: what the decision came to. */
const firstAction = (findings: readonly (Finding | AclFinding)[]): string => {
  const revert = findings.find((f) => f.status === 'revert');
  return revert && 'action' in revert ? revert.action.type : (findings[0]?.status ?? 'none');
};

export interface DecisionReport {
  readonly decisionsPerSecond: number;
  readonly samples: number;
  readonly decisions: number;
}

/** Events per second through parse, guard, evaluate and plan over every sample in events/cloudtrail, on one core. */
export function measureDecisions(durationMs = 2000): DecisionReport {
  const manifest = JSON.parse(readFileSync(join(EVENTS, 'manifest.json'), 'utf8')) as { file: string }[];
  const samples = manifest.map((m) => {
    const event: unknown = JSON.parse(readFileSync(join(EVENTS, m.file), 'utf8'));
    return { event, state: liveStateFor(event) };
  });
  const now = new Date();
  let sink = 0;
  // Warm up (JIT), then run whole passes over the samples until the time is up.
  for (let i = 0; i < 200; i += 1) for (const s of samples) sink += decide(s.event, s.state, now).length;
  let decisions = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (const s of samples) sink += decide(s.event, s.state, now).length;
    decisions += samples.length;
    elapsed = performance.now() - start;
  }
  if (sink === 0) throw new Error('bench: no decisions made');
  return { decisionsPerSecond: Math.round((decisions / elapsed) * 1000), samples: samples.length, decisions };
}
