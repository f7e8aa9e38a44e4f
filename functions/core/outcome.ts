import type { FlowEvidence } from './flow-evidence.js';
import type { NetworkAclEntry, RouteDestination, RouteTarget, RuleDefinition, SgRule } from './network.js';

/** The stable vocabulary of what came of one trigger (logs, notifications, CLI and tests use it). */
export const OUTCOME_STATUSES = [
  'remediated',
  'already-compliant',
  'ignored',
  'exempt',
  'dry-run',
  'alert-only',
  'failed',
] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** Who changed what, when and from where: copied from the CloudTrail record, never interpreted. */
export interface Trigger {
  readonly eventId: string;
  readonly eventName: string;
  /** As the record says it; absent when it does not say (then the time to revert is unknown). */
  readonly eventTime?: string;
  readonly eventSource: string;
  /** `aws.ec2` (CloudTrail), `layerguard.gameday`, or `runbook`. */
  readonly source: string;
  readonly actorArn?: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly account?: string;
  /** The account's name in the organisation (Organizations DescribeAccount), when known: not from the record. */
  readonly accountAlias?: string;
  readonly region?: string;
}

/** Drift: a state the policy forbids, found in the live network. */
export type Drift =
  | {
      readonly kind: 'sg-world-open';
      readonly groupId: string;
      /** The group's tier (`policy.tiers.chain`, by its tags), when it is in one: what the drift's severity weighs. */
      readonly tier?: string;
      readonly rules: readonly SgRule[];
    }
  | {
      /** Ingress of a tier's group from a tier that may not reach it (`policy.tiers.chain`). */
      readonly kind: 'sg-tier-skip';
      readonly groupId: string;
      /** The group's tier. */
      readonly tier: string;
      readonly rules: readonly SgRule[];
      /** By rule id: where its source lands, "web (sg-0web)" or "web (subnet-0a), …". */
      readonly reached: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'forbidden-route-on-isolated-subnet';
      readonly routeTableId: string;
      readonly destination: RouteDestination;
      readonly target: RouteTarget;
      /** The isolated subnets that use the table (explicitly or through the main table). */
      readonly subnetIds: readonly string[];
    }
  | {
      /** A default route to a target whose kind its id cannot tell (`isolated.unknownDefaultRoute`). */
      readonly kind: 'unknown-default-route-on-isolated-subnet';
      readonly routeTableId: string;
      readonly destination: RouteDestination;
      readonly target: RouteTarget;
      readonly subnetIds: readonly string[];
    }
  | {
      readonly kind: 'isolated-subnet-on-internet-table';
      readonly subnetId: string;
      /** The subnet's explicit association; absent when it uses the VPC's main table implicitly. */
      readonly associationId?: string;
      readonly routeTableId: string;
      /** Where the subnet goes back to; absent when no single isolated table is known (alert only). */
      readonly isolatedRouteTableId?: string;
    }
  | {
      /** An allow ingress entry from the internet, not shadowed by a lower deny, on an isolated tier's network ACL. */
      readonly kind: 'internet-entry-on-isolated-acl';
      readonly networkAclId: string;
      readonly entry: NetworkAclEntry;
      /** The isolated subnets associated with the ACL. */
      readonly subnetIds: readonly string[];
    }
  | {
      /**
       * Entries that are the internet, added to a customer-managed prefix list that guarded groups
       * reference (ModifyManagedPrefixList): through the list, those groups' rules admit the internet.
       */
      readonly kind: 'prefix-list-internet-entry';
      readonly prefixListId: string;
      /** The entries (CIDRs) to remove, as the list holds them. */
      readonly cidrs: readonly string[];
      /** The guarded groups whose ingress the entries open (not exempt, not the public tier on an allowed port). */
      readonly groupIds: readonly string[];
      /** Every resource that references the list (groups, route tables, other accounts'): named in the notice. */
      readonly referencedBy: readonly string[];
    }
  | {
      /**
       * Entries added to a customer-managed prefix list that a tier's group names in its ingress, which
       * cover the subnets of a tier that may not reach that group's tier (`policy.tiers`): through the
       * list, the group admits a tier that skips one.
       */
      readonly kind: 'prefix-list-tier-entry';
      readonly prefixListId: string;
      /** The entries (CIDRs) to remove, as the list holds them. */
      readonly cidrs: readonly string[];
      /** The tiers' groups the entries reach into. */
      readonly groupIds: readonly string[];
      /** By entry: where it lands and whose tier may not be reached from there, "web (subnet-0a) into sg-0db (database)". */
      readonly reached: Readonly<Record<string, string>>;
      readonly referencedBy: readonly string[];
    }
  | {
      readonly kind: 'isolated-subnet-on-internet-acl';
      readonly subnetId: string;
      readonly associationId: string;
      readonly networkAclId: string;
      /** Where the subnet goes back to; absent when no single isolated ACL is known (alert only). */
      readonly isolatedNetworkAclId?: string;
    };

