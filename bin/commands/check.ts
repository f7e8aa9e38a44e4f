import { ec2Client } from '../../functions/adapters/clients.js';
import { createEc2Network } from '../../functions/adapters/ec2-network.js';
import { defaultLoadBalancerReader } from '../../functions/adapters/elb.js';
import { readExemption } from '../../functions/core/exemption.js';
import type { NetworkApi, RouteTable, SecurityGroup, Subnet, Tags } from '../../functions/core/network.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { hasAnyTag, type Policy } from '../../functions/core/policy.js';
import { isIsolatedRouteTable, isIsolatedSubnet, subnetsUsingTable } from '../../functions/core/route-table.js';
import { isAllowedPublic } from '../../functions/core/security-group.js';
import { loadBalancerIndex } from '../../functions/pipeline/public-tier.js';
import { runbookTrigger } from '../../functions/pipeline/runbook.js';
import { sweep } from '../../functions/pipeline/sweep.js';
import { type AccountContext, announce, awsContext } from '../account.js';
import { type LoadedConfig, loadConfiguration } from '../config.js';
import { printLine, UsageError } from '../io.js';

/**
 * `layerguard check`: the pre-flight, read-only. Per VPC, what the policy sees (the web tier by tag
 * and by load balancer, the isolated subnets and their route tables, the exemptions and their
 * expiry), what enforcing now would revert (the sweep's own decisions, run in dry-run: not a second
 * copy of them), and warnings. Exit 0 when enforcing now would change nothing, 1 when it would.
 */

export interface Exemption {
  readonly resource: string;
  readonly exempt: boolean;
  readonly until?: string;
  readonly reason?: string;
  readonly problem?: string;
}

export interface Finding {
  readonly outcome: Outcome['outcome'];
  readonly resources: readonly string[];
  readonly reason: string;
  readonly actions: Outcome['actions'];
}

export interface VpcCheck {
  readonly vpcId: string;
  readonly webTier: {
    readonly byTag: readonly string[];
    readonly byLoadBalancer: readonly { readonly groupId: string; readonly loadBalancers: readonly string[] }[];
  };
  readonly isolated: { readonly subnets: readonly string[]; readonly routeTables: readonly string[] };
  readonly exemptions: readonly Exemption[];
  /** Drift that enforcing now would revert (the sweep's `dry-run` outcomes). */
  readonly wouldRevert: readonly Finding[];
  /** Drift that a person must revert (`alert-only`), and reads that failed. */
  readonly needsPerson: readonly Finding[];
  readonly warnings: readonly string[];
}

export interface CheckReport {
  readonly configuration: string;
  readonly mode: Policy['mode'];
  readonly account: string;
  readonly region: string;
  readonly wouldChange: boolean;
  readonly counts: {
    readonly vpcs: number;
    readonly webTierByTag: number;
    readonly webTierByLoadBalancer: number;
    readonly isolatedSubnets: number;
    readonly exemptions: number;
    readonly wouldRevert: number;
    readonly alertOnly: number;
    readonly failed: number;
    readonly warnings: number;
  };
  readonly vpcs: readonly VpcCheck[];
}

const finding = (o: Outcome): Finding => ({ outcome: o.outcome, resources: o.resources, reason: o.reason, actions: o.actions });

function exemptionsOf(resources: readonly { id: string; tags: Tags }[], policy: Policy, now: Date): Exemption[] {
  return resources
    .filter((r) => r.tags[policy.exemption.tagKey] !== undefined)
    .map((r) => {
      const e = readExemption(r.tags, policy.exemption, now);
      return e.exempt
        ? { resource: r.id, exempt: true, until: e.until, reason: e.reason }
        : { resource: r.id, exempt: false, ...(e.problem ? { problem: e.problem } : {}) };
    });
}

/** Where each resource of the sweep's outcomes lives. */
function vpcOfResource(groups: readonly SecurityGroup[], tables: readonly RouteTable[], subnets: readonly Subnet[]): Map<string, string> {
  const where = new Map<string, string>();
  for (const g of groups) if (g.vpcId) where.set(g.groupId, g.vpcId);
  for (const t of tables) where.set(t.routeTableId, t.vpcId);
  for (const s of subnets) where.set(s.subnetId, s.vpcId);
  return where;
}

