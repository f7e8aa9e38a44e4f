import { revertPrefixListRunbook } from './prefix-list.js';
import { admitsInternet, decideNetworkAcls } from '../core/network-acl.js';
import { applyAclFindings } from './network-acl.js';
import { randomUUID } from 'node:crypto';
import type { Change, RequestedRule } from '../core/change.js';
import type { RouteTable, SecurityGroup, SgRule, Subnet } from '../core/network.js';
import { OUTCOME_STATUSES, type Outcome, type OutcomeStatus, type Trigger } from '../core/outcome.js';
import type { Policy } from '../core/policy.js';
import {
  decideRouteTables,
  describeRoute,
  evaluateAssociation,
  forbiddenRoutes,
  hasJudgedRoute,
} from '../core/route-table.js';
import { type RunbookActionName, type RunbookPayload, RunbookPayloadError } from '../core/runbook.js';
import { findTierSkipRules, findWorldOpenRules, prefixListsOf } from '../core/security-group.js';
import type { PipelineDeps } from './deps.js';
import { describeError, failureAction, makeOutcome } from './outcomes.js';
import { placeDeps } from './place.js';
import { applyFindings } from './route-table.js';
import { readPrefixLists, revertWorldOpen, type TierReader, tierReader } from './security-group.js';
import { loadBalancerIndex, withPublicTier } from './public-tier.js';
import { type SweepScan, sweep } from './sweep.js';
import { definedOnly } from '../core/defined.js';

/**
 * The runbooks: revert one security group, one route table or one subnet's association now, or
 * sweep a VPC or the region (see `sweep.ts`). Each finds drift with the same pure core as the event
 * path (`findWorldOpenRules`, `decideRouteTables`) and reverts it with the remediators' own
 * apply-and-verify (`revertWorldOpen`, `applyFindings`), so a runbook revert is the event path's
 * revert, without an event.
 */

export interface RunbookDeps extends PipelineDeps {
  /** How many groups (or VPCs) a sweep works on at once; each makes its calls one after another. */
  readonly concurrency?: number;
  /** Who and where, copied into the synthetic trigger. */
  readonly context?: { readonly account?: string; readonly accountAlias?: string; readonly region?: string; readonly actorArn?: string };
  /** The run's id (tests fix it); a random UUID by default. */
  readonly newId?: () => string;
}

export interface RunbookSummary {
  readonly total: number;
  /** Outcomes per status; every status is present, zero or not. */
  readonly counts: Readonly<Record<OutcomeStatus, number>>;
  /** What a sweep read (sweeps only). */
  readonly scanned?: SweepScan;
}

/** What a runbook returns: the handler's answer and the CLI's `--json`. */
export interface RunbookResult {
  readonly runbookId: string;
  readonly action: RunbookActionName;
  readonly dryRun: boolean;
  readonly outcomes: readonly Outcome[];
  readonly summary: RunbookSummary;
  /** The ids the payload named that do not exist (a typo, another account or region): nothing was judged. */
  readonly notFound?: readonly string[];
}

export const RUNBOOK_SOURCE = 'runbook';

/** The trigger of a runbook run: there is no CloudTrail event, so it names the run and the action. */
export function runbookTrigger(action: RunbookActionName, deps: Pick<RunbookDeps, 'clock' | 'newId' | 'context'>): Trigger {
  const id = deps.newId?.() ?? randomUUID();
  return {
    eventId: `runbook-${id}`,
    eventName: action,
    eventTime: deps.clock().toISOString(),
    eventSource: 'layerguard.runbook',
    source: RUNBOOK_SOURCE,
    ...definedOnly(deps.context ?? {}),
  };
}

export function summarise(outcomes: readonly Outcome[], scanned?: SweepScan): RunbookSummary {
  const counts = Object.fromEntries(OUTCOME_STATUSES.map((s) => [s, 0])) as Record<OutcomeStatus, number>;
  for (const o of outcomes) counts[o.outcome] += 1;
  return { total: outcomes.length, counts, ...(scanned ? { scanned } : {}) };
}

