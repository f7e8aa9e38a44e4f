import type { Change } from '../core/change.js';
import { VerificationError } from '../core/errors.js';
import type { ChangeResult, RouteTable } from '../core/network.js';
import type { Action, Outcome, Trigger } from '../core/outcome.js';
import {
  describeRoute,
  type EventDecision,
  evaluateAssociation,
  evaluateDisassociation,
  evaluateRoute,
  type Finding,
  findRoute,
  hasForbiddenRoute,
  judgedMainTables,
  needsIsolatedTable,
  routeTargetOf,
  screenAssociation,
  screenRoute,
  vpcReadsFor,
} from '../core/route-table.js';
import type { PipelineDeps, Remediators } from './deps.js';
import { NETWORK_ACL_REMEDIATORS } from './network-acl.js';
import { makeOutcome } from './outcomes.js';
import { type Layer, type ReadBack, type SettleOptions, settleFindings } from './settle.js';
import { planRouteRestore } from '../core/restore.js';
import { historyFor, itemBefore, notRestored } from './restore.js';

type RouteChange = Extract<Change, { kind: 'route' }>;
type AssociationChange = Extract<Change, { kind: 'association' }>;
type DisassociationChange = Extract<Change, { kind: 'disassociation' }>;

/** A route table as outcomes record it (before and after): its routes and its associations. */
const state = (table: RouteTable | undefined, routeTableId: string) =>
  table
    ? {
        routeTableId: table.routeTableId,
        vpcId: table.vpcId,
        main: table.associations.some((a) => a.main),
        routes: table.routes,
        associations: table.associations,
      }
    : { routeTableId, exists: false };

/**
 * Reverts a CreateRoute / ReplaceRoute that gave isolated subnets a route to a forbidden target:
 * `decideRouteTables` on the live table, narrowed to the event's destination. The route is deleted
 * when only isolated subnets use the table; when other subnets use it too, the isolated ones move
 * to the isolated table and the route stays.
 *
 * EC2 calls (sequential round trips in brackets):
 * - a target the policy allows: 0, decided from the event [0];
 * - table gone, route gone or pointing elsewhere: 1 DescribeRouteTables [1];
 * - a non-main table: + DescribeSubnets of the VPC when it has subnet associations, 2 [2]
 *   (a non-main table with no subnet association needs no more reads: 1 [1]);
 * - the main table: + DescribeRouteTables and DescribeSubnets of the VPC in parallel, 3 [2];
 * - a shared non-main table (isolated and other subnets on it): + DescribeRouteTables of the VPC, 3 [3];
 * - drift: + the revert (DeleteRoute, or one move per isolated subnet) + one DescribeRouteTables
 *   per revert to verify: 4 [4] on a non-main table, 5 [4] on the main one, for one revert.
 */