/** The warnings a platform team should read before enforcing: what the policy may be missing. */
function warningsOf(
  vpcId: string,
  isolatedSubnets: readonly string[],
  wouldRevert: readonly Outcome[],
  policy: Policy,
): string[] {
  const warnings: string[] = [];
  const [tag] = policy.isolated.subnetTags;
  if (isolatedSubnets.length === 0) {
    const how = tag ? `tag them \`${tag.key}=${tag.value}\`` : 'list them in policy.isolated.subnetIds';
    warnings.push(`no isolated subnet found in ${vpcId}: ${how} (nothing in this VPC is guarded as the database tier)`);
  }
  for (const o of wouldRevert) {
    for (const drift of o.drift) {
      if (drift.kind !== 'sg-world-open') continue;
      // What the web tier would be allowed: the same rule on a group that is the public tier.
      const asPublic = { groupId: drift.groupId, groupName: '', tags: {}, internetFacingLoadBalancers: ['?'] };
      const ports = [...new Set(drift.rules.filter((r) => isAllowedPublic(r, asPublic, policy)).map((r) => r.fromPort))];
      const webTag = policy.publicTier.groupTags[0];
      const tagHint = webTag ? `tag it ${webTag.key}=${webTag.value} if it is the web tier` : 'name it in publicTier.groupTags if it is the web tier';
      for (const port of ports) {
        const why = policy.publicTier.internetFacingLoadBalancers ? 'attached to nothing internet-facing' : 'not the public tier by tag';
        warnings.push(`${drift.groupId} is open on ${port} and ${why} (${tagHint}): enforcing would close it`);
      }
    }
  }
  return warnings;
}

/** Reads the region (or one VPC) and judges it; read-only whatever the configuration's mode. */
export async function checkAccount(
  network: NetworkApi,
  loaded: LoadedConfig,
  ctx: AccountContext,
  vpcId?: string,
  now: Date = new Date(),
): Promise<CheckReport> {
  const policy: Policy = { ...loaded.policy, mode: 'dry-run' };
  const filter = vpcId ? { vpcId } : undefined;
  const groups: SecurityGroup[] = [];
  for await (const page of network.pageSecurityGroups(filter)) groups.push(...page);
  const tables: RouteTable[] = [];
  for await (const page of network.pageRouteTables(filter)) tables.push(...page);
  const vpcIds = [...new Set([...tables.map((t) => t.vpcId), ...groups.flatMap((g) => (g.vpcId ? [g.vpcId] : []))])].sort();
  if (vpcId && vpcIds.length === 0) throw new UsageError(`${vpcId} not found in account ${ctx.account}, region ${ctx.region}`);
  const subnets = (await Promise.all(vpcIds.map((v) => network.listSubnets(v)))).flat();
  const loadBalancers = loadBalancerIndex(network);
  const byGroup = policy.publicTier.internetFacingLoadBalancers ? await loadBalancers() : new Map<string, readonly string[]>();

  // The sweep's decisions in dry-run, sharing the one read of the load balancers.
  const deps = { network, policy, clock: () => now, loadBalancers, context: { account: ctx.account, region: ctx.region } };
  const swept = await sweep(vpcId, runbookTrigger('sweep', deps), deps);
  const where = vpcOfResource(groups, tables, subnets);

  const vpcs = vpcIds.map((id): VpcCheck => {
    const vpcGroups = groups.filter((g) => g.vpcId === id);
    const vpcTables = tables.filter((t) => t.vpcId === id);
    const vpcSubnets = subnets.filter((s) => s.vpcId === id);
    const isolatedSubnets = vpcSubnets.filter((s) => isIsolatedSubnet(s, policy)).map((s) => s.subnetId);
    const isolatedTables = vpcTables
      .filter((t) => isIsolatedRouteTable(t, policy) || subnetsUsingTable(t, vpcTables, vpcSubnets).some((s) => isolatedSubnets.includes(s.subnetId)))
      .map((t) => t.routeTableId);
    const outcomes = swept.outcomes.filter((o) => o.resources.some((r) => where.get(r) === id) || (o.resources.length === 0 && !vpcId));
    const wouldRevert = outcomes.filter((o) => o.outcome === 'dry-run');
    return {
      vpcId: id,
      webTier: {
        byTag: vpcGroups.filter((g) => hasAnyTag(g.tags, policy.publicTier.groupTags)).map((g) => g.groupId),
        byLoadBalancer: vpcGroups
          .filter((g) => (byGroup.get(g.groupId)?.length ?? 0) > 0)
          .map((g) => ({ groupId: g.groupId, loadBalancers: byGroup.get(g.groupId) ?? [] })),
      },
      isolated: { subnets: isolatedSubnets, routeTables: isolatedTables },
      exemptions: exemptionsOf(
        [
          ...vpcGroups.map((g) => ({ id: g.groupId, tags: g.tags })),
          ...vpcTables.map((t) => ({ id: t.routeTableId, tags: t.tags })),
          ...vpcSubnets.map((s) => ({ id: s.subnetId, tags: s.tags })),
        ],
        policy,
        now,
      ),
      wouldRevert: wouldRevert.map(finding),
      needsPerson: outcomes.filter((o) => o.outcome === 'alert-only' || o.outcome === 'failed').map(finding),
      warnings: warningsOf(id, isolatedSubnets, wouldRevert, policy),
    };
  });
  // A failure that names no VPC (listing the region) still counts.
  const unplaced = swept.outcomes.filter((o) => o.outcome === 'failed' && !o.resources.some((r) => where.has(r)));
  const count = (f: (v: VpcCheck) => number) => vpcs.reduce((n, v) => n + f(v), 0);
  const failed = count((v) => v.needsPerson.filter((f) => f.outcome === 'failed').length) + unplaced.length;
  const wouldRevert = count((v) => v.wouldRevert.length);
  return {
    configuration: loaded.source,
    mode: loaded.policy.mode,
    account: ctx.account,
    region: ctx.region,
    wouldChange: wouldRevert > 0,
    counts: {
      vpcs: vpcs.length,
      webTierByTag: count((v) => v.webTier.byTag.length),
      webTierByLoadBalancer: count((v) => v.webTier.byLoadBalancer.length),
      isolatedSubnets: count((v) => v.isolated.subnets.length),
      exemptions: count((v) => v.exemptions.length),
      wouldRevert,
      alertOnly: count((v) => v.needsPerson.filter((f) => f.outcome === 'alert-only').length),
      failed,
      warnings: count((v) => v.warnings.length),
    },
    vpcs,
  };
}

