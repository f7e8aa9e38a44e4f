/**
 * The network as LayerGuard sees it, and the `NetworkApi` port through which it reads and changes it.
 * The EC2 adapter and the simulated account both implement the port; nothing in `core` calls AWS.
 */

export type Tags = Readonly<Record<string, string>>;

/**
 * The most values one EC2 filter takes: past it EC2 answers FilterLimitExceeded ("The maximum number of
 * filter values specified on a single call is 200").
 */
export const FILTER_VALUES_MAX = 200;

/** A security group, without its rules (those come from `listRules`, with their ids). */
export interface SecurityGroup {
  readonly groupId: string;
  readonly groupName: string;
  readonly vpcId?: string;
  readonly tags: Tags;
  /**
   * The internet-facing load balancers the group is attached to (names), when they were read: the
   * public tier as AWS shows it. Left out when not read (the decision then knows the tags only).
   */
  readonly internetFacingLoadBalancers?: readonly string[];
}

/**
 * A load balancer, as Elastic Load Balancing describes it: v2 (application, network, gateway) or
 * Classic. `internetFacing` is `Scheme` = `internet-facing` (v2: `LoadBalancerSchemeEnum`; Classic:
 * `LoadBalancerDescription.Scheme`, "internet-facing" or "internal").
 */
export interface LoadBalancer {
  readonly name: string;
  readonly kind: 'application' | 'network' | 'gateway' | 'classic';
  readonly internetFacing: boolean;
  readonly vpcId?: string;
  readonly securityGroupIds: readonly string[];
}

/** One security group rule, as DescribeSecurityGroupRules returns it. `protocol` is EC2's: '-1', 'tcp', '6'... */
export interface SgRule {
  readonly ruleId: string;
  readonly groupId: string;
  readonly isEgress: boolean;
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
  readonly referencedGroupId?: string;
  readonly description?: string;
}

/**
 * A rule's definition as ModifySecurityGroupRules takes it (the SDK's `SecurityGroupRuleRequest`,
 * @aws-sdk/client-ec2: IpProtocol, FromPort, ToPort, CidrIpv4, CidrIpv6, PrefixListId,
 * ReferencedGroupId, Description): one source, and the rule keeps its id.
 */
export type RuleDefinition = Pick<
  SgRule,
  'protocol' | 'fromPort' | 'toPort' | 'cidrIpv4' | 'cidrIpv6' | 'prefixListId' | 'referencedGroupId' | 'description'
>;

/** What a route sends traffic to. Exactly one field is set for a real route. */
export interface RouteTarget {
  readonly gatewayId?: string; // igw-..., vgw-..., or 'local'
  readonly natGatewayId?: string;
  readonly egressOnlyInternetGatewayId?: string;
  readonly transitGatewayId?: string;
  readonly vpcPeeringConnectionId?: string;
  readonly networkInterfaceId?: string;
  readonly instanceId?: string;
  readonly vpcEndpointId?: string;
  readonly carrierGatewayId?: string;
  readonly localGatewayId?: string;
  readonly coreNetworkArn?: string;
}

/** A route's destination: one of an IPv4 CIDR, an IPv6 CIDR or a prefix list. */
export interface RouteDestination {
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
}

export interface Route extends RouteDestination, RouteTarget {
  readonly state?: 'active' | 'blackhole';
  readonly origin?: 'CreateRouteTable' | 'CreateRoute' | 'EnableVgwRoutePropagation';
}

export interface RouteTableAssociation {
  readonly associationId: string;
  readonly routeTableId: string;
  readonly main: boolean;
  readonly subnetId?: string;
  readonly gatewayId?: string;
}

export interface RouteTable {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly routes: readonly Route[];
  readonly associations: readonly RouteTableAssociation[];
  readonly tags: Tags;
}

export interface Subnet {
  readonly subnetId: string;
  readonly vpcId: string;
  readonly cidrIpv4?: string;
  /** The subnet's IPv6 CIDRs that are associated (the SDK's `Ipv6CidrBlockAssociationSet`, state `associated`). */
  readonly cidrIpv6?: readonly string[];
  readonly tags: Tags;
}