export async function remediateRoute(change: RouteChange, trigger: Trigger, deps: PipelineDeps): Promise<Outcome> {
  const { network, policy } = deps;
  const routeTableId = change.routeTableId;
  const fromRequest = screenRoute(change, undefined, policy);
  if (fromRequest?.status === 'ignored') {
    // Decided from the request alone: the target is allowed for isolated subnets, so no call is needed.
    return makeOutcome(trigger, 'ignored', fromRequest.reason, { resources: [routeTableId] });
  }
  const table = await network.getRouteTable(routeTableId);
  const before = state(table, routeTableId);
  const screened = screenRoute(change, table, policy);
  if (screened || !table) {
    const decision = screened ?? { status: 'already-compliant' as const, reason: `${routeTableId} no longer exists` };
    return makeOutcome(trigger, decision.status, decision.reason, { resources: [routeTableId], before, after: before });
  }
  const reads = vpcReadsFor(table);
  const [first, subnets] = await Promise.all([
    reads.tables ? network.listRouteTables(table.vpcId) : [],
    reads.subnets ? network.listSubnets(table.vpcId) : [],
  ]);
  // Only a shared table needs the VPC's tables (where its isolated subnets move): one more read, then.
  const tables =
    !reads.tables && needsIsolatedTable(table, first, subnets, policy) ? await network.listRouteTables(table.vpcId) : first;
  const decision = evaluateRoute(change, table, tables, subnets, policy, deps.clock());
  const deletes = decision.status === 'judged' && decision.findings.some((f) => f.status === 'revert' && f.action.type === 'delete-route');
  if (change.eventName !== 'ReplaceRoute' || !deletes || !deps.configHistory) {
    // CloudTrail does not record what ReplaceRoute replaced, so a route is deleted rather than restored.
    const note = change.eventName === 'ReplaceRoute' ? 'the previous target is unknown, so the route is deleted' : undefined;
    return settle(decision, table, trigger, deps, { deleteNote: note });
  }
  // `configRestore`: the route's target before the change, from AWS Config, where the decision allows it.
  const history = historyFor(trigger, deps);
  const answer = history ? await itemBefore(history, 'AWS::EC2::RouteTable', routeTableId, trigger) : { why: 'AWS Config is not read in this account' };
  const found = 'why' in answer ? { ok: false as const, why: answer.why } : planRouteRestore(answer.item, change, table, tables, subnets, policy, deps.clock());
  if (!found.ok) {
    const note = `the previous target could not be restored (${found.why}), so the route is deleted`;
    return notRestored(await settle(decision, table, trigger, deps, { deleteNote: note }), found.why);
  }
  const findings = (decision as Extract<typeof decision, { status: 'judged' }>).findings.map((f): Finding =>
    f.status === 'revert' && f.action.type === 'delete-route'
      ? ({ ...f, action: { type: 'replace-route', routeTableId, destination: f.action.destination, target: found.value } } as Finding)
      : f,
  );
  const outcome = await settle({ status: 'judged', findings }, table, trigger, deps, {});
  const restored = outcome.actions.some((a) => a.type === 'replace-route');
  return restored ? { ...outcome, restoredFrom: 'aws-config', restore: { capturedAt: found.capturedAt } } : outcome;
}

/**
 * Reverts an AssociateRouteTable / ReplaceRouteTableAssociation that put an isolated subnet on a
 * table with a forbidden route: `decideRouteTables` narrowed to the subnet the event moved (or,
 * for a new main table, to the subnets that use it implicitly).
 *
 * EC2 calls (sequential round trips in brackets):
 * - a gateway (edge) association: 0 [0];
 * - table gone, association gone, or no route the policy judges: 1 DescribeRouteTables [1];
 * - otherwise + DescribeRouteTables and DescribeSubnets of the VPC in parallel: 3 [2], where
 *   `ignored`, `exempt`, `alert-only` and `dry-run` stop;
 * - drift: + the move (or DeleteRoute) + DescribeRouteTables to verify: 5 [4].
 */
export async function remediateAssociation(
  change: AssociationChange,
  trigger: Trigger,
  deps: PipelineDeps,
): Promise<Outcome> {
  const { network, policy } = deps;
  const routeTableId = change.routeTableId;
  const named = [routeTableId, ...(change.subnetId ? [change.subnetId] : [])];
  if (!change.subnetId && !change.associationId) {
    const decision = screenAssociation(change, undefined, policy) as { status: 'ignored'; reason: string };
    return makeOutcome(trigger, decision.status, decision.reason, { resources: named });
  }
  const table = await network.getRouteTable(routeTableId);
  const before = state(table, routeTableId);
  const screened = screenAssociation(change, table, policy);
  if (screened || !table) {
    const decision = screened ?? { status: 'already-compliant' as const, reason: `${routeTableId} no longer exists` };
    return makeOutcome(trigger, decision.status, decision.reason, { resources: named, before, after: before });
  }
  const [tables, subnets] = await Promise.all([network.listRouteTables(table.vpcId), network.listSubnets(table.vpcId)]);
  const decision = evaluateAssociation(change, table, tables, subnets, policy, deps.clock());
  return settle(decision, table, trigger, deps, {}, named);
}