/** An error met while reverting `resources`, as a `failed` outcome (the run goes on with the rest). */
export function failedOutcome(trigger: Trigger, error: unknown, resources: readonly string[], doing: string): Outcome {
  const described = describeError(error);
  return makeOutcome(trigger, 'failed', `${doing} failed: ${described.message}`, {
    resources,
    error: described,
    humanAction: failureAction(
      error,
      `Run the runbook again, or check ${resources.join(', ') || 'the resources'} by hand: LayerGuard could not finish (${described.code ?? described.name}).`,
      '',
    ).trim(),
  });
}

/** A live rule as a candidate to judge, matched by its id. */
const asCandidate = (r: SgRule): RequestedRule =>
  definedOnly({
    ruleId: r.ruleId,
    protocol: r.protocol,
    fromPort: r.fromPort,
    toPort: r.toPort,
    cidrIpv4: r.cidrIpv4,
    cidrIpv6: r.cidrIpv6,
    prefixListId: r.prefixListId,
    referencedGroupId: r.referencedGroupId,
  });

/**
 * A group and its rules, already read (then the entries of the prefix lists its ingress names): every
 * world-open ingress rule that the policy does not allow
 * is reverted (or `exempt`, or `dry-run`); `undefined` when there is none (a clean group).
 */
export async function revertGroup(
  group: SecurityGroup,
  rules: readonly SgRule[],
  trigger: Trigger,
  deps: PipelineDeps,
  tiers: TierReader = tierReader(deps),
): Promise<Outcome | undefined> {
  const lists = await readPrefixLists(prefixListsOf(rules), deps.network);
  const judged = await withPublicTier(group, rules, deps, lists);
  const open = findWorldOpenRules(judged, rules, deps.policy, lists);
  const view = await tiers.read(judged, rules, lists);
  const skips = findTierSkipRules(judged, rules, deps.policy, view, lists);
  if (open.length === 0 && skips.length === 0) return undefined;
  return revertWorldOpen([...open, ...skips].map(asCandidate), judged, rules, group.groupId, trigger, deps, false, lists, view);
}

/** `revert-security-group`: DescribeSecurityGroups and DescribeSecurityGroupRules in parallel, then the revert. */
export async function revertSecurityGroupRunbook(
  groupId: string,
  trigger: Trigger,
  deps: PipelineDeps,
  missing: string[] = [],
): Promise<Outcome> {
  const [group, rules] = await Promise.all([
    deps.network.getSecurityGroup({ groupId }),
    deps.network.listRules(groupId),
  ]);
  if (!group) {
    // Unlike an event's group that has gone since (already-compliant), a runbook named it: a typo, or another account or region.
    missing.push(groupId);
    return makeOutcome(trigger, 'ignored', `${groupId} not found`, { resources: [groupId] });
  }
  const outcome = await revertGroup(group, rules, trigger, deps);
  if (outcome) return outcome;
  const ingress = rules.filter((r) => !r.isEgress);
  return makeOutcome(trigger, 'already-compliant', `${groupId} admits nothing from the internet that the policy forbids`, {
    resources: [groupId],
    before: { groupId, ingress },
    after: { groupId, ingress },
  });
}

type AssociationChange = Extract<Change, { kind: 'association' }>;

/**
 * Every route drift of one VPC's tables and subnets, as `decideRouteTables` finds it (the event
 * path's decision, with no event to narrow it), each applied and verified on its own, one after
 * another. `only` narrows it to one route table.
 */
export async function revertVpcRouteDrift(
  tables: readonly RouteTable[],
  subnets: readonly Subnet[],
  trigger: Trigger,
  deps: PipelineDeps,
  only?: { readonly routeTableId: string },
): Promise<Outcome[]> {
  const findings = decideRouteTables(tables, subnets, deps.policy, deps.clock(), only ?? {});
  const outcomes: Outcome[] = [];
  for (const finding of findings) {
    const drift = finding.drift;
    if (drift.kind === 'sg-world-open' || drift.kind === 'sg-tier-skip') continue; // never a route table's; narrows the type
    const table = tables.find((t) => t.routeTableId === drift.routeTableId) as RouteTable;
    try {
      outcomes.push(await applyFindings([finding], [table], trigger, deps, { changeTimeKnown: false }));
    } catch (error) {
      const resources = [drift.routeTableId, ...('subnetId' in drift ? [drift.subnetId] : drift.subnetIds)];
      outcomes.push(failedOutcome(trigger, error, resources, `reverting ${drift.kind} on ${drift.routeTableId}`));
    }
  }
  return outcomes;
}

