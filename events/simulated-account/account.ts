import type {
  LoadBalancer,
  Route,
  RouteDestination,
  RouteTable,
  RouteTableAssociation,
  RouteTarget,
  SecurityGroup,
  SgRule,
  Subnet,
  Tags,
} from '../../functions/core/network.js';
import { normaliseProtocol } from '../../functions/core/security-group.js';
import { Ec2Error } from './ec2-error.js';
import { IdMaker } from './ids.js';
import { definedOnly as clean } from '../../functions/core/defined.js';
import { canonicalCidr } from '../../functions/core/cidr.js';

/** A rule as a caller asks for it (no id yet). */
export type RuleRequest = Omit<SgRule, 'ruleId' | 'groupId' | 'isEgress'>;

interface VpcState {
  vpcId: string;
  cidr: string;
  tags: Tags;
  isDefault: boolean;
}

/**
 * A CIDR as EC2 stores it: canonical (host bits cleared, IPv6 compressed lower case). The SDK's model
 * says so for security group rules ("Amazon Web Services canonicalizes IPv4 and IPv6 CIDRs",
 * `IpRange.CidrIp`, models_0.d.ts) and for routes ("We modify the specified CIDR block to its
 * canonical form", `CreateRouteRequest.DestinationCidrBlock`, models_2.d.ts).
 */
const stored = <T extends { cidrIpv4?: string; cidrIpv6?: string }>(value: T): T =>
  clean({
    ...value,
    cidrIpv4: value.cidrIpv4 === undefined ? undefined : (canonicalCidr(value.cidrIpv4) ?? value.cidrIpv4),
    cidrIpv6: value.cidrIpv6 === undefined ? undefined : (canonicalCidr(value.cidrIpv6) ?? value.cidrIpv6),
  });

/**
 * A route target as EC2 stores it: a NAT gateway id given in `GatewayId` becomes a NAT route
 * (`NatGatewayId`), as issue 10 reports from a real account (moto 5.2 drops such a target instead).
 */
const storedTarget = (target: RouteTarget): RouteTarget =>
  target.gatewayId?.startsWith('nat-')
    ? clean({ ...target, gatewayId: undefined, natGatewayId: target.gatewayId })
    : target;

const destinationKey = (d: RouteDestination): string => {
  const { cidrIpv4, cidrIpv6 } = stored({ cidrIpv4: d.cidrIpv4, cidrIpv6: d.cidrIpv6 });
  return cidrIpv4 ?? cidrIpv6 ?? d.prefixListId ?? '';
};
const sameSource = (a: RuleRequest, b: RuleRequest): boolean =>
  normaliseProtocol(a.protocol) === normaliseProtocol(b.protocol) &&
  (a.fromPort ?? -1) === (b.fromPort ?? -1) &&
  (a.toPort ?? -1) === (b.toPort ?? -1) &&
  a.cidrIpv4 === b.cidrIpv4 &&
  a.cidrIpv6 === b.cidrIpv6 &&
  a.prefixListId === b.prefixListId &&
  a.referencedGroupId === b.referencedGroupId;

/**
 * An AWS account's VPC networking held in memory, with EC2's semantics where LayerGuard depends on
 * them: rule ids, duplicate and not-found error codes, the main route table's implicit associations,
 * association ids that change on replace, and the local route that cannot be deleted.
 */
export class SimulatedAccount {
  readonly ids: IdMaker;
  readonly vpcs = new Map<string, VpcState>();
  readonly subnets = new Map<string, Subnet>();
  readonly groups = new Map<string, SecurityGroup>();
  readonly rules = new Map<string, SgRule>();
  readonly internetGateways = new Map<string, { vpcId?: string }>();
  readonly natGateways = new Map<string, { subnetId: string }>();
  readonly routeTables = new Map<string, { routeTableId: string; vpcId: string; tags: Tags; routes: Route[] }>();
  readonly associations = new Map<string, RouteTableAssociation>();
  readonly loadBalancers = new Map<string, LoadBalancer>();
  /** Customer-managed prefix lists: their entries' CIDRs (current version), as EC2 stores them. */
  readonly prefixLists = new Map<string, { prefixListId: string; name: string; entries: string[] }>();

