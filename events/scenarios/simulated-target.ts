import { baselineFlowLogs, type SimulatedFlowLogs } from '../simulated-account/flow-logs.js';
import { SimulatedSecurityHub } from '../simulated-account/security-hub.js';
import type { NetworkAcl, NetworkAclEntry, RouteDestination, RouteTable, RouteTarget } from '../../functions/core/network.js';
import { inject } from '../generator/inject.js';
import type { RuleRequest, SimulatedAccount } from '../simulated-account/account.js';
import { threeTierAccount } from '../simulated-account/baseline.js';
import { BASELINE } from '../simulated-account/ids.js';
import { SimulatedNetwork, type SimulatedNetworkOptions } from '../simulated-account/network.js';
import { SIMULATED_MEMBERS, SimulatedOrganization } from '../simulated-account/organization.js';
import type { GamedayTarget, InjectOptions, Injection, MemberName, OrganizationTarget, TierIds, Where } from './target.js';

const ids: TierIds = {
  vpcId: BASELINE.vpcId,
  internetGatewayId: BASELINE.internetGatewayId,
  natGatewayId: BASELINE.natGatewayId,
  subnets: BASELINE.subnets,
  routeTables: BASELINE.routeTables,
  securityGroups: BASELINE.securityGroups,
  dbFromAppRuleId: BASELINE.rules.dbFromApp,
  networkAcls: BASELINE.networkAcls,
  prefixLists: BASELINE.prefixLists,
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
  readonly securityHub: SimulatedSecurityHub;
  /** The baseline VPC's flow logs: an interface of each tier's group in each of its subnets, one VPC flow log. */
  readonly flowLogs: SimulatedFlowLogs = baselineFlowLogs();
  #organization?: SimulatedOrganization;
  #members = new Map<MemberName, SimulatedTarget>();

  /**
   * A fresh baseline account, or `place`: an account-region of a simulated organisation (its state and
   * network), with `organization` the organisation it is the hub of.
   */
  constructor(
    options: SimulatedNetworkOptions = {},
    place?: { readonly account: SimulatedAccount; readonly network: SimulatedNetwork },
    organization?: SimulatedOrganization,
  ) {
    this.account = place?.account ?? threeTierAccount();
    this.securityHub = new SimulatedSecurityHub();
    this.network = place?.network ?? new SimulatedNetwork(this.account, options);
    this.#organization = organization;
  }

  get where(): Where {
    return { account: this.account.account, region: this.account.region };
  }

  /** Where each member of a game day across accounts is: one in another region too, so forwarding crosses both. */
  static readonly MEMBERS: Readonly<Record<MemberName, Where>> = {
    member: { account: SIMULATED_MEMBERS[0], region: 'eu-west-1' },
    other: { account: SIMULATED_MEMBERS[1], region: BASELINE.region },
  };

  /** The organisation this account is the hub of (made on first use): two members, two regions. */
  async organization(): Promise<OrganizationTarget> {
    // The hub is this very account-region: what the hub's functions do in their own account shows here.
    const org = (this.#organization ??= new SimulatedOrganization({ hub: this.where, hubPlace: { account: this.account, network: this.network } }));
    const reach = org.reach();
    return {
      hub: org.hub,
      reach,
      member: async (name) => {
        let member = this.#members.get(name);
        if (!member) {
          const at = SimulatedTarget.MEMBERS[name];
          member = new SimulatedTarget({}, org.place(at.account, at.region));
          this.#members.set(name, member);
        }
        return member;
      },
      breakMemberRole: async (name) => org.breakMemberRole(SimulatedTarget.MEMBERS[name].account),
    };
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
  async disassociateSubnet(subnetId: string) {
    return injection(inject.disassociateSubnet(this.account, subnetId));
  }
  async useMainTable(subnetIds: readonly string[]) {
    for (const a of [...this.account.associations.values()]) {
      if (a.subnetId && subnetIds.includes(a.subnetId)) this.account.disassociate(a.associationId);
    }
  }
  async aclEntry(networkAclId: string, entry: NetworkAclEntry, opts: InjectOptions & { readonly replace?: boolean } = {}) {
    return injection(inject.aclEntry(this.account, networkAclId, entry, opts));
  }
  async moveSubnetAcl(subnetId: string, networkAclId: string) {
    return injection(inject.moveSubnetAcl(this.account, subnetId, networkAclId));
  }
  async modifyPrefixList(prefixListId: string, add: readonly string[], opts: InjectOptions = {}) {
    return injection(inject.modifyPrefixList(this.account, prefixListId, add, opts));
  }
  async prefixListEntries(prefixListId: string) {
    return this.account.prefixListEntries(prefixListId);
  }
  async networkAcl(networkAclId: string) {
    return this.account.networkAcl(networkAclId) as NetworkAcl;
  }
  async subnetAcl(subnetId: string) {
    return this.account.subnetAcl(subnetId) as NetworkAcl;
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