/**
 * One entry (rule) of a network ACL, as DescribeNetworkAcls returns it (the SDK's `NetworkAclEntry`,
 * @aws-sdk/client-ec2 models_1.d.ts). `protocol` is a number in a string, '-1' for all ("The
 * protocol number. A value of "-1" means all protocols"); LayerGuard holds it in that form whatever
 * spelling a request used (`canonicalAclProtocol`). An entry is known by its rule number and
 * direction: "Each network ACL has a set of numbered ingress rules and a separate set of numbered
 * egress rules" (`CreateNetworkAclEntryRequest`, models_2.d.ts).
 */
export interface NetworkAclEntry {
  readonly ruleNumber: number;
  readonly egress: boolean;
  readonly ruleAction: 'allow' | 'deny';
  readonly protocol: string;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  /** tcp (6) and udp (17) only: EC2 ignores a range on other protocols. */
  readonly portRange?: { readonly from: number; readonly to: number };
  /** icmp (1) and icmpv6 (58): -1 is any type or any code. */
  readonly icmpTypeCode?: { readonly type: number; readonly code: number };
}

/** A subnet's association with a network ACL: every subnet has exactly one. */
export interface NetworkAclAssociation {
  readonly associationId: string;
  readonly networkAclId: string;
  readonly subnetId: string;
}

export interface NetworkAcl {
  readonly networkAclId: string;
  readonly vpcId: string;
  /** The VPC's default ACL: new subnets are associated with it. */
  readonly isDefault: boolean;
  readonly entries: readonly NetworkAclEntry[];
  readonly associations: readonly NetworkAclAssociation[];
  readonly tags: Tags;
}

/**
 * A managed prefix list as DescribeManagedPrefixLists returns it (the SDK's `ManagedPrefixList`,
 * @aws-sdk/client-ec2 models_1.d.ts): "The ID of the owner of the prefix list" is `AWS` for the lists
 * AWS manages (moto 5.2 the same: `owner_id="AWS"` in `create_default_pls`), else the account's id.
 * `version` is the list's current version: "Adding or removing entries in a prefix list creates a new
 * version" (EC2 API Reference, ModifyManagedPrefixList).
 */
export interface PrefixList {
  readonly prefixListId: string;
  readonly name?: string;
  /** `IPv4` or `IPv6` ("The IP address version"). */
  readonly addressFamily?: string;
  readonly ownerId?: string;
  readonly version?: number;
  /** e.g. `create-complete`, `modify-in-progress` (the SDK's `PrefixListState`). */
  readonly state?: string;
  readonly tags: Tags;
}

/**
 * A resource that references a prefix list, as GetManagedPrefixListAssociations returns it (the SDK's
 * `PrefixListAssociation`, models_6.d.ts: `ResourceId`, "The ID of the resource"; `ResourceOwner`, "The
 * owner of the resource"): a security group (`sg-`) or a route table (`rtb-`), possibly of another
 * account that the list is shared with.
 */
export interface PrefixListAssociation {
  readonly resourceId: string;
  readonly resourceOwner?: string;
}

/** Which route tables a page walk returns: one VPC's, and or only main tables (one per VPC). */
export interface RouteTableFilter {
  readonly vpcId?: string;
  readonly main?: true;
}

/** What came of a mutating call: done, or the thing was already gone (idempotent success). */
export type ChangeResult = 'done' | 'already-gone';

/** What RevokeSecurityGroupIngress answered. `confirmedRuleIds` is set when the response lists the revoked rules. */
export interface RevokeResult {
  readonly result: ChangeResult;
  readonly confirmedRuleIds?: readonly string[];
}

export interface ReplaceAssociationResult {
  readonly result: ChangeResult;
  readonly newAssociationId?: string;
}

/**
 * The port: every read and write LayerGuard makes on a network. Implementations map EC2's
 * "already gone" error codes to `already-gone` and throw `AwsCallError` for anything else.
 */