  constructor(
    readonly account = '111122223333',
    readonly region = 'us-east-1',
    salt = 0xb,
  ) {
    this.ids = new IdMaker(salt);
  }

  // ---- VPCs, subnets, gateways -------------------------------------------------------------

  createVpc(
    cidr: string,
    opts: { vpcId?: string; tags?: Tags; mainRouteTableId?: string; mainAssociationId?: string; isDefault?: boolean } = {},
  ): string {
    const vpcId = opts.vpcId ?? this.ids.make('vpc');
    this.vpcs.set(vpcId, { vpcId, cidr, tags: opts.tags ?? {}, isDefault: opts.isDefault === true });
    const main = this.createRouteTable(vpcId, { routeTableId: opts.mainRouteTableId });
    const associationId = opts.mainAssociationId ?? this.ids.make('rtbassoc');
    this.associations.set(associationId, { associationId, routeTableId: main, main: true });
    return vpcId;
  }

  createSubnet(vpcId: string, cidr: string, opts: { subnetId?: string; tags?: Tags } = {}): string {
    this.requireVpc(vpcId);
    const subnetId = opts.subnetId ?? this.ids.make('subnet');
    this.subnets.set(subnetId, { subnetId, vpcId, cidrIpv4: cidr, tags: opts.tags ?? {} });
    return subnetId;
  }

  createInternetGateway(opts: { internetGatewayId?: string; vpcId?: string } = {}): string {
    const id = opts.internetGatewayId ?? this.ids.make('igw');
    this.internetGateways.set(id, { vpcId: opts.vpcId });
    return id;
  }

  createNatGateway(subnetId: string, opts: { natGatewayId?: string } = {}): string {
    const id = opts.natGatewayId ?? this.ids.make('nat');
    this.natGateways.set(id, { subnetId });
    return id;
  }

  // ---- managed prefix lists --------------------------------------------------------------------

  /** CreateManagedPrefixList with entries (their CIDRs canonical, as EC2 stores a CIDR). */
  createPrefixList(name: string, cidrs: readonly string[], opts: { prefixListId?: string } = {}): string {
    const prefixListId = opts.prefixListId ?? this.ids.make('pl');
    this.prefixLists.set(prefixListId, { prefixListId, name, entries: cidrs.map((c) => canonicalCidr(c) ?? c) });
    return prefixListId;
  }

  /** GetManagedPrefixListEntries: an unknown list is an error (LayerGuard reads no code of it as "gone"). */
  prefixListEntries(prefixListId: string): string[] {
    const list = this.prefixLists.get(prefixListId);
    if (!list) throw new Ec2Error('InvalidPrefixListID.NotFound', `The prefix list ID '${prefixListId}' does not exist`);
    return [...list.entries];
  }

  // ---- security groups --------------------------------------------------------------------

  createSecurityGroup(vpcId: string, groupName: string, opts: { groupId?: string; tags?: Tags } = {}): string {
    this.requireVpc(vpcId);
    for (const g of this.groups.values()) {
      if (g.vpcId === vpcId && g.groupName === groupName) {
        throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${groupName}' already exists for VPC '${vpcId}'`);
      }
    }
    const groupId = opts.groupId ?? this.ids.make('sg');
    this.groups.set(groupId, { groupId, groupName, vpcId, tags: opts.tags ?? {} });
    return groupId;
  }