/**
 * `revert-route-table`: the decision on that table (forbidden routes deleted where only isolated
 * subnets use it; isolated subnets moved where other subnets share it; opaque default routes
 * alerted). 1 DescribeRouteTables; with a route the policy judges, + the VPC's tables and subnets
 * in parallel.
 */
export async function revertRouteTableRunbook(
  routeTableId: string,
  trigger: Trigger,
  deps: PipelineDeps,
  missing: string[] = [],
): Promise<Outcome[]> {
  const { network, policy } = deps;
  const table = await network.getRouteTable(routeTableId);
  if (!table) {
    missing.push(routeTableId);
    return [makeOutcome(trigger, 'ignored', `${routeTableId} not found`, { resources: [routeTableId] })];
  }
  if (!hasJudgedRoute(table, policy)) {
    return [
      makeOutcome(trigger, 'already-compliant', `${routeTableId} has no route to a target the policy forbids`, {
        resources: [routeTableId],
      }),
    ];
  }
  const [tables, subnets] = await Promise.all([network.listRouteTables(table.vpcId), network.listSubnets(table.vpcId)]);
  const vpcTables = tables.some((t) => t.routeTableId === routeTableId) ? tables : [...tables, table];
  const outcomes = await revertVpcRouteDrift(vpcTables, subnets, trigger, deps, { routeTableId });
  if (outcomes.length > 0) return outcomes;
  const routes = forbiddenRoutes(table, policy).map(describeRoute).join(', ');
  return [
    makeOutcome(trigger, 'already-compliant', `no isolated subnet uses ${routeTableId}, so ${routes} is allowed there`, {
      resources: [routeTableId],
    }),
  ];
}

/**
 * `revert-network-acl`: `decideNetworkAcls` on that ACL (its internet entries deleted where only
 * isolated subnets use it; isolated subnets moved to their tier's ACL where other subnets share it;
 * alert-only where neither is safe). 1 DescribeNetworkAcls; with an entry that admits the internet,
 * + the VPC's ACLs and subnets in parallel; one outcome per finding.
 */
export async function revertNetworkAclRunbook(
  networkAclId: string,
  trigger: Trigger,
  deps: PipelineDeps,
  missing: string[] = [],
): Promise<Outcome[]> {
  const { network, policy } = deps;
  const acl = await network.getNetworkAcl(networkAclId);
  if (!acl) {
    missing.push(networkAclId);
    return [makeOutcome(trigger, 'ignored', `${networkAclId} not found`, { resources: [networkAclId] })];
  }
  if (!admitsInternet(acl, policy)) {
    return [makeOutcome(trigger, 'already-compliant', `${networkAclId} admits nothing from the internet`, { resources: [networkAclId] })];
  }
  const [acls, subnets] = await Promise.all([network.listNetworkAcls(acl.vpcId), network.listSubnets(acl.vpcId)]);
  const vpcAcls = [acl, ...acls.filter((a) => a.networkAclId !== networkAclId)];
  const outcomes: Outcome[] = [];
  for (const finding of decideNetworkAcls(vpcAcls, subnets, policy, deps.clock(), { networkAclId })) {
    try {
      outcomes.push(await applyAclFindings([finding], [acl], trigger, deps, { changeTimeKnown: false }));
    } catch (error) {
      outcomes.push(failedOutcome(trigger, error, [networkAclId], `reverting ${finding.drift.kind} on ${networkAclId}`));
    }
  }
  if (outcomes.length > 0) return outcomes;
  return [
    makeOutcome(trigger, 'already-compliant', `no isolated subnet uses ${networkAclId} and it is not tagged as isolated, so its entries are allowed there`, {
      resources: [networkAclId],
    }),
  ];
}

