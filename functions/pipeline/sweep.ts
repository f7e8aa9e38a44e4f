import type { NetworkAcl, RouteTable, Subnet } from '../core/network.js';
import { admitsInternet, decideNetworkAcls } from '../core/network-acl.js';
import { applyAclFindings } from './network-acl.js';
import type { Outcome, Trigger } from '../core/outcome.js';
import { hasJudgedRoute } from '../core/route-table.js';
import { failedOutcome, type RunbookDeps, revertGroup, revertVpcRouteDrift } from './runbook.js';
import { tierReader } from './security-group.js';

/** How many groups (or VPCs) a sweep works on at once, unless told otherwise. */
export const DEFAULT_SWEEP_CONCURRENCY = 4;

/** What a sweep read. */
export interface SweepScan {
  readonly securityGroups: number;
  readonly routeTables: number;
  readonly vpcs: number;
  /** VPCs whose subnets were read: only those with a route to a forbidden target somewhere. */
  readonly vpcsWithForbiddenRoutes: number;
  readonly networkAcls: number;
  /** VPCs whose subnets were read for their ACLs: only those with an ACL that admits the internet. */
  readonly vpcsWithInternetAcls: number;
}

export interface SweepResult {
  /** One per drift found (and per error); a clean resource has none. */
  readonly outcomes: Outcome[];
  readonly scanned: SweepScan;
}

/**
 * Runs `fn` over `items` with at most `limit` running at once, keeping the order of `items` in the
 * answer. `fn` must not throw (callers turn errors into outcomes).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * Finds and reverts (or, in dry-run, reports) every drift the policy defines in one VPC or the
 * whole region, for events that were missed. Built to stay inside EC2's request budget:
 *
 * - security groups: DescribeSecurityGroups page by page (the page carries the tags, so the group is
 *   never described again), then DescribeSecurityGroupRules per group (unavoidable: the rules are
 *   not in the group's description), at most `concurrency` groups at once, one page at a time; for a
 *   tier's group whose rules name a CIDR or a prefix list, DescribeSubnets once per VPC, and a
 *   referenced group of a later page described once; RevokeSecurityGroupIngress only where there is drift;
 * - route tables: DescribeRouteTables page by page (routes and associations included), then one
 *   DescribeSubnets per VPC, and only for a VPC that has a route to a forbidden target at all (no
 *   other VPC can have drift); drift per VPC is reverted one change after another, at most
 *   `concurrency` VPCs at once.
 *
 * - network ACLs: DescribeNetworkAcls page by page, then the subnets of each VPC with an ACL that
 *   admits the internet (the same DescribeSubnets as its route tables', read once per VPC); each drift
 *   reverted and read back on its own.
 *
 * The calls of one worker run one after another, so no more than `concurrency` EC2 calls are in
 * flight. Throttling (`RequestLimitExceeded`) is retried with backoff below the port: by the SDK's
 * standard retry mode on AWS, by the simulated network's `retry` option on the simulated account.
 * An error on one resource is a `failed` outcome and the sweep goes on.
 */