/**
 * Reverts a DisassociateRouteTable that left an isolated subnet on its VPC's main table, where that
 * table routes to a forbidden target: the subnet is associated with its isolated table again
 * (`evaluateDisassociation`). The record names only the association, which is gone, so the region's
 * main tables are read (one per VPC), and only the VPCs whose main table has a judged route further.
 *
 * EC2 calls (sequential round trips in brackets):
 * - no main table with a judged route: DescribeRouteTables (association.main), one per page [1];
 * - per such VPC, in parallel: + DescribeRouteTables and DescribeSubnets of the VPC, 3 [2] for one VPC,
 *   where `ignored`, `exempt`, `alert-only` and `dry-run` stop;
 * - drift: + AssociateRouteTable + DescribeRouteTables to verify, per subnet: 5 [4] for one.
 */
export async function remediateDisassociation(
  change: DisassociationChange,
  trigger: Trigger,
  deps: PipelineDeps,
): Promise<Outcome> {
  const { network, policy } = deps;
  const mains: RouteTable[] = [];
  for await (const page of network.pageRouteTables({ main: true })) mains.push(...page);
  const judged = judgedMainTables(mains, policy);
  const vpcs = await Promise.all(
    judged.map(async (main) => {
      const [tables, subnets] = await Promise.all([network.listRouteTables(main.vpcId), network.listSubnets(main.vpcId)]);
      return { main, tables, subnets };
    }),
  );
  const decision = evaluateDisassociation(change, vpcs, policy, deps.clock());
  if (decision.status !== 'judged') {
    const before = judged.map((t) => state(t, t.routeTableId));
    return makeOutcome(trigger, decision.status, decision.reason, {
      resources: [change.associationId],
      ...(before.length > 0 ? { before, after: before } : {}),
    });
  }
  return applyFindings(decision.findings, judged, trigger, deps);
}

async function settle(
  decision: EventDecision,
  table: RouteTable,
  trigger: Trigger,
  deps: PipelineDeps,
  options: SettleOptions,
  named: readonly string[] = [table.routeTableId],
): Promise<Outcome> {
  if (decision.status !== 'judged') {
    const before = state(table, table.routeTableId);
    return makeOutcome(trigger, decision.status, decision.reason, { resources: named, before, after: before });
  }
  return applyFindings(decision.findings, [table], trigger, deps, options);
}

const resourcesOf = (findings: readonly Finding[]): string[] => {
  const ids = findings.flatMap((f) => {
    const d = f.drift;
    if (d.kind === 'sg-world-open' || d.kind === 'sg-tier-skip') return [d.groupId];
    if (d.kind === 'isolated-subnet-on-internet-table')
      return [d.routeTableId, d.subnetId, ...(d.isolatedRouteTableId ? [d.isolatedRouteTableId] : [])];
    return [d.routeTableId, ...d.subnetIds];
  });
  return [...new Set(ids)];
};

const describeRevert = (a: Action): string => {
  switch (a.type) {
    case 'delete-route':
      return `deleted ${describeRoute({ ...a.destination })} route from ${a.routeTableId}`;
    case 'replace-route':
      return `restored ${describeRoute({ ...a.destination, ...a.target })} on ${a.routeTableId} (its target before the change, from AWS Config)`;
    case 'replace-association':
    case 'associate-subnet':
      return `moved isolated subnet ${a.subnetId} from ${a.fromRouteTableId} to ${a.toRouteTableId}`;
    default:
      return a.type;
  }
};

/** Route tables as `settleFindings` handles them. */
const ROUTE_TABLES: Layer<Finding, RouteTable> = {
  resourcesOf,
  describeRevert,
  applyOne,
  state,
  idOf: (t) => t.routeTableId,
  deletes: (a) => a.type === 'delete-route',
};

