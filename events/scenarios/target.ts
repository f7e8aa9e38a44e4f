import type { NetworkApi, RouteDestination, RouteTable, RouteTarget, SgRule } from '../../functions/core/network.js';
import type { RuleRequest } from '../simulated-account/account.js';

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
  /** The db tier's rule that admits the app tier (ModifySecurityGroupRules scenarios edit it). */
  readonly dbFromAppRuleId: string;
}

/** An injected change: its EventBridge event (CloudTrail record inside) and when it was made. */
export interface Injection {
  readonly event: Record<string, unknown>;
  readonly eventId: string;
  readonly injectedAt: number;
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
  authorizeIngress(groupId: string, rules: readonly RuleRequest[], opts?: InjectOptions): Promise<Injection>;
  modifyRule(groupId: string, ruleId: string, rule: RuleRequest): Promise<Injection>;
  createRoute(routeTableId: string, destination: RouteDestination, target: RouteTarget): Promise<Injection>;
  /** ReplaceRouteTableAssociation of the subnet's explicit association onto another table. */
  moveSubnet(subnetId: string, routeTableId: string): Promise<Injection>;
  /** Removes the subnets' explicit associations, so they use the VPC's main table implicitly (setup). */
  useMainTable(subnetIds: readonly string[]): Promise<void>;
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