  /**
   * A load balancer (Elastic Load Balancing: a name unique in the region) with security groups of
   * this account; `internetFacing` is its scheme, which cannot change after creation.
   */
  createLoadBalancer(lb: Omit<LoadBalancer, 'securityGroupIds'> & { readonly securityGroupIds: readonly string[] }): string {
    if (this.loadBalancers.has(lb.name)) throw new Ec2Error('DuplicateLoadBalancerName', `Load balancer ${lb.name} already exists`);
    for (const id of lb.securityGroupIds) if (!this.groups.has(id)) throw new Ec2Error('InvalidSecurityGroup', `${id} does not exist`);
    this.loadBalancers.set(lb.name, { ...lb, securityGroupIds: [...lb.securityGroupIds] });
    return lb.name;
  }

  setTags(resourceId: string, tags: Tags): void {
    const group = this.groups.get(resourceId);
    if (group) return void this.groups.set(resourceId, { ...group, tags: { ...group.tags, ...tags } });
    const table = this.routeTables.get(resourceId);
    if (table) return void (table.tags = { ...table.tags, ...tags });
    const subnet = this.subnets.get(resourceId);
    if (subnet) return void this.subnets.set(resourceId, { ...subnet, tags: { ...subnet.tags, ...tags } });
    throw new Ec2Error('InvalidID', `The ID '${resourceId}' is not valid`);
  }

  /**
   * A group by id, or by name: in the given VPC, else in the default VPC, as EC2 resolves a name
   * ("[Default VPC] The name of the security group", `AuthorizeSecurityGroupIngressRequest.GroupName`,
   * models_0.d.ts). Without a default VPC, the one group of that name, if only one.
   */
  findGroup(ref: { groupId?: string; groupName?: string; vpcId?: string }): SecurityGroup | undefined {
    if (ref.groupId) return this.groups.get(ref.groupId);
    const named = [...this.groups.values()].filter((g) => g.groupName === ref.groupName);
    if (ref.vpcId !== undefined) return named.find((g) => g.vpcId === ref.vpcId);
    const defaultVpc = [...this.vpcs.values()].find((v) => v.isDefault);
    if (defaultVpc) return named.find((g) => g.vpcId === defaultVpc.vpcId);
    return named[0];
  }

  /** AuthorizeSecurityGroupIngress: all or nothing; a rule that exists already is `InvalidPermission.Duplicate`. */
  authorizeIngress(groupId: string, requests: readonly RuleRequest[], opts: { ruleIds?: readonly string[] } = {}): SgRule[] {
    this.requireGroup(groupId);
    const existing = this.rulesOf(groupId).filter((r) => !r.isEgress);
    requests = requests.map(stored);
    for (const req of requests) {
      if (existing.some((r) => sameSource(r, req))) {
        throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "peer: ${req.cidrIpv4 ?? req.cidrIpv6 ?? req.referencedGroupId}" already exists`);
      }
    }
    return requests.map((req, i) => {
      const rule: SgRule = clean({ ...req, ruleId: opts.ruleIds?.[i] ?? this.ids.make('sgr'), groupId, isEgress: false });
      this.rules.set(rule.ruleId, rule);
      return rule;
    });
  }

  authorizeEgress(groupId: string, requests: readonly RuleRequest[], opts: { ruleIds?: readonly string[] } = {}): SgRule[] {
    this.requireGroup(groupId);
    return requests.map(stored).map((req, i) => {
      const rule: SgRule = clean({ ...req, ruleId: opts.ruleIds?.[i] ?? this.ids.make('sgr'), groupId, isEgress: true });
      this.rules.set(rule.ruleId, rule);
      return rule;
    });
  }

  /** ModifySecurityGroupRules: replaces a rule's definition, keeping its id. */
  modifyRule(groupId: string, ruleId: string, request: RuleRequest): SgRule {
    this.requireGroup(groupId);
    const current = this.rules.get(ruleId);
    if (!current || current.groupId !== groupId) {
      throw new Ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${ruleId}' does not exist`);
    }
    const rule: SgRule = stored(clean({ ...request, ruleId, groupId, isEgress: current.isEgress }));
    this.rules.set(ruleId, rule);
    return rule;
  }