/**
 * Plan, apply and verify the findings of one route-table decision (an event's, a runbook's, one of
 * a sweep's) as one outcome (`settleFindings`). `before` lists the tables the decision read.
 */
export const applyFindings = (
  findings: readonly Finding[],
  tablesRead: readonly RouteTable[],
  trigger: Trigger,
  deps: PipelineDeps,
  options: SettleOptions = {},
): Promise<Outcome> => settleFindings(ROUTE_TABLES, findings, tablesRead, trigger, deps, options);

/** One revert, applied and read back; a revert that did not take is a `VerificationError` (retried). */
async function applyOne(
  f: Extract<Finding, { status: 'revert' }>,
  deps: PipelineDeps,
): Promise<{ action: Action; read: ReadBack<RouteTable> }> {
  const { network, policy } = deps;
  const a = f.action;
  if (a.type === 'delete-route') {
    const result = await network.deleteRoute(a.routeTableId, a.destination);
    const table = await network.getRouteTable(a.routeTableId);
    const left = table && findRoute(table, a.destination);
    const target = 'target' in f.drift ? routeTargetOf(f.drift.target)?.id : undefined;
    if (left && routeTargetOf(left)?.id === target) {
      throw new VerificationError(`${describeRoute(left)} is still on ${a.routeTableId} after DeleteRoute`);
    }
    return { action: { ...a, result }, read: { resource: table, id: a.routeTableId } };
  }
  if (a.type === 'replace-route') {
    const result = await network.replaceRoute(a.routeTableId, a.destination, a.target);
    const table = await network.getRouteTable(a.routeTableId);
    const live = table && findRoute(table, a.destination);
    // Done means the route now points at the restored target; gone means the route (or table) went meanwhile.
    if (result === 'done' && routeTargetOf(live ?? {})?.id !== routeTargetOf(a.target)?.id) {
      throw new VerificationError(`the route to ${describeRoute({ ...a.destination })} on ${a.routeTableId} does not point at its restored target`);
    }
    return { action: { ...a, result }, read: { resource: table, id: a.routeTableId } };
  }
  const moved =
    a.type === 'replace-association'
      ? await network.replaceRouteTableAssociation(a.associationId, a.toRouteTableId)
      : await network.associateRouteTable(a.toRouteTableId, a.subnetId);
  const result: ChangeResult = moved.result;
  const action: Action = { ...a, result, ...(moved.newAssociationId ? { newAssociationId: moved.newAssociationId } : {}) };
  if (result === 'already-gone') {
    // The association moved or vanished in a race: the drift is gone if the subnet is off the table.
    const again = await network.getRouteTable(a.fromRouteTableId);
    if (again?.associations.some((x) => !x.main && x.subnetId === a.subnetId) && hasForbiddenRoute(again, policy)) {
      throw new VerificationError(`${a.subnetId} is still on ${a.fromRouteTableId}, which has a route to a forbidden target`);
    }
    return { action, read: { resource: again, id: a.fromRouteTableId } };
  }
  const isolated = await network.getRouteTable(a.toRouteTableId);
  const onIsolated = isolated?.associations.some((x) => !x.main && x.subnetId === a.subnetId) ?? false;
  if (!isolated || !onIsolated || hasForbiddenRoute(isolated, policy)) {
    throw new VerificationError(`${a.subnetId} is not on the isolated route table ${a.toRouteTableId} after the move`);
  }
  return { action, read: { resource: isolated, id: a.toRouteTableId } };
}

/**
 * The route-table function's remediators: the deployed handler, the game day and the simulated engine
 * use these. The function serves the network ACLs of isolated subnets too (the `network-acl` rule):
 * the same layer (an isolated subnet's path to the internet), the same reads (subnets by VPC) and one
 * function less to deploy, alarm and grant.
 */
export const ROUTE_TABLE_REMEDIATORS = {
  route: remediateRoute,
  association: remediateAssociation,
  disassociation: remediateDisassociation,
  ...NETWORK_ACL_REMEDIATORS,
} as const satisfies Remediators;
