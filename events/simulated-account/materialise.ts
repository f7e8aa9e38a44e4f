import type { ParsedTrigger } from '../../functions/core/cloudtrail.js';
import { type Change, toChange } from '../../functions/core/change.js';
import type { RouteTarget } from '../../functions/core/network.js';
import type { Policy } from '../../functions/core/policy.js';
import { isSameDestination } from '../../functions/core/route-table.js';
import { isSamePermission } from '../../functions/core/security-group.js';
import type { SimulatedAccount } from './account.js';
import { BASELINE } from './ids.js';

export const TIERS = ['public', 'private', 'database'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * Makes the change an event describes happen on a simulated account seeded with the baseline, so that
 * `replay` can run the real pipeline on it. What the event cannot say is filled in for the worst case
 * (an unknown subnet or route table joins the database tier; a table an association names carries an
 * internet route) unless a tier is given; every such guess is returned, so the output can say so.
 */
export function materialise(account: SimulatedAccount, parsed: ParsedTrigger, policy: Policy, tier?: Tier): string[] {
  // A failed call changed nothing; there is nothing to make.
  if (parsed.record.errorCode) return [];
  const change = toChange(parsed.record);
  const m = new Materialiser(account, policy, tier);
  switch (change.kind) {
    case 'sg-ingress':
      m.securityGroup(change);
      break;
    case 'route':
      m.route(change);
      break;
    case 'association':
      m.association(change);
      break;
    case 'disassociation':
      m.disassociation(change);
      break;
    case 'nacl-entry':
      m.aclEntry(change);
      break;
    case 'nacl-association':
      m.aclAssociation(change);
      break;
    case 'prefix-list-entries':
      m.prefixList(change);
      break;
  }
  return m.assumptions;
}

class Materialiser {
  readonly assumptions: string[] = [];
  constructor(
    private readonly account: SimulatedAccount,
    private readonly policy: Policy,
    private readonly tier: Tier | undefined,
  ) {}

  private tierTags(tier: Tier): Record<string, string> {
    if (tier === 'database') {
      const tag = this.policy.isolated.subnetTags[0] ?? { key: 'Tier', value: 'Database' };
      return { [tag.key]: tag.value };
    }
    return { Tier: tier === 'public' ? 'Web' : 'Application' };
  }

  securityGroup(change: Extract<Change, { kind: 'sg-ingress' }>): void {
    let group = this.account.findGroup({ groupId: change.groupId, groupName: change.groupName });
    if (!group) {
      const groupId = this.account.createSecurityGroup(BASELINE.vpcId, change.groupName ?? `replayed-${change.groupId}`, {
        groupId: change.groupId,
      });
      group = this.account.findGroup({ groupId });
      this.assumptions.push(`security group ${change.groupId ?? change.groupName} is unknown to the baseline: created untagged (not public tier, not exempt)`);
    }
    const groupId = group?.groupId as string;
    for (const listId of new Set(change.rules.flatMap((r) => (r.prefixListId ? [r.prefixListId] : [])))) {
      if (this.account.prefixLists.has(listId)) continue;
      // The worst case: the list holds the whole internet.
      this.account.createPrefixList(`replayed-${listId}`, ['0.0.0.0/0'], { prefixListId: listId });
      this.assumptions.push(`prefix list ${listId} is unknown to the baseline: created holding 0.0.0.0/0`);
    }
    for (const { ruleId, ...rule } of change.rules) {
      if (ruleId && this.account.rules.has(ruleId)) {
        this.account.modifyRule(groupId, ruleId, rule);
        continue;
      }
      const twin = this.account.rulesOf(groupId).find((r) => isSamePermission(r, rule));
      if (twin) {
        // The baseline already has this rule; give it the event's id so the pipeline finds it by id.
        if (!ruleId) continue;
        this.account.revokeIngress(groupId, [twin.ruleId]);
      }
      if (change.eventName === 'ModifySecurityGroupRules') {
        this.assumptions.push(`rule ${ruleId} is unknown to the baseline: created with its modified definition`);
      }
      this.account.authorizeIngress(groupId, [rule], { ruleIds: ruleId ? [ruleId] : undefined });
    }
  }

  /**
   * A prefix list's entries changed: an unknown list is created (this account's, holding the removed
   * entries); an AWS-managed list is left alone (no one but AWS can change it). The worst case for what
   * references it: when no group does, the app tier's tcp/22 names it.
   */
  prefixList(change: Extract<Change, { kind: 'prefix-list-entries' }>): void {
    const id = change.prefixListId;
    if (!this.account.prefixLists.has(id)) {
      this.account.createPrefixList(`replayed-${id}`, change.removed, { prefixListId: id });
      this.assumptions.push(`prefix list ${id} is unknown to the baseline: created, customer-managed, holding the removed entries`);
    }
    if (this.account.prefixLists.get(id)?.ownerId !== this.account.account) {
      this.assumptions.push(`prefix list ${id} is AWS-managed: its entries were not changed`);
      return;
    }
    this.account.modifyPrefixList(id, { add: change.added, remove: change.removed.filter((c) => this.account.prefixListEntries(id).includes(c)) });
    if (this.account.prefixListAssociations(id).length === 0) {
      this.account.authorizeIngress(BASELINE.securityGroups.app, [{ protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: id }]);
      this.assumptions.push(`no group referenced ${id}: the app tier (${BASELINE.securityGroups.app}) admits tcp/22 from it`);
    }
  }

  private ensureTarget(target: RouteTarget): void {
    if (target.gatewayId?.startsWith('igw-') && !this.account.internetGateways.has(target.gatewayId)) {
      this.account.createInternetGateway({ internetGatewayId: target.gatewayId, vpcId: BASELINE.vpcId });
      this.assumptions.push(`internet gateway ${target.gatewayId} is unknown to the baseline: attached to ${BASELINE.vpcId}`);
    }
    // EC2 takes a NAT gateway id in GatewayId too.
    const nat = target.natGatewayId ?? (target.gatewayId?.startsWith('nat-') ? target.gatewayId : undefined);
    if (nat && !this.account.natGateways.has(nat)) {
      this.account.createNatGateway(BASELINE.subnets.public1, { natGatewayId: nat });
      this.assumptions.push(`NAT gateway ${nat} is unknown to the baseline: created in a public subnet`);
    }
  }

  /** An unknown route table, created in the baseline VPC for a tier, with a subnet of that tier on it. */
  private ensureTable(routeTableId: string, tier: Tier, withInternetRoute: boolean): void {
    if (this.account.routeTables.has(routeTableId)) return;
    this.account.createRouteTable(BASELINE.vpcId, { routeTableId, tags: this.tierTags(tier) });
    if (withInternetRoute) {
      this.account.createRoute(routeTableId, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: BASELINE.internetGatewayId });
    }
    this.assumptions.push(
      `route table ${routeTableId} is unknown to the baseline: created as a ${tier}-tier table${withInternetRoute ? ' with a route to the internet gateway' : ''}`,
    );
  }

  private newSubnet(tier: Tier, subnetId?: string): string {
    const id = this.account.createSubnet(BASELINE.vpcId, `10.0.${200 + this.account.subnets.size}.0/24`, {
      subnetId,
      tags: this.tierTags(tier),
    });
    this.assumptions.push(`subnet ${id} is unknown to the baseline: created in the ${tier} tier`);
    return id;
  }

  route(change: Extract<Change, { kind: 'route' }>): void {
    const tier = this.tier ?? 'database';
    if (!this.account.routeTables.has(change.routeTableId)) {
      this.ensureTable(change.routeTableId, tier, false);
      this.account.associateRouteTable(change.routeTableId, this.newSubnet(tier));
    }
    this.useMainTableImplicitly(change.routeTableId, tier);
    this.ensureTarget(change.target);
    const table = this.account.routeTable(change.routeTableId);
    const exists = table?.routes.some((r) => isSameDestination(r, change.destination));
    if (exists) this.account.replaceRoute(change.routeTableId, change.destination, change.target);
    else this.account.createRoute(change.routeTableId, change.destination, change.target);
  }

  /**
   * A route on the VPC's main table reaches every subnet with no explicit association. The baseline
   * gives every subnet one, so the worst case the event allows is that the tier's subnets use the
   * main table implicitly: their explicit associations are removed.
   */
  private useMainTableImplicitly(routeTableId: string, tier: Tier): void {
    const table = this.account.routeTable(routeTableId);
    if (!table?.associations.some((a) => a.main) || table.associations.some((a) => a.subnetId)) return;
    const implicit = [...this.account.associations.values()].filter((a) => {
      const subnet = a.subnetId ? this.account.subnets.get(a.subnetId) : undefined;
      return subnet?.vpcId === table.vpcId && Object.entries(this.tierTags(tier)).every(([k, v]) => subnet.tags[k] === v);
    });
    if (implicit.length === 0) return;
    for (const a of implicit) this.account.disassociate(a.associationId);
    this.assumptions.push(
      `${routeTableId} is the VPC's main table: the ${tier}-tier subnets ${implicit.map((a) => a.subnetId).join(', ')} were made to use it implicitly (their explicit associations removed)`,
    );
  }

  association(change: Extract<Change, { kind: 'association' }>): void {
    const tableTier = this.tier ?? 'public';
    this.ensureTable(change.routeTableId, tableTier, tableTier === 'public');
    if (change.eventName === 'AssociateRouteTable') {
      const subnetId =
        change.subnetId && this.account.subnets.has(change.subnetId)
          ? change.subnetId
          : this.newSubnet(this.tier ?? 'database', change.subnetId);
      const current = [...this.account.associations.values()].find((a) => a.subnetId === subnetId);
      if (current) this.account.disassociate(current.associationId);
      this.account.associateRouteTable(change.routeTableId, subnetId, { associationId: change.associationId });
      return;
    }
    const previous = change.previousAssociationId as string;
    if (!this.account.associations.has(previous)) {
      // The event names only the association: its subnet is unknown, so take the worst case.
      const subnetTier = this.tier ?? 'database';
      const subnetId = this.newSubnet(subnetTier);
      const home = subnetTier === 'database' ? BASELINE.routeTables.database : subnetTier === 'public' ? BASELINE.routeTables.public : BASELINE.routeTables.private;
      this.account.associateRouteTable(home, subnetId, { associationId: previous });
    }
    this.account.replaceAssociation(previous, change.routeTableId, { newAssociationId: change.associationId });
  }

  /** An unknown network ACL: created in the baseline VPC for a tier, with a new subnet of that tier on it. */
  private ensureAcl(networkAclId: string, tier: Tier, openToInternet: boolean): void {
    if (this.account.networkAcls.has(networkAclId)) return;
    this.account.createNetworkAcl(BASELINE.vpcId, { networkAclId, tags: this.tierTags(tier) });
    if (openToInternet) {
      this.account.createNetworkAclEntry(networkAclId, { ruleNumber: 100, egress: false, ruleAction: 'allow', protocol: '-1', cidrIpv4: '0.0.0.0/0' });
    }
    this.assumptions.push(
      `network ACL ${networkAclId} is unknown to the baseline: created as a ${tier}-tier ACL${openToInternet ? ' that allows all traffic from 0.0.0.0/0' : ''}`,
    );
  }

  /** Moves a subnet onto an ACL (every subnet has one association: the default ACL's, unless moved). */
  private putOnAcl(subnetId: string, networkAclId: string, newAssociationId?: string): void {
    const current = [...this.account.aclAssociations.values()].find((a) => a.subnetId === subnetId);
    if (current && current.networkAclId !== networkAclId) {
      this.account.replaceNetworkAclAssociation(current.associationId, networkAclId, { newAssociationId });
    }
  }

  /** The entry the event made, on its ACL; an unknown ACL is the worst case: the database tier's, with a database subnet on it. */
  aclEntry(change: Extract<Change, { kind: 'nacl-entry' }>): void {
    const tier = this.tier ?? 'database';
    if (!this.account.networkAcls.has(change.networkAclId)) {
      this.ensureAcl(change.networkAclId, tier, false);
      this.putOnAcl(this.newSubnet(tier), change.networkAclId);
    }
    const exists = this.account.networkAcl(change.networkAclId)?.entries.some(
      (e) => e.ruleNumber === change.entry.ruleNumber && e.egress === change.entry.egress,
    );
    if (exists) this.account.replaceNetworkAclEntry(change.networkAclId, change.entry);
    else {
      if (change.eventName === 'ReplaceNetworkAclEntry') {
        this.assumptions.push(`entry ${change.entry.ruleNumber} of ${change.networkAclId} is unknown to the baseline: created with its new definition`);
      }
      this.account.createNetworkAclEntry(change.networkAclId, change.entry);
    }
  }

  /**
   * The subnet of the event's association moved onto its ACL. The event names only the association: an
   * unknown one held a database subnet (on the database ACL), and an unknown ACL admits the internet,
   * unless a tier is given.
   */
  aclAssociation(change: Extract<Change, { kind: 'nacl-association' }>): void {
    const aclTier = this.tier ?? 'public';
    this.ensureAcl(change.networkAclId, aclTier, aclTier === 'public');
    const previous = change.previousAssociationId;
    if (!this.account.aclAssociations.has(previous)) {
      const subnetTier = this.tier ?? 'database';
      const subnetId = this.newSubnet(subnetTier);
      const home = subnetTier === 'database' ? BASELINE.networkAcls.database : BASELINE.networkAcls.default;
      const current = [...this.account.aclAssociations.values()].find((a) => a.subnetId === subnetId);
      if (current) this.account.aclAssociations.delete(current.associationId);
      this.account.aclAssociations.set(previous, { associationId: previous, networkAclId: home, subnetId });
      this.assumptions.push(`network ACL association ${previous} is unknown to the baseline: it held ${subnetId} on ${home}`);
    }
    this.account.replaceNetworkAclAssociation(previous, change.networkAclId, { newAssociationId: change.associationId });
  }

  /**
   * The event names only the association, so the rest is the worst case unless a tier is given: a
   * database subnet was on it (on the database table), and the main table it falls back to routes to
   * the internet gateway.
   */
  disassociation(change: Extract<Change, { kind: 'disassociation' }>): void {
    if (!this.account.associations.has(change.associationId)) {
      const tier = this.tier ?? 'database';
      const subnetId = this.newSubnet(tier);
      const home = tier === 'database' ? BASELINE.routeTables.database : tier === 'public' ? BASELINE.routeTables.public : BASELINE.routeTables.private;
      this.account.associateRouteTable(home, subnetId, { associationId: change.associationId });
      this.assumptions.push(`association ${change.associationId} is unknown to the baseline: it held ${subnetId} on ${home}`);
    }
    const main = this.account.routeTable(BASELINE.routeTables.main);
    if (!this.tier && main && !main.routes.some((r) => r.gatewayId?.startsWith('igw-'))) {
      this.account.createRoute(BASELINE.routeTables.main, { cidrIpv4: '0.0.0.0/0' }, { gatewayId: BASELINE.internetGatewayId });
      this.assumptions.push(`the main route table ${BASELINE.routeTables.main} was given a route to ${BASELINE.internetGatewayId}`);
    }
    this.account.disassociate(change.associationId);
  }
}