export async function sweep(vpcId: string | undefined, trigger: Trigger, deps: RunbookDeps): Promise<SweepResult> {
  const { network, policy } = deps;
  const limit = Math.max(1, deps.concurrency ?? DEFAULT_SWEEP_CONCURRENCY);
  const filter = vpcId ? { vpcId } : undefined;
  const scope = vpcId ?? 'the region';
  const outcomes: Outcome[] = [];
  let securityGroups = 0;

  // One tier reader for the sweep: each VPC's subnets read once, and the groups of each page known
  // without a call (a rule may reference a group of a later page: that one is read).
  const tiers = tierReader(deps);
  try {
    for await (const page of network.pageSecurityGroups(filter)) {
      securityGroups += page.length;
      tiers.know(page);
      const results = await mapLimit(page, limit, async (group) => {
        try {
          const rules = await network.listRules(group.groupId);
          return await revertGroup(group, rules, trigger, deps, tiers);
        } catch (error) {
          return failedOutcome(trigger, error, [group.groupId], `sweeping ${group.groupId}`);
        }
      });
      for (const o of results) if (o) outcomes.push(o);
    }
  } catch (error) {
    outcomes.push(failedOutcome(trigger, error, [vpcId ?? 'region'], `listing the security groups of ${scope}`));
  }

  const tables: RouteTable[] = [];
  try {
    for await (const page of network.pageRouteTables(filter)) tables.push(...page);
  } catch (error) {
    outcomes.push(failedOutcome(trigger, error, [vpcId ?? 'region'], `listing the route tables of ${scope}`));
  }
  const byVpc = new Map<string, RouteTable[]>();
  for (const t of tables) byVpc.set(t.vpcId, [...(byVpc.get(t.vpcId) ?? []), t]);
  const suspect = [...byVpc].filter(([, vpcTables]) => vpcTables.some((t) => hasJudgedRoute(t, policy)));
  // One DescribeSubnets per VPC, whether its tiers' groups, its route tables or its network ACLs need
  // the subnets' tags (the tier reader keeps each VPC's read).
  const subnetsOf = (vpc: string): Promise<Subnet[]> => tiers.subnetsOf(vpc);
  const perVpc = await mapLimit(suspect, limit, async ([vpc, vpcTables]) => {
    try {
      const subnets = await subnetsOf(vpc);
      return await revertVpcRouteDrift(vpcTables, subnets, trigger, deps);
    } catch (error) {
      return [failedOutcome(trigger, error, [vpc], `sweeping the route tables of ${vpc}`)];
    }
  });
  outcomes.push(...perVpc.flat());

  // Network ACLs: DescribeNetworkAcls page by page (entries and associations included), then one
  // DescribeSubnets per VPC that has an ACL admitting the internet (no other VPC can have ACL drift);
  // `decideNetworkAcls`, the event path's decision, with nothing to narrow it; one outcome per finding.
  const acls: NetworkAcl[] = [];
  try {
    for await (const page of network.pageNetworkAcls(filter)) acls.push(...page);
  } catch (error) {
    outcomes.push(failedOutcome(trigger, error, [vpcId ?? 'region'], `listing the network ACLs of ${scope}`));
  }
  const aclsByVpc = new Map<string, NetworkAcl[]>();
  for (const a of acls) aclsByVpc.set(a.vpcId, [...(aclsByVpc.get(a.vpcId) ?? []), a]);
  const open = [...aclsByVpc].filter(([, vpcAcls]) => vpcAcls.some((a) => admitsInternet(a, policy)));
  const perVpcAcls = await mapLimit(open, limit, async ([vpc, vpcAcls]) => {
    try {
      const subnets = await subnetsOf(vpc);
      const results: Outcome[] = [];
      for (const finding of decideNetworkAcls(vpcAcls, subnets, policy, deps.clock())) {
        const acl = vpcAcls.find((a) => a.networkAclId === finding.drift.networkAclId) as NetworkAcl;
        try {
          results.push(await applyAclFindings([finding], [acl], trigger, deps, { changeTimeKnown: false }));
        } catch (error) {
          results.push(failedOutcome(trigger, error, [acl.networkAclId], `reverting ${finding.drift.kind} on ${acl.networkAclId}`));
        }
      }
      return results;
    } catch (error) {
      return [failedOutcome(trigger, error, [vpc], `sweeping the network ACLs of ${vpc}`)];
    }
  });
  outcomes.push(...perVpcAcls.flat());

  return {
    outcomes,
    scanned: {
      securityGroups,
      routeTables: tables.length,
      vpcs: byVpc.size,
      vpcsWithForbiddenRoutes: suspect.length,
      networkAcls: acls.length,
      vpcsWithInternetAcls: open.length,
    },
  };
}
