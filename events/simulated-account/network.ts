import { AwsCallError } from '../../functions/core/errors.js';
import type {
  ChangeResult,
  LoadBalancer,
  NetworkAcl,
  NetworkApi,
  RouteDestination,
  RouteTable,
  RouteTableFilter,
  RouteTarget,
  RuleDefinition,
  SecurityGroup,
  SgRule,
} from '../../functions/core/network.js';
import { FILTER_VALUES_MAX } from '../../functions/core/network.js';
import type { SimulatedAccount } from './account.js';
import { isGone, isRetryable } from '../../functions/adapters/ec2-errors.js';
import { Ec2Error } from './ec2-error.js';
import type { Ec2Throttle } from './throttle.js';
import type { Pacer } from '../../functions/pipeline/pacer.js';

/** The EC2 operation behind each port method, and the throttling bucket it draws from. */
const OPERATIONS = {
  getSecurityGroup: ['DescribeSecurityGroups', 'reads'],
  listRules: ['DescribeSecurityGroupRules', 'reads'],
  getSecurityGroups: ['DescribeSecurityGroups', 'reads'],
  listRulesOf: ['DescribeSecurityGroupRules', 'reads'],
  getPrefixListEntries: ['GetManagedPrefixListEntries', 'reads'],
  getPrefixList: ['DescribeManagedPrefixLists', 'reads'],
  getPrefixListAssociations: ['GetManagedPrefixListAssociations', 'reads'],
  removePrefixListEntries: ['ModifyManagedPrefixList', 'mutating'],
  revokeIngress: ['RevokeSecurityGroupIngress', 'sgIngress'],
  getRouteTable: ['DescribeRouteTables', 'reads'],
  listRouteTables: ['DescribeRouteTables', 'reads'],
  listSubnets: ['DescribeSubnets', 'reads'],
  getSubnet: ['DescribeSubnets', 'reads'],
  deleteRoute: ['DeleteRoute', 'mutating'],
  replaceRoute: ['ReplaceRoute', 'mutating'],
  modifyIngressRule: ['ModifySecurityGroupRules', 'mutating'],
  replaceRouteTableAssociation: ['ReplaceRouteTableAssociation', 'mutating'],
  associateRouteTable: ['AssociateRouteTable', 'mutating'],
  pageSecurityGroups: ['DescribeSecurityGroups', 'reads'],
  pageRouteTables: ['DescribeRouteTables', 'reads'],
  getNetworkAcl: ['DescribeNetworkAcls', 'reads'],
  listNetworkAcls: ['DescribeNetworkAcls', 'reads'],
  pageNetworkAcls: ['DescribeNetworkAcls', 'reads'],
  deleteNetworkAclEntry: ['DeleteNetworkAclEntry', 'mutating'],
  replaceNetworkAclAssociation: ['ReplaceNetworkAclAssociation', 'mutating'],
  // Elastic Load Balancing's own API, not EC2's: it draws from no EC2 bucket, so from a bucket a read never empties.
  listLoadBalancers: ['DescribeLoadBalancers', 'reads'],
} as const satisfies Record<keyof NetworkApi, readonly [string, keyof Ec2Throttle]>;

/** The writes whose "already gone" is a result; a read of a missing resource answers `undefined` here. */
const MUTATING_GONE = new Set<keyof NetworkApi>([
  'revokeIngress',
  'deleteRoute',
  'replaceRoute',
  'modifyIngressRule',
  'replaceRouteTableAssociation',
  'deleteNetworkAclEntry',
  'replaceNetworkAclAssociation',
]);

export type Operation = (typeof OPERATIONS)[keyof typeof OPERATIONS][0];

/** One EC2 call as the simulated account saw it. */
export interface CallRecord {
  readonly operation: Operation;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly result: 'ok' | 'error';
  readonly errorCode?: string;
  readonly attempt: number;
}

export interface SimulatedNetworkOptions {
  /** Added to every call, as a network round trip would be (ms). */
  readonly latencyMs?: number;
  /** EC2's request-rate buckets; throttled calls answer `RequestLimitExceeded`. */
  readonly throttle?: Ec2Throttle;
  /** A fault to inject into a call, or `undefined` to let it run. */
  readonly fault?: (operation: Operation, attempt: number) => Error | undefined;
  /** Paces each attempt as the functions' EC2 clients do (functions/adapters/pace.ts). */
  readonly pacer?: Pacer;
  /** Retries on throttling and 5xx, with exponential backoff and jitter, as the SDK's standard mode. */
  readonly retry?: { readonly maxAttempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
}


const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
const PAGE = 100;

/** The simulated account behind the `NetworkApi` port, with latency, throttling, faults and a call log. */
export class SimulatedNetwork implements NetworkApi {
  readonly calls: CallRecord[] = [];
  constructor(
    readonly account: SimulatedAccount,
    readonly options: SimulatedNetworkOptions = {},
  ) {}