  /** RevokeSecurityGroupIngress by rule ids: all or nothing, as EC2 does. */
  revokeIngress(groupId: string, ruleIds: readonly string[]): SgRule[] {
    this.requireGroup(groupId);
    const missing = ruleIds.filter((id) => {
      const r = this.rules.get(id);
      return !r || r.groupId !== groupId || r.isEgress;
    });
    if (missing.length > 0) {
      throw new Ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${missing[0]}' does not exist`);
    }
    const revoked = ruleIds.map((id) => this.rules.get(id) as SgRule);
    for (const id of ruleIds) this.rules.delete(id);
    return revoked;
  }

  rulesOf(groupId: string): SgRule[] {
    return [...this.rules.values()].filter((r) => r.groupId === groupId);
  }

  // ---- route tables -----------------------------------------------------------------------

  createRouteTable(vpcId: string, opts: { routeTableId?: string; tags?: Tags } = {}): string {
    const vpc = this.requireVpc(vpcId);
    const routeTableId = opts.routeTableId ?? this.ids.make('rtb');
    this.routeTables.set(routeTableId, {
      routeTableId,
      vpcId,
      tags: opts.tags ?? {},
      routes: [{ cidrIpv4: vpc.cidr, gatewayId: 'local', state: 'active', origin: 'CreateRouteTable' }],
    });
    return routeTableId;
  }

  /** CreateRoute: `RouteAlreadyExists` when the destination is taken; the target must exist. */
  createRoute(routeTableId: string, destination: RouteDestination, target: RouteTarget): Route {
    const table = this.requireRouteTable(routeTableId);
    this.requireTarget(target);
    if (table.routes.some((r) => destinationKey(r) === destinationKey(destination))) {
      throw new Ec2Error('RouteAlreadyExists', `The route identified by ${destinationKey(destination)} already exists.`);
    }
    const route: Route = stored(clean({ ...destination, ...storedTarget(target), state: 'active', origin: 'CreateRoute' }));
    table.routes.push(route);
    return route;
  }

  /** ReplaceRoute: the destination must exist; the local route cannot be replaced by another target. */
  replaceRoute(routeTableId: string, destination: RouteDestination, target: RouteTarget): Route {
    const table = this.requireRouteTable(routeTableId);
    this.requireTarget(target);
    const index = table.routes.findIndex((r) => destinationKey(r) === destinationKey(destination));
    if (index < 0) throw new Ec2Error('InvalidRoute.NotFound', `no route with destination ${destinationKey(destination)} in ${routeTableId}`);
    const route: Route = stored(clean({ ...destination, ...storedTarget(target), state: 'active', origin: 'CreateRoute' }));
    table.routes[index] = route;
    return route;
  }

  /** DeleteRoute: `InvalidRoute.NotFound` when absent; the local route cannot be deleted. */
  deleteRoute(routeTableId: string, destination: RouteDestination): void {
    const table = this.requireRouteTable(routeTableId);
    const index = table.routes.findIndex((r) => destinationKey(r) === destinationKey(destination));
    if (index < 0 || !destinationKey(destination)) {
      throw new Ec2Error('InvalidRoute.NotFound', `no route with destination ${destinationKey(destination)} in ${routeTableId}`);
    }
    if (table.routes[index]?.gatewayId === 'local') {
      throw new Ec2Error('InvalidParameterValue', `cannot remove local route ${destinationKey(destination)} in route table ${routeTableId}`);
    }
    table.routes.splice(index, 1);
  }

