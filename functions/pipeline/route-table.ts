import type { Change } from '../core/change.js';
import { VerificationError } from '../core/errors.js';
import type { RouteTable } from '../core/network.js';
import type { Action, Outcome, Trigger } from '../core/outcome.js';
import {
  type AssociationDecision,
  describeRoute,
  evaluateAssociation,
  evaluateRoute,
  findRoute,
  forbiddenTargetKind,
  hasForbiddenRoute,
  planAssociationRevert,
  planRouteRevert,
  type ReplaceAssociationAction,
  type RouteDecision,
  routeTargetOf,
  screenAssociation,
  screenRoute,
  vpcReadsFor,
} from '../core/route-table.js';
import type { PipelineDeps } from './deps.js';
import { makeOutcome, secondsSince } from './outcomes.js';

type RouteChange = Extract<Change, { kind: 'route' }>;
type AssociationChange = Extract<Change, { kind: 'association' }>;

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

const plural = (ids: readonly string[]): string => `subnet${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;

/**
 * Reverts a CreateRoute / ReplaceRoute that gave isolated subnets a route to a forbidden target
 * (an internet gateway, by default) by deleting exactly that destination, never the `local` route.
 *
 * EC2 calls (sequential round trips in brackets):
 * - target the policy allows (NAT by default, vgw, endpoint...): 0, decided from the event [0];
 * - table gone, route gone or pointing elsewhere: 1 DescribeRouteTables [1];
 * - a non-main table: + DescribeSubnets of the VPC when it has subnet associations, 2 [2]
 *   (a non-main table with no subnet association needs no more reads: 1 [1]);
 * - the main table: + DescribeRouteTables and DescribeSubnets of the VPC in parallel, 3 [2];
 * - drift: + DeleteRoute + DescribeRouteTables to verify, so 4 [4] on a non-main table (3 [3] for
 *   a table tagged as isolated that no subnet uses), 5 [4] on the main one.
 */
export async function remediateRoute(
  change: RouteChange,
  trigger: Trigger,
  deps: PipelineDeps,
): Promise<Outcome> {
  const { network, policy } = deps;
  const routeTableId = change.routeTableId;
  if (!forbiddenTargetKind(change.target, policy)) {
    const route = describeRoute({ ...change.destination, ...change.target });
    // Decided from the request alone: the target is allowed for isolated subnets, so no call is needed.
    return makeOutcome(
      trigger,
      'ignored',
      `${route} is not a target the policy forbids for isolated subnets`,
      {
        resources: [routeTableId],
      },
    );
  }

  const table = await network.getRouteTable(routeTableId);
  const before = state(table, routeTableId);
  const screened = screenRoute(change, table, policy);
  if (screened || !table) {
    const decision = screened ?? {
      status: 'already-compliant' as const,
      reason: `${routeTableId} no longer exists`,
    };
    return makeOutcome(trigger, decision.status, decision.reason, {
      resources: [routeTableId],
      before,
      after: before,
    });
  }

  const reads = vpcReadsFor(table);
  const [tables, subnets] = await Promise.all([
    reads.tables ? network.listRouteTables(table.vpcId) : [],
    reads.subnets ? network.listSubnets(table.vpcId) : [],
  ]);
  const decision = evaluateRoute(change, table, tables, subnets, policy, deps.clock());
  return revertRoute(change, decision, table, trigger, deps);
}

/**
 * Plan, apply and verify a route decision made on a table already read: the part of the
 * remediation that the runbook and the sweep share with the event path. `changeTimeKnown: false`
 * (runbooks: the change's time is unknown) leaves `secondsOpen` out of the outcome and its reason.
 */
export async function revertRoute(
  change: RouteChange,
  decision: RouteDecision,
  table: RouteTable,
  trigger: Trigger,
  deps: PipelineDeps,
  changeTimeKnown = true,
): Promise<Outcome> {
  const { network, policy } = deps;
  const routeTableId = change.routeTableId;
  const before = state(table, routeTableId);
  if (decision.status !== 'drift') {
    return makeOutcome(trigger, decision.status, decision.reason, {
      resources: [routeTableId],
      before,
      after: before,
    });
  }

  const { drift } = decision;
  const resources = [routeTableId, ...drift.subnetIds];
  const plan = planRouteRevert(drift, table);
  if (!plan) {
    // Unreachable while evaluateRoute and planRouteRevert agree; kept so that a disagreement never deletes a route.
    return makeOutcome(trigger, 'alert-only', `${decision.reason}; no safe route deletion could be planned`, {
      resources,
      drift: [drift],
      before,
      humanAction: `Delete ${describeRoute({ ...drift.destination, ...drift.target })} from ${routeTableId} by hand.`,
    });
  }
  // CloudTrail does not record what ReplaceRoute replaced, so the route is deleted rather than restored.
  const replaced =
    change.eventName === 'ReplaceRoute' ? '; the previous target is unknown, so the route is deleted' : '';
  if (policy.mode === 'dry-run') {
    return makeOutcome(trigger, 'dry-run', `would delete: ${decision.reason}${replaced}`, {
      resources,
      drift: [drift],
      actions: [{ ...plan, result: 'skipped' }],
      before,
      after: before,
    });
  }

  const result = await network.deleteRoute(routeTableId, plan.destination);
  const afterTable = await network.getRouteTable(routeTableId);
  const left = afterTable && findRoute(afterTable, drift.destination);
  if (left && routeTargetOf(left)?.id === routeTargetOf(drift.target)?.id) {
    throw new VerificationError(`${describeRoute(left)} is still on ${routeTableId} after DeleteRoute`);
  }

  const action: Action = { ...plan, result };
  const after = { ...state(afterTable, routeTableId), verifiedBy: 'read-back' };
  if (result === 'already-gone') {
    return makeOutcome(
      trigger,
      'already-compliant',
      `the route was gone before LayerGuard deleted it: ${decision.reason}`,
      {
        resources,
        drift: [drift],
        actions: [action],
        before,
        after,
      },
    );
  }
  const secondsOpen = changeTimeKnown ? secondsSince(trigger.eventTime, deps.clock()) : undefined;
  const exposed =
    drift.subnetIds.length > 0
      ? `isolated ${plural(drift.subnetIds)}`
      : `isolated route table ${routeTableId}`;
  return makeOutcome(
    trigger,
    'remediated',
    `deleted ${describeRoute({ ...drift.destination, ...drift.target })} from ${routeTableId}: ${exposed} had a route to it${secondsOpen === undefined ? '' : ` for ${secondsOpen} s`}${replaced}`,
    { resources, drift: [drift], actions: [action], before, after, secondsOpen },
  );
}

/**
 * Reverts an AssociateRouteTable / ReplaceRouteTableAssociation that put an isolated subnet on a
 * table with a forbidden route, by moving the subnet's association to the VPC's one isolated route
 * table; with none or several, or when the table was made the VPC's main table, `alert-only`.
 *
 * EC2 calls (sequential round trips in brackets):
 * - a gateway (edge) association: 0 [0];
 * - table gone, association gone, or the table has no forbidden route: 1 DescribeRouteTables [1];
 * - otherwise + DescribeRouteTables and DescribeSubnets of the VPC in parallel: 3 [2], where
 *   `ignored`, `exempt`, `alert-only` and `dry-run` stop;
 * - drift: + ReplaceRouteTableAssociation + DescribeRouteTables (of the isolated table) to verify: 5 [4].
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
    const decision = screened ?? {
      status: 'already-compliant' as const,
      reason: `${routeTableId} no longer exists`,
    };
    return makeOutcome(trigger, decision.status, decision.reason, {
      resources: named,
      before,
      after: before,
    });
  }

  const [tables, subnets] = await Promise.all([
    network.listRouteTables(table.vpcId),
    network.listSubnets(table.vpcId),
  ]);
  const decision = evaluateAssociation(change, table, tables, subnets, policy, deps.clock());
  return revertAssociation(change, decision, table, trigger, deps);
}

/**
 * Plan, apply and verify an association decision made on a table already read: the part of the
 * remediation that the runbook and the sweep share with the event path. `changeTimeKnown: false`
 * (runbooks: the change's time is unknown) leaves `secondsOpen` out of the outcome and its reason.
 */
export async function revertAssociation(
  change: AssociationChange,
  decision: AssociationDecision,
  table: RouteTable,
  trigger: Trigger,
  deps: PipelineDeps,
  changeTimeKnown = true,
): Promise<Outcome> {
  const { network, policy } = deps;
  const routeTableId = change.routeTableId;
  const named = [routeTableId, ...(change.subnetId ? [change.subnetId] : [])];
  const before = state(table, routeTableId);
  if (decision.status === 'alert-only') {
    const subnetIds = decision.drift.flatMap((d) =>
      'subnetId' in d ? [d.subnetId] : 'subnetIds' in d ? d.subnetIds : [],
    );
    return makeOutcome(trigger, 'alert-only', decision.reason, {
      resources: [routeTableId, ...new Set(subnetIds)],
      drift: decision.drift,
      before,
      after: before,
      humanAction: decision.humanAction,
    });
  }
  if (decision.status !== 'drift') {
    return makeOutcome(trigger, decision.status, decision.reason, {
      resources: named,
      before,
      after: before,
    });
  }

  const { drift } = decision;
  const isolatedId = drift.isolatedRouteTableId;
  const resources = [routeTableId, drift.subnetId, isolatedId];
  const plan = planAssociationRevert(drift) as ReplaceAssociationAction;
  if (policy.mode === 'dry-run') {
    return makeOutcome(
      trigger,
      'dry-run',
      `would move ${drift.subnetId} back to ${isolatedId}: ${decision.reason}`,
      {
        resources,
        drift: [drift],
        actions: [{ ...plan, result: 'skipped' }],
        before,
        after: before,
      },
    );
  }

  const replaced = await network.replaceRouteTableAssociation(plan.associationId, isolatedId);
  const action: Action = {
    ...plan,
    result: replaced.result,
    ...(replaced.newAssociationId ? { newAssociationId: replaced.newAssociationId } : {}),
  };

  if (replaced.result === 'already-gone') {
    // The association moved or vanished in a race: the drift is gone if the subnet is off the table with the forbidden route.
    const again = await network.getRouteTable(routeTableId);
    if (
      again?.associations.some((a) => !a.main && a.subnetId === drift.subnetId) &&
      hasForbiddenRoute(again, policy)
    ) {
      throw new VerificationError(
        `${drift.subnetId} is still on ${routeTableId}, which has a route to a forbidden target`,
      );
    }
    return makeOutcome(
      trigger,
      'already-compliant',
      `the association was gone before LayerGuard moved it: ${decision.reason}`,
      {
        resources,
        drift: [drift],
        actions: [action],
        before,
        after: { ...state(again, routeTableId), verifiedBy: 'read-back' },
      },
    );
  }

  const isolated = await network.getRouteTable(isolatedId);
  const onIsolated = isolated?.associations.some((a) => !a.main && a.subnetId === drift.subnetId) ?? false;
  if (!isolated || !onIsolated || hasForbiddenRoute(isolated, policy)) {
    throw new VerificationError(
      `${drift.subnetId} is not on the isolated route table ${isolatedId} after the move`,
    );
  }
  const secondsOpen = changeTimeKnown ? secondsSince(trigger.eventTime, deps.clock()) : undefined;
  return makeOutcome(
    trigger,
    'remediated',
    `moved isolated subnet ${drift.subnetId} from ${routeTableId} back to ${isolatedId}: it was on a route table with a forbidden route${secondsOpen === undefined ? '' : ` for ${secondsOpen} s`} (${decision.reason})`,
    {
      resources,
      drift: [drift],
      actions: [action],
      before,
      after: { ...state(isolated, isolatedId), verifiedBy: 'read-back' },
      secondsOpen,
    },
  );
}