  /** How many calls each operation received (attempts, not logical calls). */
  countCalls(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.calls) counts[c.operation] = (counts[c.operation] ?? 0) + 1;
    return counts;
  }

  private async call<T>(method: keyof NetworkApi, run: () => T): Promise<T> {
    const [operation, bucket] = OPERATIONS[method];
    const retry = this.options.retry ?? { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };
    for (let attempt = 1; ; attempt += 1) {
      await this.options.pacer?.acquire(operation);
      const startedAt = performance.now();
      await sleep(this.options.latencyMs ?? 0);
      let error: Error | undefined = this.options.fault?.(operation, attempt);
      if (!error && this.options.throttle && !this.options.throttle[bucket].take()) {
        error = new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
      }
      let value: T | undefined;
      if (!error) {
        try {
          value = run();
        } catch (e) {
          error = e as Error;
        }
      }
      const code = error ? (error instanceof AwsCallError ? error.code : error.name) : undefined;
      if (code === 'RequestLimitExceeded') this.options.pacer?.throttled(operation);
      this.calls.push({ operation, startedAt, endedAt: performance.now(), result: error ? 'error' : 'ok', errorCode: code, attempt });
      if (!error) return value as T;
      // The adapter's tables: the same "already gone" codes per call, the same retry classifier.
      if (MUTATING_GONE.has(method) && isGone(method, code ?? '')) throw new AlreadyGone();
      const retryable = error instanceof AwsCallError ? error.retryable : isRetryable(error);
      if (retryable && attempt < retry.maxAttempts) {
        const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        await sleep(Math.random() * cap);
        continue;
      }
      if (error instanceof AwsCallError) throw error;
      throw new AwsCallError(operation, code ?? 'Unknown', error.message, { cause: error, retryable });
    }
  }

  private async change(method: keyof NetworkApi, run: () => void): Promise<ChangeResult> {
    try {
      await this.call(method, run);
      return 'done';
    } catch (e) {
      if (e instanceof AlreadyGone) return 'already-gone';
      throw e;
    }
  }

  getSecurityGroup(ref: { groupId?: string; groupName?: string; vpcId?: string }) {
    return this.call('getSecurityGroup', () => {
      const g = this.account.findGroup(ref);
      return g ? { ...g, tags: { ...g.tags } } : undefined;
    });
  }

  listRules(groupId: string) {
    return this.call('listRules', () => this.account.rulesOf(groupId).map((r) => ({ ...r })));
  }

  /** One call a chunk of 200 ids, as the EC2 adapter makes them (a filter's most values). */
  async getSecurityGroups(groupIds: readonly string[]) {
    const found: SecurityGroup[] = [];
    for (let i = 0; i < groupIds.length; i += FILTER_VALUES_MAX) {
      const chunk = groupIds.slice(i, i + FILTER_VALUES_MAX);
      found.push(
        ...(await this.call('getSecurityGroups', () =>
          chunk.flatMap((groupId) => {
            const g = this.account.findGroup({ groupId });
            return g ? [{ ...g, tags: { ...g.tags } }] : [];
          }),
        )),
      );
    }
    return found;
  }

  async listRulesOf(groupIds: readonly string[]) {
    const rules: SgRule[] = [];
    for (let i = 0; i < groupIds.length; i += FILTER_VALUES_MAX) {
      const chunk = groupIds.slice(i, i + FILTER_VALUES_MAX);
      rules.push(...(await this.call('listRulesOf', () => chunk.flatMap((groupId) => this.account.rulesOf(groupId).map((r) => ({ ...r }))))));
    }
    return rules;
  }

  getPrefixListEntries(prefixListId: string) {
    return this.call('getPrefixListEntries', () => this.account.prefixListEntries(prefixListId));
  }

  getPrefixList(prefixListId: string) {
    return this.call('getPrefixList', () => this.account.describePrefixList(prefixListId));
  }

  getPrefixListAssociations(prefixListId: string) {
    return this.call('getPrefixListAssociations', () => this.account.prefixListAssociations(prefixListId));
  }

  async removePrefixListEntries(prefixListId: string, currentVersion: number | undefined, cidrs: readonly string[]) {
    await this.call('removePrefixListEntries', () =>
      this.account.modifyPrefixList(prefixListId, { ...(currentVersion !== undefined ? { currentVersion } : {}), remove: cidrs }),
    );
    return 'done' as const;
  }

  async revokeIngress(groupId: string, ruleIds: readonly string[]) {
    try {
      const revoked = await this.call('revokeIngress', () => this.account.revokeIngress(groupId, ruleIds));
      return { result: 'done' as const, confirmedRuleIds: revoked.map((r) => r.ruleId) };
    } catch (e) {
      if (e instanceof AlreadyGone) return { result: 'already-gone' as const };
      throw e;
    }
  }

  getRouteTable(routeTableId: string) {
    return this.call('getRouteTable', () => this.account.routeTable(routeTableId));
  }