/**
 * `revert-subnet-association`: the decision narrowed to one isolated subnet explicitly on a table
 * with a forbidden route (it moves to the VPC's one isolated table, or the route goes when no other
 * tier uses it; alert-only when neither is safe). Its explicit association is found by paging the
 * region's route tables, stopping at the page that has it; then the VPC's tables and subnets are read
 * in parallel. With no explicit association, one DescribeSubnets tells "does not exist" (pushed to
 * `missing`) from "uses the main table".
 */
export async function revertSubnetRunbook(
  subnetId: string,
  trigger: Trigger,
  deps: PipelineDeps,
  missing: string[] = [],
): Promise<Outcome> {
  const { network, policy } = deps;
  let found: RouteTable | undefined;
  for await (const page of network.pageRouteTables()) {
    found = page.find((t) => t.associations.some((a) => !a.main && a.subnetId === subnetId));
    if (found) break;
  }
  if (!found) {
    if (!(await network.getSubnet(subnetId))) {
      // A runbook named it: a typo, or another account or region (an event's subnet that has gone stays already-compliant).
      missing.push(subnetId);
      return makeOutcome(trigger, 'ignored', `${subnetId} not found`, { resources: [subnetId] });
    }
    return makeOutcome(
      trigger,
      'ignored',
      `${subnetId} has no explicit route table association (it uses its VPC's main route table): there is no association to revert`,
      {
        resources: [subnetId],
        humanAction: `If the VPC's main route table routes to the internet, run revert-route-table on it, or sweep the VPC.`,
      },
    );
  }
  const association = found.associations.find((a) => !a.main && a.subnetId === subnetId);
  if (!hasJudgedRoute(found, policy)) {
    return makeOutcome(trigger, 'already-compliant', `${subnetId} is on ${found.routeTableId}, which has no route to a forbidden target`, {
      resources: [found.routeTableId, subnetId],
    });
  }
  const [tables, subnets] = await Promise.all([network.listRouteTables(found.vpcId), network.listSubnets(found.vpcId)]);
  const table = tables.find((t) => t.routeTableId === found.routeTableId) ?? found;
  const change: AssociationChange = {
    kind: 'association',
    eventName: 'ReplaceRouteTableAssociation',
    routeTableId: table.routeTableId,
    subnetId,
    ...(association ? { associationId: association.associationId } : {}),
  };
  const decision = evaluateAssociation(change, table, tables, subnets, policy, deps.clock());
  if (decision.status !== 'judged') {
    return makeOutcome(trigger, decision.status, decision.reason, { resources: [table.routeTableId, subnetId] });
  }
  return applyFindings(decision.findings, [table], trigger, deps, { changeTimeKnown: false });
}

/** `dryRun: true` turns the policy's mode to dry-run for this run; it never turns dry-run into enforce. */
const withDryRun = <D extends PipelineDeps>(deps: D, dryRun: boolean | undefined): D =>
  dryRun ? { ...deps, policy: { ...deps.policy, mode: 'dry-run' } satisfies Policy } : deps;

/**
 * Where a payload that names an account or a region runs: that account's network there (through the
 * reach) and its policy. Without either, the deps as given: single-account behaviour is unchanged.
 * An account the function cannot reach (no organisation, another account), or a region without a
 * reach to act there, is refused before any AWS call.
 */
