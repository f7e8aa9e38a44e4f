import { canonicalCidr } from './cidr.js';
import { describeEntry } from './network-acl.js';
import type { Action, Drift } from './outcome.js';
import { describeDestination } from './route-table.js';
import { describeRule } from './security-group.js';

/**
 * One Security Hub finding's worth of drift: a security-group rule, a route, a network-ACL entry, a
 * prefix-list entry, or an isolated subnet's placement. A Drift may hold several (a group with two
 * world-open rules): each gets its own finding, so that a later outcome about one of them (revoked,
 * or back) updates exactly that finding.
 */
export interface DriftUnit {
  readonly kind: Drift['kind'];
  /** The EC2 resource the finding is about (`sg-…`, `rtb-…`, `acl-…`, `pl-…`, `subnet-…`). */
  readonly resourceId: string;
  /** What names the unit within the resource, in one spelling: a rule id, a canonical CIDR, `ingress-120`; empty for a placement. */
  readonly detail: string;
  /** The unit in words, for the title ("tcp/22 from 0.0.0.0/0"). */
  readonly what: string;
  /** The tier the unit is on, when the drift says (`sg-world-open`, `sg-tier-skip`). */
  readonly tier?: string;
  /** Other resources the finding names: the isolated subnets behind a table, the groups a list opens. */
  readonly related: readonly string[];
}

/** One spelling per unit: EC2 ids are lower case; a CIDR is as EC2 stores it (`10.9.9.9/8` is `10.0.0.0/8`). */
const oneSpelling = (text: string): string => canonicalCidr(text) ?? text.trim().toLowerCase();

const destinationKey = (d: { cidrIpv4?: string; cidrIpv6?: string; prefixListId?: string }): string =>
  oneSpelling(describeDestination(d));

/** The units of one drift. */
export function unitsOf(drift: Drift): DriftUnit[] {
  switch (drift.kind) {
    case 'sg-world-open':
    case 'sg-tier-skip':
      return drift.rules.map((rule) => ({
        kind: drift.kind,
        resourceId: drift.groupId,
        detail: oneSpelling(rule.ruleId),
        what:
          drift.kind === 'sg-tier-skip'
            ? `${describeRule(rule)} (${drift.reached[rule.ruleId] ?? 'another tier'})`
            : describeRule(rule),
        ...(drift.tier !== undefined ? { tier: drift.tier } : {}),
        related: [],
      }));
    case 'forbidden-route-on-isolated-subnet':
    case 'unknown-default-route-on-isolated-subnet':
      return [
        {
          kind: drift.kind,
          resourceId: drift.routeTableId,
          detail: destinationKey(drift.destination),
          what: `route ${describeDestination(drift.destination)}`,
          related: drift.subnetIds,
        },
      ];
    case 'isolated-subnet-on-internet-table':
      return [{ kind: drift.kind, resourceId: drift.subnetId, detail: '', what: `on ${drift.routeTableId}`, related: [drift.routeTableId] }];
    case 'internet-entry-on-isolated-acl':
      return [
        {
          kind: drift.kind,
          resourceId: drift.networkAclId,
          detail: `${drift.entry.egress ? 'egress' : 'ingress'}-${drift.entry.ruleNumber}`,
          what: describeEntry(drift.entry),
          related: drift.subnetIds,
        },
      ];
    case 'isolated-subnet-on-internet-acl':
      return [{ kind: drift.kind, resourceId: drift.subnetId, detail: '', what: `on ${drift.networkAclId}`, related: [drift.networkAclId] }];
    case 'prefix-list-internet-entry':
    case 'prefix-list-tier-entry':
      return drift.cidrs.map((cidr) => ({
        kind: drift.kind,
        resourceId: drift.prefixListId,
        detail: oneSpelling(cidr),
        what:
          drift.kind === 'prefix-list-tier-entry' ? `entry ${cidr} (${drift.reached[cidr] ?? 'another tier'})` : `entry ${cidr}`,
        related: drift.groupIds,
      }));
  }
}

/** Whether an action did away with the unit (done, or found already gone): then it is reverted. */
export function isRevertedBy(unit: DriftUnit, action: Action): boolean {
  if (action.result !== 'done' && action.result !== 'already-gone') return false;
  const same = (a: string | undefined) => a !== undefined && oneSpelling(a) === oneSpelling(unit.resourceId);
  switch (action.type) {
    case 'revoke-ingress':
      return same(action.groupId) && action.ruleIds.some((id) => oneSpelling(id) === unit.detail);
    case 'restore-ingress':
      // The rule keeps its id and gets its definition back: the world-open source it had is gone.
      return same(action.groupId) && action.rules.some((r) => oneSpelling(r.ruleId) === unit.detail);
    case 'delete-route':
    case 'replace-route':
      return same(action.routeTableId) && destinationKey(action.destination) === unit.detail;
    case 'replace-association':
    case 'associate-subnet':
      return unit.kind === 'isolated-subnet-on-internet-table' && same(action.subnetId);
    case 'delete-nacl-entry':
      return same(action.networkAclId) && `${action.egress ? 'egress' : 'ingress'}-${action.ruleNumber}` === unit.detail;
    case 'replace-nacl-association':
      return unit.kind === 'isolated-subnet-on-internet-acl' && same(action.subnetId);
    case 'remove-prefix-list-entries':
      return same(action.prefixListId) && action.cidrs.some((c) => oneSpelling(c) === unit.detail);
  }
}

/** ASFF resource types (`Resources[].Type`) and the ARN's resource type, by the id's prefix. */
export const RESOURCE_KINDS: Readonly<Record<string, { readonly asff: string; readonly arnType: string }>> = {
  sg: { asff: 'AwsEc2SecurityGroup', arnType: 'security-group' },
  rtb: { asff: 'AwsEc2RouteTable', arnType: 'route-table' },
  subnet: { asff: 'AwsEc2Subnet', arnType: 'subnet' },
  acl: { asff: 'AwsEc2NetworkAcl', arnType: 'network-acl' },
  // ASFF has no type for a managed prefix list (its resource details list none): "If the resource does
  // not match any of the provided types, then set Type to Other" (the SDK's `Resource.Type`).
  pl: { asff: 'Other', arnType: 'prefix-list' },
};