/** A change LayerGuard makes (or would make, in dry-run). `result` is set once it has run. */
export type Action =
  | {
      readonly type: 'revoke-ingress';
      readonly groupId: string;
      readonly ruleIds: readonly string[];
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      /** ModifySecurityGroupRules: each rule, by its id, back to its definition before the change (from AWS Config). */
      readonly type: 'restore-ingress';
      readonly groupId: string;
      readonly rules: readonly { readonly ruleId: string; readonly definition: RuleDefinition }[];
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      /** ReplaceRoute: the route back to its target before the change (from AWS Config). */
      readonly type: 'replace-route';
      readonly routeTableId: string;
      readonly destination: RouteDestination;
      readonly target: RouteTarget;
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      readonly type: 'delete-route';
      readonly routeTableId: string;
      readonly destination: RouteDestination;
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      readonly type: 'replace-association';
      readonly associationId: string;
      readonly subnetId: string;
      readonly fromRouteTableId: string;
      readonly toRouteTableId: string;
      readonly newAssociationId?: string;
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      /** DeleteNetworkAclEntry: the entry of this rule number and direction; never a default (`*`) entry. */
      readonly type: 'delete-nacl-entry';
      readonly networkAclId: string;
      readonly ruleNumber: number;
      readonly egress: boolean;
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      /** ReplaceNetworkAclAssociation: an isolated subnet back onto its tier's ACL. */
      readonly type: 'replace-nacl-association';
      readonly associationId: string;
      readonly subnetId: string;
      readonly fromNetworkAclId: string;
      readonly toNetworkAclId: string;
      readonly newAssociationId?: string;
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      /** ModifyManagedPrefixList `RemoveEntries`: exactly these CIDRs, at the list's live `currentVersion`. */
      readonly type: 'remove-prefix-list-entries';
      readonly prefixListId: string;
      readonly currentVersion?: number;
      readonly cidrs: readonly string[];
      readonly result?: 'done' | 'already-gone' | 'skipped';
    }
  | {
      /** AssociateRouteTable: a subnet that used the main table implicitly gets an explicit association. */
      readonly type: 'associate-subnet';
      readonly subnetId: string;
      readonly fromRouteTableId: string;
      readonly toRouteTableId: string;
      readonly newAssociationId?: string;
      readonly result?: 'done' | 'already-gone' | 'skipped';
    };

/** Drift left as it is because an exemption covers it; `reason` is the exemption as the decision words it. */
export interface SetAside {
  readonly drift: Drift;
  readonly reason: string;
}

/** What one trigger came to. Serialisable as JSON; the CLI's `--json` prints it as it is. */
export interface Outcome {
  readonly outcome: OutcomeStatus;
  readonly reason: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly trigger: Trigger;
  /** Resource ids the outcome is about (group, route table, subnets). */
  readonly resources: readonly string[];
  readonly drift: readonly Drift[];
  /**
   * Drift an exemption leaves as it is, each with the exemption's words (`describeExemption`: the id, the
   * `until` day, the tag's reason): what a suppressed Security Hub finding reports. Kept apart from
   * `drift`, which lists what the outcome judged and, where it says so, reverted or would revert.
   */
  readonly setAside?: readonly SetAside[];
  readonly actions: readonly Action[];
  /** The relevant state before and after (rules, routes, associations); free-form per resource kind. */
  readonly before?: unknown;
  readonly after?: unknown;
  /** Seconds from the change (the event's time) to the verified revert. */
  readonly secondsOpen?: number;
  /** What a person must do, when LayerGuard could not (alert-only, failed). */
  readonly humanAction?: string;
  /**
   * A reconciler's fight: the same drift by the same actor came back more than `reconciler.maxRepeats`
   * times within the window, so it was not reverted (`alert-only`). `quiet` when a person was already
   * told of this fight inside the window: then it stays on the bus.
   */
  readonly fight?: { readonly actorArn: string; readonly reverts: number; readonly windowMinutes: number; readonly quiet: boolean };
  /**
   * Set only on the follow-up notice of a `remediated` world-open revert (the `flowLogEvidence` switch):
   * whether the flow logs show the window was used.
   */
  readonly evidence?: FlowEvidence;
  /**
   * With `configRestore` on, for a ModifySecurityGroupRules or ReplaceRoute whose drift was reverted:
   * where the definition put back came from. `aws-config`: the configuration item captured at
   * `restore.capturedAt`; `none`: revoked or deleted as without the switch, `restore.why` says why.
   */
  readonly restoredFrom?: 'aws-config' | 'none';
  readonly restore?: { readonly capturedAt?: string; readonly why?: string };
  /** The error, for `failed`. */
  readonly error?: { readonly name: string; readonly message: string; readonly code?: string };
}