async function placeRunbook(payload: RunbookPayload, deps: RunbookDeps): Promise<RunbookDeps> {
  if (payload.account === undefined && payload.region === undefined) return deps;
  const home = deps.reach?.account ?? deps.context?.account;
  const account = payload.account ?? home;
  const region = payload.region ?? deps.context?.region;
  if (account !== undefined && home !== undefined && account !== home && !deps.reach?.organization) {
    throw new RunbookPayloadError(`invalid runbook payload: account ${account} is not reachable from account ${home}: no organisation is configured`);
  }
  if (!deps.reach) {
    if (payload.region !== undefined && payload.region !== deps.context?.region) {
      throw new RunbookPayloadError(`invalid runbook payload: region ${payload.region}: this runbook acts in ${deps.context?.region ?? 'its own region'} only`);
    }
    return deps;
  }
  if (region === undefined) throw new RunbookPayloadError('invalid runbook payload: region: required where the function does not know its own');
  const placed = await placeDeps(deps, account, region);
  const alias = account !== undefined ? await deps.reach.alias?.(account).catch(() => undefined) : undefined;
  return { ...placed, context: { ...deps.context, ...(account !== undefined ? { account } : {}), region, ...(alias ? { accountAlias: alias } : {}) } };
}

/**
 * Runs one validated payload, in the account and region it names (from a hub) or the function's own.
 * AWS failures become `failed` outcomes; nothing here throws for them. A payload naming an account or
 * region the function cannot reach throws `RunbookPayloadError` before any AWS call.
 */
export async function runRunbook(payload: RunbookPayload, given: RunbookDeps): Promise<RunbookResult> {
  let runbookDeps: RunbookDeps;
  try {
    runbookDeps = await placeRunbook(payload, given);
  } catch (error) {
    if (error instanceof RunbookPayloadError) throw error;
    // The account's policy could not be known (its OUs): nothing is judged there, and the run says why.
    const where = { ...given, context: { ...given.context, ...definedOnly({ account: payload.account, region: payload.region }) } };
    const trigger = runbookTrigger(payload.action, where);
    const outcomes = [failedOutcome(trigger, error, [payload.account ?? 'account'], `placing ${payload.action} in ${payload.account ?? 'the account'}`)];
    return { runbookId: trigger.eventId, action: payload.action, dryRun: payload.dryRun === true || given.policy.mode === 'dry-run', outcomes, summary: summarise(outcomes) };
  }
  // One read of the load balancers for the whole run (a sweep judges many groups).
  const deps = withDryRun({ loadBalancers: loadBalancerIndex(runbookDeps.network), ...runbookDeps }, payload.dryRun);
  const trigger = runbookTrigger(payload.action, deps);
  const missing: string[] = [];
  const result = (outcomes: readonly Outcome[], scanned?: SweepScan): RunbookResult => ({
    runbookId: trigger.eventId,
    action: payload.action,
    dryRun: deps.policy.mode === 'dry-run',
    outcomes,
    summary: summarise(outcomes, scanned),
    ...(missing.length > 0 ? { notFound: missing } : {}),
  });
  try {
    switch (payload.action) {
      case 'revert-security-group':
        return result([await revertSecurityGroupRunbook(payload.groupId, trigger, deps, missing)]);
      case 'revert-route-table':
        return result(await revertRouteTableRunbook(payload.routeTableId, trigger, deps, missing));
      case 'revert-subnet-association':
        return result([await revertSubnetRunbook(payload.subnetId, trigger, deps, missing)]);
      case 'revert-network-acl':
        return result(await revertNetworkAclRunbook(payload.networkAclId, trigger, deps, missing));
      case 'revert-prefix-list':
        return result([await revertPrefixListRunbook(payload.prefixListId, trigger, deps, missing)]);
      case 'sweep': {
        const swept = await sweep(payload.vpcId, trigger, deps);
        // Every VPC has a main route table (VPC User Guide, "Route tables"): none read means no such VPC.
        const failed = swept.outcomes.some((o) => o.outcome === 'failed');
        if (payload.vpcId && swept.scanned.routeTables === 0 && !failed) missing.push(payload.vpcId);
        return result(swept.outcomes, swept.scanned);
      }
    }
  } catch (error) {
    const resource =
      'groupId' in payload
        ? payload.groupId
        : 'routeTableId' in payload
          ? payload.routeTableId
          : 'subnetId' in payload
            ? payload.subnetId
            : 'networkAclId' in payload
              ? payload.networkAclId
              : 'prefixListId' in payload
                ? payload.prefixListId
                : (payload.vpcId ?? 'region');
    return result([failedOutcome(trigger, error, [resource], payload.action)]);
  }
}