  /** AssociateRouteTable: a subnet has at most one explicit association. */
  associateRouteTable(routeTableId: string, subnetId: string, opts: { associationId?: string } = {}): string {
    const table = this.requireRouteTable(routeTableId);
    const subnet = this.subnets.get(subnetId);
    if (!subnet) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
    if (subnet.vpcId !== table.vpcId) throw new Ec2Error('InvalidParameterValue', 'route table and subnet belong to different networks');
    const current = [...this.associations.values()].find((a) => a.subnetId === subnetId);
    if (current) throw new Ec2Error('Resource.AlreadyAssociated', `the specified association for route table ${current.routeTableId} conflicts with an existing association`);
    const associationId = opts.associationId ?? this.ids.make('rtbassoc');
    this.associations.set(associationId, { associationId, routeTableId, subnetId, main: false });
    return associationId;
  }

  /** DisassociateRouteTable: the subnet falls back to the VPC's main table. */
  disassociate(associationId: string): void {
    const current = this.associations.get(associationId);
    if (!current) throw new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    if (current.main) throw new Ec2Error('InvalidParameterValue', 'cannot disassociate the main route table association');
    this.associations.delete(associationId);
  }

  /** ReplaceRouteTableAssociation: the old association id disappears, a new one is returned. */
  replaceAssociation(associationId: string, routeTableId: string, opts: { newAssociationId?: string } = {}): string {
    const current = this.associations.get(associationId);
    if (!current) throw new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    const table = this.requireRouteTable(routeTableId);
    const oldTable = this.requireRouteTable(current.routeTableId);
    if (table.vpcId !== oldTable.vpcId) throw new Ec2Error('InvalidParameterValue', 'route table belongs to a different network');
    this.associations.delete(associationId);
    const newId = opts.newAssociationId ?? this.ids.make('rtbassoc');
    this.associations.set(newId, { ...current, associationId: newId, routeTableId });
    return newId;
  }

  routeTable(routeTableId: string): RouteTable | undefined {
    const t = this.routeTables.get(routeTableId);
    if (!t) return undefined;
    return {
      routeTableId: t.routeTableId,
      vpcId: t.vpcId,
      tags: { ...t.tags },
      routes: t.routes.map((r) => ({ ...r })),
      associations: [...this.associations.values()].filter((a) => a.routeTableId === routeTableId).map((a) => ({ ...a })),
    };
  }

  /** The route table a subnet uses: its explicit association, else the VPC's main table. */
  effectiveRouteTable(subnetId: string): RouteTable | undefined {
    const subnet = this.subnets.get(subnetId);
    if (!subnet) return undefined;
    const explicit = [...this.associations.values()].find((a) => a.subnetId === subnetId);
    if (explicit) return this.routeTable(explicit.routeTableId);
    const main = [...this.associations.values()].find(
      (a) => a.main && this.routeTables.get(a.routeTableId)?.vpcId === subnet.vpcId,
    );
    return main ? this.routeTable(main.routeTableId) : undefined;
  }

  // ---- invariants ---------------------------------------------------------------------------

  private requireVpc(vpcId: string): VpcState {
    const vpc = this.vpcs.get(vpcId);
    if (!vpc) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    return vpc;
  }

  private requireGroup(groupId: string): SecurityGroup {
    const group = this.groups.get(groupId);
    if (!group) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    return group;
  }

  private requireRouteTable(routeTableId: string) {
    const table = this.routeTables.get(routeTableId);
    if (!table) throw new Ec2Error('InvalidRouteTableID.NotFound', `The routeTable ID '${routeTableId}' does not exist`);
    return table;
  }

  private requireTarget(given: RouteTarget): void {
    const target = storedTarget(given);
    if (target.gatewayId?.startsWith('igw-') && !this.internetGateways.has(target.gatewayId)) {
      throw new Ec2Error('InvalidGatewayID.NotFound', `The gateway ID '${target.gatewayId}' does not exist`);
    }
    if (target.natGatewayId && !this.natGateways.has(target.natGatewayId)) {
      throw new Ec2Error('InvalidNatGatewayID.NotFound', `The nat gateway ID '${target.natGatewayId}' does not exist`);
    }
    if (target.gatewayId === 'local') throw new Ec2Error('InvalidParameterValue', 'cannot create a local route');
  }
}