  listRouteTables(vpcId: string) {
    return this.call('listRouteTables', () =>
      [...this.account.routeTables.values()]
        .filter((t) => t.vpcId === vpcId)
        .map((t) => this.account.routeTable(t.routeTableId) as RouteTable),
    );
  }

  listSubnets(vpcId: string) {
    return this.call('listSubnets', () =>
      [...this.account.subnets.values()].filter((s) => s.vpcId === vpcId).map((s) => ({ ...s, tags: { ...s.tags } })),
    );
  }

  getSubnet(subnetId: string) {
    return this.call('getSubnet', () => {
      const subnet = this.account.subnets.get(subnetId);
      return subnet ? { ...subnet, tags: { ...subnet.tags } } : undefined;
    });
  }

  deleteRoute(routeTableId: string, destination: Parameters<NetworkApi['deleteRoute']>[1]) {
    return this.change('deleteRoute', () => this.account.deleteRoute(routeTableId, destination));
  }

  replaceRoute(routeTableId: string, destination: RouteDestination, target: RouteTarget) {
    return this.change('replaceRoute', () => void this.account.replaceRoute(routeTableId, destination, target));
  }

  modifyIngressRule(groupId: string, ruleId: string, definition: RuleDefinition) {
    return this.change('modifyIngressRule', () => void this.account.modifyRule(groupId, ruleId, definition));
  }

  async replaceRouteTableAssociation(associationId: string, routeTableId: string) {
    try {
      const id = await this.call('replaceRouteTableAssociation', () => this.account.replaceAssociation(associationId, routeTableId));
      return { result: 'done' as const, newAssociationId: id };
    } catch (e) {
      if (e instanceof AlreadyGone) return { result: 'already-gone' as const };
      throw e;
    }
  }

  async associateRouteTable(routeTableId: string, subnetId: string) {
    const id = await this.call('associateRouteTable', () => this.account.associateRouteTable(routeTableId, subnetId));
    return { result: 'done' as const, newAssociationId: id };
  }

  async *pageSecurityGroups(filter: { vpcId?: string } = {}): AsyncIterable<SecurityGroup[]> {
    const all = [...this.account.groups.values()].filter((g) => !filter.vpcId || g.vpcId === filter.vpcId);
    for (let i = 0; i === 0 || i < all.length; i += PAGE) {
      yield await this.call('pageSecurityGroups', () => all.slice(i, i + PAGE).map((g) => ({ ...g })));
    }
  }

  async *pageRouteTables(filter: RouteTableFilter = {}): AsyncIterable<RouteTable[]> {
    const main = new Set([...this.account.associations.values()].filter((a) => a.main).map((a) => a.routeTableId));
    const all = [...this.account.routeTables.values()].filter(
      (t) => (!filter.vpcId || t.vpcId === filter.vpcId) && (!filter.main || main.has(t.routeTableId)),
    );
    for (let i = 0; i === 0 || i < all.length; i += PAGE) {
      yield await this.call('pageRouteTables', () =>
        all.slice(i, i + PAGE).map((t) => this.account.routeTable(t.routeTableId) as RouteTable),
      );
    }
  }

  getNetworkAcl(networkAclId: string) {
    return this.call('getNetworkAcl', () => this.account.networkAcl(networkAclId));
  }

  listNetworkAcls(vpcId: string) {
    return this.call('listNetworkAcls', () =>
      [...this.account.networkAcls.values()].filter((a) => a.vpcId === vpcId).map((a) => this.account.networkAcl(a.networkAclId) as NetworkAcl),
    );
  }

  async *pageNetworkAcls(filter: { vpcId?: string } = {}): AsyncIterable<NetworkAcl[]> {
    const all = [...this.account.networkAcls.values()].filter((a) => !filter.vpcId || a.vpcId === filter.vpcId);
    for (let i = 0; i === 0 || i < all.length; i += PAGE) {
      yield await this.call('pageNetworkAcls', () => all.slice(i, i + PAGE).map((a) => this.account.networkAcl(a.networkAclId) as NetworkAcl));
    }
  }

  deleteNetworkAclEntry(networkAclId: string, ruleNumber: number, egress: boolean) {
    return this.change('deleteNetworkAclEntry', () => this.account.deleteNetworkAclEntry(networkAclId, ruleNumber, egress));
  }

  async replaceNetworkAclAssociation(associationId: string, networkAclId: string) {
    try {
      const id = await this.call('replaceNetworkAclAssociation', () => this.account.replaceNetworkAclAssociation(associationId, networkAclId));
      return { result: 'done' as const, newAssociationId: id };
    } catch (e) {
      if (e instanceof AlreadyGone) return { result: 'already-gone' as const };
      throw e;
    }
  }

  listLoadBalancers(): Promise<LoadBalancer[]> {
    return this.call('listLoadBalancers', () =>
      [...this.account.loadBalancers.values()].map((lb) => ({ ...lb, securityGroupIds: [...lb.securityGroupIds] })),
    );
  }
}

/** Internal signal: the call hit EC2's "already gone" for this operation. */
class AlreadyGone extends Error {}
