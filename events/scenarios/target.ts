import type { NetworkAcl, NetworkAclEntry, NetworkApi, RouteDestination, RouteTable, RouteTarget, SgRule } from '../../functions/core/network.js';
import type { Reach } from '../../functions/pipeline/deps.js';
import type { RuleRequest } from '../simulated-account/account.js';
import type { SimulatedFlowLogs } from '../simulated-account/flow-logs.js';
import type { SimulatedSecurityHub } from '../simulated-account/security-hub.js';

/** The resources of a three-tier network a game day plays on (the baseline's, or a sandbox VPC's). */
export interface TierIds {
  readonly vpcId: string;
  readonly internetGatewayId: string;
  readonly natGatewayId?: string;
  readonly subnets: { readonly public1: string; readonly private1: string; readonly database1: string; readonly database2: string };
  readonly routeTables: { readonly main: string; readonly public: string; readonly private: string; readonly database: string };
  readonly securityGroups: { readonly web: string; readonly app: string; readonly db: string; readonly exempt: string };
  /** An empty group nothing uses, where the `canary` scenario runs the production canary's code (EC2 targets). */
  readonly canaryGroup?: string;
  /** The VPC's default network ACL and the database tier's (targets that model network ACLs). */
  readonly networkAcls?: { readonly default: string; readonly database: string };
  /** The db tier's rule that admits the app tier (ModifySecurityGroupRules scenarios edit it). */
  readonly dbFromAppRuleId: string;
  /** Customer-managed prefix lists: office ranges (not the internet), and one whose entry is 0.0.0.0/0. */
  readonly prefixLists: { readonly office: string; readonly everywhere: string };
}

/** An account and a region: where a change was made, where LayerGuard acts. */
export interface Where {
  readonly account: string;
  readonly region: string;
}

/** An injected change: its EventBridge event (CloudTrail record inside) and when it was made. */
export interface Injection {
  readonly event: Record<string, unknown>;
  readonly eventId: string;
  readonly injectedAt: number;
  /** Where the change was made, when not in the target's own account and region (a member's). */
  readonly where?: Where;
  /**
   * How many times the event reaches the hub (default 1): 2 when it also comes on a second path, an
   * organisation trail's forwarding or a redeployed rule. LayerGuard must revert once and tell once.
   */
  readonly paths?: number;
  /** More drift of the same scenario, delivered after this one: the scenario's check judges what became of it. */
  readonly also?: readonly Injection[];
}

/** The two member account-regions a game day across accounts plays in. */
export type MemberName = 'member' | 'other';

/**
 * A game day across an organisation: the hub's functions reach each member through its member role;
 * a member's rule forwards its drift events to the hub's bus (the same patterns at the source).
 */
export interface OrganizationTarget {
  /** Where the hub's functions run. */
  readonly hub: Where;
  /** How the hub's functions reach each account and region (the member role's credentials). */
  readonly reach: Reach;
  /** A member account-region's own three-tier network: drift is made there as a person there would (made once per scenario). */
  member(name: MemberName): Promise<GamedayTarget>;
  /** Makes the hub unable to assume the member role of `name` (targets that can model it). */
  breakMemberRole?(name: MemberName): Promise<void>;
}

export interface InjectOptions {
  /** Make the call fail with this code (a negative control: nothing changes, the record has `errorCode`). */
  readonly failWith?: string;
}

/**
 * Where a game day plays: it injects drift as a person would (returning the CloudTrail event the
 * call produced), reads state back to check the result, and hands LayerGuard its `NetworkApi`.
 */
export interface GamedayTarget {
  readonly kind: 'simulated' | 'emulator' | 'aws';
  readonly ids: TierIds;
  readonly network: NetworkApi;
  /** The target's Security Hub, where the game day scores the findings (the simulated account's). */
  readonly securityHub?: SimulatedSecurityHub;
  /**
   * The target's VPC flow logs and Logs Insights, where the game day scores the flow-log evidence (the
   * simulated account's); where a target has none, evidence is not scored.
   */
  readonly flowLogs?: SimulatedFlowLogs;
  /** The account and region this target's network is in (known once it is built). */
  readonly where?: Where;
  /** Member accounts reached from this target's account as the hub: targets that model several accounts. */
  organization?(): Promise<OrganizationTarget>;
  authorizeIngress(groupId: string, rules: readonly RuleRequest[], opts?: InjectOptions): Promise<Injection>;
  modifyRule(groupId: string, ruleId: string, rule: RuleRequest): Promise<Injection>;
  createRoute(routeTableId: string, destination: RouteDestination, target: RouteTarget): Promise<Injection>;
  /** ReplaceRouteTableAssociation of the subnet's explicit association onto another table. */
  moveSubnet(subnetId: string, routeTableId: string): Promise<Injection>;
  /** DisassociateRouteTable of the subnet's explicit association: it falls back to the VPC's main table. */
  disassociateSubnet(subnetId: string): Promise<Injection>;
  /** Removes the subnets' explicit associations, so they use the VPC's main table implicitly (setup). */
  useMainTable(subnetIds: readonly string[]): Promise<void>;
  /**
   * Network ACLs (targets that model them: `ids.networkAcls` is set). CreateNetworkAclEntry, or with
   * `replace` ReplaceNetworkAclEntry; ReplaceNetworkAclAssociation of the subnet's association; reads.
   */
  aclEntry?(networkAclId: string, entry: NetworkAclEntry, opts?: InjectOptions & { readonly replace?: boolean }): Promise<Injection>;
  moveSubnetAcl?(subnetId: string, networkAclId: string): Promise<Injection>;
  networkAcl?(networkAclId: string): Promise<NetworkAcl>;
  subnetAcl?(subnetId: string): Promise<NetworkAcl>;
  /**
   * ModifyManagedPrefixList adding entries at the list's current version, and the list's entries now
   * (targets that model what references a list: moto 5.2 has no GetManagedPrefixListAssociations).
   */
  modifyPrefixList?(prefixListId: string, add: readonly string[], opts?: InjectOptions): Promise<Injection>;
  prefixListEntries?(prefixListId: string): Promise<string[]>;
  ingressRules(groupId: string): Promise<SgRule[]>;
  routeTable(routeTableId: string): Promise<RouteTable>;
  /** The table a subnet uses: its explicit association, else the main table. */
  effectiveRouteTable(subnetId: string): Promise<RouteTable>;
  /**
   * Runs the production canary's own code (functions/adapters/canary.ts) against this target's EC2 API
   * on `ids.canaryGroup`, and returns the CloudTrail event its call produced. EC2 targets only.
   */
  canaryProbe?(): Promise<Injection>;
  /** Removes whatever the target created (sandbox resources); a no-op for the simulated account. */
  dispose(): Promise<void>;
}