const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'none');

function human(r: CheckReport): string[] {
  const lines: string[] = [];
  for (const v of r.vpcs) {
    lines.push(`${v.vpcId}`);
    const byLb = v.webTier.byLoadBalancer.map((g) => `${g.groupId} (${g.loadBalancers.join(', ')})`);
    lines.push(`  web tier: by tag ${list(v.webTier.byTag)}; by load balancer ${list(byLb)}`);
    lines.push(`  isolated: subnets ${list(v.isolated.subnets)}; route tables ${list(v.isolated.routeTables)}`);
    for (const e of v.exemptions) {
      lines.push(`  exemption: ${e.resource} ${e.exempt ? `until ${e.until}: ${e.reason}` : `does not hold: ${e.problem ?? 'unreadable'}`}`);
    }
    for (const f of v.wouldRevert) lines.push(`  would revert: ${f.reason.replace(/^would [a-z]+: /, '')}`);
    for (const f of v.needsPerson) lines.push(`  ${f.outcome}: ${f.reason}`);
    for (const w of v.warnings) lines.push(`  warning: ${w}`);
  }
  const c = r.counts;
  lines.push(
    `check on account ${r.account}, region ${r.region}: ${c.vpcs} VPC${c.vpcs === 1 ? '' : 's'}; enforcing now would revert ${c.wouldRevert}` +
      `${c.alertOnly ? `, ${c.alertOnly} alert-only` : ''}${c.failed ? `, ${c.failed} failed` : ''}; ${c.warnings} warning${c.warnings === 1 ? '' : 's'}`,
  );
  return lines;
}

/** `layerguard check [--vpc-id ID] [--json]`. Exit 0: enforcing now changes nothing; 1: it would (or a read failed). */
export async function runCheck(opts: { vpcId?: string; json?: boolean; config?: string; policy?: string }): Promise<number> {
  if (opts.vpcId !== undefined && !/^vpc-[0-9a-f]{8,17}$/.test(opts.vpcId)) throw new UsageError('--vpc-id: expected an id like vpc-0abc1234');
  const loaded = loadConfiguration(opts);
  const ctx = await awsContext();
  announce(loaded, ctx, true);
  const network = createEc2Network(ec2Client(), { loadBalancers: defaultLoadBalancerReader() });
  const report = await checkAccount(network, loaded, ctx, opts.vpcId);
  if (opts.json) printLine(JSON.stringify(report));
  else for (const line of human(report)) printLine(line);
  return report.wouldChange || report.counts.failed > 0 ? 1 : 0;
}
