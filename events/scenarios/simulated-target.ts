import type { RouteDestination, RouteTable, RouteTarget } from '../../functions/core/network.js';
import { inject } from '../generator/inject.js';
import type { RuleRequest, SimulatedAccount } from '../simulated-account/account.js';
import { threeTierAccount } from '../simulated-account/baseline.js';
import { BASELINE } from '../simulated-account/ids.js';
import { SimulatedNetwork, type SimulatedNetworkOptions } from '../simulated-account/network.js';
import type { GamedayTarget, InjectOptions, Injection, TierIds } from './target.js';

const ids: TierIds = {
  vpcId: BASELINE.vpcId,
  internetGatewayId: BASELINE.internetGatewayId,
  natGatewayId: BASELINE.natGatewayId,
  subnets: BASELINE.subnets,
  routeTables: BASELINE.routeTables,
  securityGroups: BASELINE.securityGroups,
  dbFromAppRuleId: BASELINE.rules.dbFromApp,
};

const injection = (i: { event: Record<string, unknown>; eventId: string }): Injection => ({
  event: i.event,
  eventId: i.eventId,
  injectedAt: performance.now(),
});

/** A game day's target on a fresh simulated account seeded with the three-tier baseline. */
export class SimulatedTarget implements GamedayTarget {
  readonly kind = 'simulated' as const;
  readonly ids = ids;
  readonly account: SimulatedAccount;
  readonly network: SimulatedNetwork;

  /** A fresh baseline account, or `place`: an account-region of a simulated organisation (its state and network). */
  constructor(options: SimulatedNetworkOptions = {}, place?: { readonly account: SimulatedAccount; readonly network: SimulatedNetwork }) {
    this.account = place?.account ?? threeTierAccount();
    this.network = place?.network ?? new SimulatedNetwork(this.account, options);
  }

  async authorizeIngress(groupId: string, rules: readonly RuleRequest[], opts: InjectOptions = {}) {
    return injection(inject.authorizeIngress(this.account, groupId, rules, opts));
  }
  async modifyRule(groupId: string, ruleId: string, rule: RuleRequest) {
    return injection(inject.modifyRule(this.account, groupId, ruleId, rule));
  }
  async createRoute(routeTableId: string, destination: RouteDestination, target: RouteTarget) {
    return injection(inject.createRoute(this.account, routeTableId, destination, target));
  }
  async moveSubnet(subnetId: string, routeTableId: string) {
    return injection(inject.moveSubnet(this.account, subnetId, routeTableId));
  }
  async useMainTable(subnetIds: readonly string[]) {
    for (const a of [...this.account.associations.values()]) {
      if (a.subnetId && subnetIds.includes(a.subnetId)) this.account.disassociate(a.associationId);
    }
  }
  async ingressRules(groupId: string) {
    return this.account.rulesOf(groupId).filter((r) => !r.isEgress);
  }
  async routeTable(routeTableId: string) {
    return this.account.routeTable(routeTableId) as RouteTable;
  }
  async effectiveRouteTable(subnetId: string) {
    return this.account.effectiveRouteTable(subnetId) as RouteTable;
  }
  async dispose() {}
}
