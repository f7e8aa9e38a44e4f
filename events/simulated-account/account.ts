import type {
  PrefixList,
  PrefixListAssociation,
  LoadBalancer,
  NetworkAcl,
  NetworkAclAssociation,
  NetworkAclEntry,
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
import { canonicalAclProtocol, DEFAULT_ENTRY_RULE_NUMBER } from '../../functions/core/network-acl.js';

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

/** An entry as EC2 stores it: canonical CIDR, the protocol as a number ('6', not 'tcp'). */
const storedEntry = (e: NetworkAclEntry): NetworkAclEntry =>
  stored(clean({ ...e, protocol: canonicalAclProtocol(e.protocol) ?? e.protocol }));

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
  readonly networkAcls = new Map<string, { networkAclId: string; vpcId: string; isDefault: boolean; tags: Tags; entries: NetworkAclEntry[] }>();
  readonly aclAssociations = new Map<string, NetworkAclAssociation>();
  /** Network ACL ids come from their own sequence, so that the ids of everything else stay as they were before ACLs were modelled. */
  readonly aclIds: IdMaker;
  /**
   * Managed prefix lists: their entries' CIDRs (current version), as EC2 stores them; the owner (`AWS` for
   * an AWS-managed list, else this account), the version (1 at creation, one more per change of entries)
   * and tags.
   */
  readonly prefixLists = new Map<
    string,
    { prefixListId: string; name: string; entries: string[]; ownerId: string; version: number; tags: Tags; addressFamily: 'IPv4' | 'IPv6' }
  >();

  constructor(
    readonly account = '111122223333',
    readonly region = 'us-east-1',
    salt = 0xb,
  ) {
    this.ids = new IdMaker(salt);
    this.aclIds = new IdMaker(salt + 1);
  }

  // ---- VPCs, subnets, gateways -------------------------------------------------------------

  createVpc(
    cidr: string,
    opts: {
      vpcId?: string;
      tags?: Tags;
      mainRouteTableId?: string;
      mainAssociationId?: string;
      defaultNetworkAclId?: string;
      isDefault?: boolean;
    } = {},
  ): string {
    const vpcId = opts.vpcId ?? this.ids.make('vpc');
    this.vpcs.set(vpcId, { vpcId, cidr, tags: opts.tags ?? {}, isDefault: opts.isDefault === true });
    const main = this.createRouteTable(vpcId, { routeTableId: opts.mainRouteTableId });
    const associationId = opts.mainAssociationId ?? this.ids.make('rtbassoc');
    this.associations.set(associationId, { associationId, routeTableId: main, main: true });
    this.createNetworkAcl(vpcId, { isDefault: true, networkAclId: opts.defaultNetworkAclId });
    return vpcId;
  }

  createSubnet(
    vpcId: string,
    cidr: string,
    opts: { subnetId?: string; tags?: Tags; aclAssociationId?: string; cidrIpv6?: readonly string[] } = {},
  ): string {
    this.requireVpc(vpcId);
    const subnetId = opts.subnetId ?? this.ids.make('subnet');
    this.subnets.set(subnetId, { subnetId, vpcId, cidrIpv4: cidr, ...(opts.cidrIpv6 ? { cidrIpv6: [...opts.cidrIpv6] } : {}), tags: opts.tags ?? {} });
    // "When you create a subnet, it's automatically associated with the default network ACL" (ReplaceNetworkAclAssociation).
    const acl = [...this.networkAcls.values()].find((a) => a.vpcId === vpcId && a.isDefault);
    if (acl) {
      const associationId = opts.aclAssociationId ?? this.aclIds.make('aclassoc');
      this.aclAssociations.set(associationId, { associationId, networkAclId: acl.networkAclId, subnetId });
    }
    return subnetId;
  }

  // ---- network ACLs ------------------------------------------------------------------------

  /**
   * CreateNetworkAcl, or the VPC's default ACL. EC2's default ACL allows all traffic in and out (rule
   * 100) before the `*` deny; a new ACL has only the `*` entries, which deny everything ("Network ACLs",
   * Amazon VPC User Guide: "Each custom network ACL … denies all inbound and outbound traffic until you
   * add rules"). IPv4 only: the baseline VPC has no IPv6 block.
   */
  createNetworkAcl(vpcId: string, opts: { networkAclId?: string; tags?: Tags; isDefault?: boolean } = {}): string {
    this.requireVpc(vpcId);
    const networkAclId = opts.networkAclId ?? this.aclIds.make('acl');
    const all = { protocol: '-1', cidrIpv4: '0.0.0.0/0' };
    const star = (egress: boolean): NetworkAclEntry => ({ ruleNumber: DEFAULT_ENTRY_RULE_NUMBER, egress, ruleAction: 'deny', ...all });
    const open = (egress: boolean): NetworkAclEntry => ({ ruleNumber: 100, egress, ruleAction: 'allow', ...all });
    const entries = opts.isDefault ? [open(false), open(true), star(false), star(true)] : [star(false), star(true)];
    this.networkAcls.set(networkAclId, { networkAclId, vpcId, isDefault: opts.isDefault === true, tags: opts.tags ?? {}, entries });
    return networkAclId;
  }

  /** CreateNetworkAclEntry: `NetworkAclEntryAlreadyExists` when the rule number is taken in that direction. */
  createNetworkAclEntry(networkAclId: string, entry: NetworkAclEntry): NetworkAclEntry {
    const acl = this.requireAcl(networkAclId);
    if (acl.entries.some((e) => e.ruleNumber === entry.ruleNumber && e.egress === entry.egress)) {
      throw new Ec2Error('NetworkAclEntryAlreadyExists', `The network acl entry identified by ${entry.ruleNumber} already exists.`);
    }
    const created = storedEntry(entry);
    acl.entries.push(created);
    return created;
  }

  /** ReplaceNetworkAclEntry: the rule number must exist in that direction (`InvalidNetworkAclEntry.NotFound`). */
  replaceNetworkAclEntry(networkAclId: string, entry: NetworkAclEntry): NetworkAclEntry {
    const acl = this.requireAcl(networkAclId);
    const index = acl.entries.findIndex((e) => e.ruleNumber === entry.ruleNumber && e.egress === entry.egress);
    if (index < 0) throw new Ec2Error('InvalidNetworkAclEntry.NotFound', `The network ACL entry ${entry.ruleNumber} does not exist in ${networkAclId}`);
    const replaced = storedEntry(entry);
    acl.entries[index] = replaced;
    return replaced;
  }

  /** DeleteNetworkAclEntry: `InvalidNetworkAclEntry.NotFound` when absent; a default (`*`) entry cannot be deleted. */
  deleteNetworkAclEntry(networkAclId: string, ruleNumber: number, egress: boolean): void {
    const acl = this.requireAcl(networkAclId);
    if (ruleNumber >= DEFAULT_ENTRY_RULE_NUMBER) throw new Ec2Error('InvalidParameterValue', `cannot delete the default entry of ${networkAclId}`);
    const index = acl.entries.findIndex((e) => e.ruleNumber === ruleNumber && e.egress === egress);
    if (index < 0) throw new Ec2Error('InvalidNetworkAclEntry.NotFound', `The network ACL entry ${ruleNumber} does not exist in ${networkAclId}`);
    acl.entries.splice(index, 1);
  }

  /** ReplaceNetworkAclAssociation: the old association id disappears, a new one is returned. */
  replaceNetworkAclAssociation(associationId: string, networkAclId: string, opts: { newAssociationId?: string } = {}): string {
    const current = this.aclAssociations.get(associationId);
    if (!current) throw new Ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    const acl = this.requireAcl(networkAclId);
    if (acl.vpcId !== this.requireAcl(current.networkAclId).vpcId) throw new Ec2Error('InvalidParameterValue', 'network ACL belongs to a different network');
    this.aclAssociations.delete(associationId);
    const newId = opts.newAssociationId ?? this.aclIds.make('aclassoc');
    this.aclAssociations.set(newId, { ...current, associationId: newId, networkAclId });
    return newId;
  }

  networkAcl(networkAclId: string): NetworkAcl | undefined {
    const a = this.networkAcls.get(networkAclId);
    if (!a) return undefined;
    return {
      networkAclId: a.networkAclId,
      vpcId: a.vpcId,
      isDefault: a.isDefault,
      tags: { ...a.tags },
      entries: a.entries.map((e) => ({ ...e })),
      associations: [...this.aclAssociations.values()].filter((x) => x.networkAclId === networkAclId).map((x) => ({ ...x })),
    };
  }

  /** The network ACL a subnet is associated with. */
  subnetAcl(subnetId: string): NetworkAcl | undefined {
    const a = [...this.aclAssociations.values()].find((x) => x.subnetId === subnetId);
    return a ? this.networkAcl(a.networkAclId) : undefined;
  }

  private requireAcl(networkAclId: string) {
    const acl = this.networkAcls.get(networkAclId);
    if (!acl) throw new Ec2Error('InvalidNetworkAclID.NotFound', `The networkAcl ID '${networkAclId}' does not exist`);
    return acl;
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
  createPrefixList(
    name: string,
    cidrs: readonly string[],
    opts: { prefixListId?: string; ownerId?: string; tags?: Tags; addressFamily?: 'IPv4' | 'IPv6' } = {},
  ): string {
    const prefixListId = opts.prefixListId ?? this.ids.make('pl');
    this.prefixLists.set(prefixListId, {
      prefixListId,
      name,
      entries: cidrs.map((c) => canonicalCidr(c) ?? c),
      ownerId: opts.ownerId ?? this.account,
      version: 1,
      tags: opts.tags ?? {},
      addressFamily: opts.addressFamily ?? (cidrs.some((c) => c.includes(':')) ? 'IPv6' : 'IPv4'),
    });
    return prefixListId;
  }

  /** DescribeManagedPrefixLists of one id: `undefined` when there is no such list. */
  describePrefixList(prefixListId: string): PrefixList | undefined {
    const l = this.prefixLists.get(prefixListId);
    return l
      ? { prefixListId, name: l.name, addressFamily: l.addressFamily, ownerId: l.ownerId, version: l.version, state: 'create-complete', tags: { ...l.tags } }
      : undefined;
  }

  /**
   * GetManagedPrefixListAssociations: the security groups whose rules name the list (ingress or egress)
   * and the route tables with a route to it, each once, owned by this account.
   */
  prefixListAssociations(prefixListId: string): PrefixListAssociation[] {
    if (!this.prefixLists.has(prefixListId)) throw new Ec2Error('InvalidPrefixListID.NotFound', `The prefix list ID '${prefixListId}' does not exist`);
    const groups = new Set([...this.rules.values()].filter((r) => r.prefixListId === prefixListId).map((r) => r.groupId));
    const tables = [...this.routeTables.values()].filter((t) => t.routes.some((r) => r.prefixListId === prefixListId)).map((t) => t.routeTableId);
    return [...groups, ...tables].map((resourceId) => ({ resourceId, resourceOwner: this.account }));
  }

  /**
   * ModifyManagedPrefixList: add and remove entries, one new version. A `currentVersion` that is not the
   * list's is refused ("If you specify a current version number that does not match the true current
   * version number, the request fails", EC2 API Reference); an AWS-managed list cannot be modified.
   */
  modifyPrefixList(prefixListId: string, change: { currentVersion?: number; add?: readonly string[]; remove?: readonly string[] }): number {
    const list = this.prefixLists.get(prefixListId);
    if (!list) throw new Ec2Error('InvalidPrefixListID.NotFound', `The prefix list ID '${prefixListId}' does not exist`);
    if (list.ownerId !== this.account) throw new Ec2Error('UnauthorizedOperation', `You are not authorized to modify ${prefixListId}`);
    if (change.currentVersion !== undefined && change.currentVersion !== list.version) {
      // The simulated account's own code: EC2's error page names none for this refusal, and LayerGuard reads no code of it.
      throw new Ec2Error('PrefixListVersionMismatch', `The prefix list ${prefixListId} is at version ${list.version}, not ${change.currentVersion}`);
    }
    const remove = (change.remove ?? []).map((c) => canonicalCidr(c) ?? c);
    const missing = remove.filter((c) => !list.entries.includes(c));
    if (missing.length > 0) throw new Ec2Error('InvalidPrefixListModification', `The prefix list ${prefixListId} has no entry ${missing.join(', ')}`);
    const add = (change.add ?? []).map((c) => canonicalCidr(c) ?? c).filter((c) => !list.entries.includes(c));
    list.entries = [...list.entries.filter((c) => !remove.includes(c)), ...add];
    list.version += 1;
    return list.version;
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
    const acl = this.networkAcls.get(resourceId);
    if (acl) return void (acl.tags = { ...acl.tags, ...tags });
    const list = this.prefixLists.get(resourceId);
    if (list) return void (list.tags = { ...list.tags, ...tags });
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