export interface NetworkApi {
  /** One group by id, or by name (optionally within a VPC); `undefined` when it does not exist. */
  getSecurityGroup(ref: { groupId?: string; groupName?: string; vpcId?: string }): Promise<SecurityGroup | undefined>;
  /** Every rule of the group (ingress and egress), with rule ids. */
  listRules(groupId: string): Promise<SgRule[]>;
  /**
   * Several groups by id in as few calls as EC2 allows; a group that does not exist is left out.
   * Optional: a batch's reads of many groups become one call where the network has it (pipeline/coalesce.ts).
   */
  getSecurityGroups?(groupIds: readonly string[]): Promise<SecurityGroup[]>;
  /** Every rule of several groups, as `listRules` of each (optional, as `getSecurityGroups`). */
  listRulesOf?(groupIds: readonly string[]): Promise<SgRule[]>;
  /** The CIDRs of a managed prefix list's entries, at its current version (a rule's source judged by them). */
  getPrefixListEntries(prefixListId: string): Promise<string[]>;
  /** One managed prefix list by id (DescribeManagedPrefixLists); `undefined` when it does not exist. */
  getPrefixList(prefixListId: string): Promise<PrefixList | undefined>;
  /** The resources that reference a managed prefix list (GetManagedPrefixListAssociations, every page). */
  getPrefixListAssociations(prefixListId: string): Promise<PrefixListAssociation[]>;
  /**
   * ModifyManagedPrefixList with `RemoveEntries` of exactly these CIDRs and `CurrentVersion`: EC2 refuses
   * the call when the version is not the list's current one. No error is "already gone": a failed call
   * throws, and the caller reads the list again.
   */
  removePrefixListEntries(prefixListId: string, currentVersion: number | undefined, cidrs: readonly string[]): Promise<ChangeResult>;
  /** Revoke ingress rules by `SecurityGroupRuleIds`, never by permission, so nothing else in the group goes. */
  revokeIngress(groupId: string, ruleIds: readonly string[]): Promise<RevokeResult>;

  getRouteTable(routeTableId: string): Promise<RouteTable | undefined>;
  listRouteTables(vpcId: string): Promise<RouteTable[]>;
  listSubnets(vpcId: string): Promise<Subnet[]>;
  /** One subnet by id; `undefined` when it does not exist. */
  getSubnet(subnetId: string): Promise<Subnet | undefined>;
  deleteRoute(routeTableId: string, destination: RouteDestination): Promise<ChangeResult>;
  /**
   * ModifySecurityGroupRules of one ingress rule, by its id, to `definition` (a restore from AWS Config:
   * the rule keeps its id). `already-gone` when the group or the rule no longer exists.
   */
  modifyIngressRule(groupId: string, ruleId: string, definition: RuleDefinition): Promise<ChangeResult>;
  /** ReplaceRoute: the route to `destination` points at `target` (a restore from AWS Config); `already-gone` when the route or table is gone. */
  replaceRoute(routeTableId: string, destination: RouteDestination, target: RouteTarget): Promise<ChangeResult>;
  replaceRouteTableAssociation(associationId: string, routeTableId: string): Promise<ReplaceAssociationResult>;
  /** AssociateRouteTable for a subnet that has no explicit association (it used the main table implicitly). */
  associateRouteTable(routeTableId: string, subnetId: string): Promise<ReplaceAssociationResult>;

  /** Security groups page by page, for sweeps (optionally one VPC). */
  pageSecurityGroups(filter?: { vpcId?: string }): AsyncIterable<SecurityGroup[]>;
  /** Route tables page by page, for sweeps: optionally one VPC, or only the VPCs' main tables. */
  pageRouteTables(filter?: RouteTableFilter): AsyncIterable<RouteTable[]>;

  /** One network ACL by id; `undefined` when it does not exist. */
  getNetworkAcl(networkAclId: string): Promise<NetworkAcl | undefined>;
  /** Every network ACL of a VPC, with its entries and associations. */
  listNetworkAcls(vpcId: string): Promise<NetworkAcl[]>;
  /** Network ACLs page by page, for sweeps (optionally one VPC). */
  pageNetworkAcls(filter?: { vpcId?: string }): AsyncIterable<NetworkAcl[]>;
  /** DeleteNetworkAclEntry by rule number and direction: the entry, never the ACL. */
  deleteNetworkAclEntry(networkAclId: string, ruleNumber: number, egress: boolean): Promise<ChangeResult>;
  /** ReplaceNetworkAclAssociation: the subnet of `associationId` moves onto `networkAclId`. */
  replaceNetworkAclAssociation(associationId: string, networkAclId: string): Promise<ReplaceAssociationResult>;

  /** Every load balancer of the region (ELBv2 and Classic), with its scheme and security groups. */
  listLoadBalancers(): Promise<LoadBalancer[]>;
}
