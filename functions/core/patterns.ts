import {
  CLOUDTRAIL_DETAIL_TYPE,
  DISASSOCIATION_EVENTS,
  EC2_SOURCE,
  GAMEDAY_SOURCE,
  NACL_ASSOCIATION_EVENTS,
  NACL_ENTRY_EVENTS,
  PREFIX_LIST_EVENTS,
  ROUTE_EVENTS,
  SECURITY_GROUP_EVENTS,
} from './cloudtrail.js';
import { matchesPattern } from './event-pattern.js';
import type { ForbiddenTargetKind, Policy } from './policy.js';
import { TARGET_ID_FIELDS, TARGET_ID_PREFIXES } from './route-table.js';

/**
 * The EventBridge patterns of LayerGuard's rules, built once from the policy. The stack deploys them,
 * the game-day router and `explain` match events against them, and the tests prove that every sample
 * which should fire matches the deployed pattern. They filter as much as the pattern language allows,
 * so that a Lambda runs only for calls that can be drift; the handlers check everything again.
 */

export type RuleName = 'security-group' | 'route-table' | 'network-acl' | 'prefix-list';
/** The functions the rules invoke: the network ACLs of isolated subnets are the route-table function's too. */
export type HandlerName = 'security-group' | 'route-table';

/** One EventBridge rule: its name, what it is for, the handler it invokes and its pattern. */
export interface RuleSpec {
  readonly name: RuleName;
  readonly description: string;
  readonly handler: HandlerName;
  readonly pattern: Record<string, unknown>;
  /** Filters that the pattern could not express (they stay in the handler); empty when none. */
  readonly notes: readonly string[];
}

export interface PatternOptions {
  /** Also match game-day events (source `layerguard.gameday`). */
  readonly gameday: boolean;
  /**
   * The EventBridge quota "event pattern size" in characters: 2048 by default, adjustable to 4096. A
   * pattern that would exceed it drops its CIDR filter (the handler still evaluates every CIDR).
   */
  readonly maxPatternSize?: number;
  /** With an organisation: the member role, whose calls in any account are LayerGuard's own. */
  readonly memberRole?: MemberRole;
}

export const DEFAULT_MAX_PATTERN_SIZE = 2048;

/** Suffixes `/0` … `/(minPrefix-1)`: a CIDR with any of them is broader than the policy allows. */
export const worldOpenSuffixes = (minPrefix: number): Array<{ suffix: string }> =>
  Array.from({ length: minPrefix }, (_, i) => ({ suffix: `/${i}` }));

/** The member role's name and the partition of its ARNs: LayerGuard's role in every member account. */
export interface MemberRole {
  readonly name: string;
  readonly partition: string;
}

/**
 * The session ARN of the member role in any account and any session, as an EventBridge `wildcard`:
 * `arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>` (CloudTrail `userIdentity.arn`
 * of an AssumedRole caller, which holds the role's name and not its path). "IAM user, group, role, and
 * policy names must be unique within the account" (IAM API reference, CreateRole `RoleName`), so the
 * name stands for the one member role of each account.
 */
export const memberSessionWildcard = (member: MemberRole): string =>
  `arn:${member.partition}:sts::*:assumed-role/${member.name}/*`;

/**
 * LayerGuard's own calls, excluded in the pattern: the roles whose exact ARNs are listed, by the ARN of
 * the role whose session made the call (`userIdentity.sessionContext.sessionIssuer.arn`, as the guard
 * reads it), and with an organisation the member role of every account, by its session ARN
 * (`userIdentity.arn`, EventBridge `anything-but` / `wildcard`: "Content filtering in Amazon EventBridge
 * event patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 * A field can carry one matcher per alternative only, and the alternatives of a field are OR-ed, so the
 * two exclusions (both must hold) are on two fields of one branch. `anything-but` never matches a missing
 * field, so a call with no session issuer (an IAM user, root, a service) is kept through the
 * `exists: false` branch, and one with an issuer but no session ARN through a nested branch of its own;
 * the handler's guard decides again.
 */
export function ownRoleExclusion(arns: readonly string[], member?: MemberRole): Record<string, unknown> {
  if (arns.length === 0 && !member) return {};
  const noIssuer = { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } };
  const issuerNotOwn = arns.length > 0 ? { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [...arns] }] } } } : {};
  if (!member) return { userIdentity: { $or: [noIssuer, issuerNotOwn] } };
  const withIssuer = arns.length > 0 ? issuerNotOwn : { sessionContext: { sessionIssuer: { arn: [{ exists: true }] } } };
  return {
    userIdentity: {
      $or: [
        noIssuer,
        { ...withIssuer, $or: [{ arn: [{ 'anything-but': { wildcard: memberSessionWildcard(member) } }] }, { arn: [{ exists: false }] }] },
      ],
    },
  };
}

function envelope(policy: Policy, options: PatternOptions): Record<string, unknown> {
  return {
    source: [EC2_SOURCE, ...(options.gameday ? [GAMEDAY_SOURCE] : [])],
    'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
    ...(policy.scope.accounts.length > 0 ? { account: [...policy.scope.accounts] } : {}),
    ...(policy.scope.regions.length > 0 ? { region: [...policy.scope.regions] } : {}),
  };
}

const size = (pattern: unknown): number => JSON.stringify(pattern).length;

/**
 * The security-group rule: ingress that admits a CIDR broader than the policy's prefix bounds or a
 * managed prefix list; with tiers judged, any IPv4 CIDR and a referenced group too.
 */
function securityGroupRule(policy: Policy, options: PatternOptions): RuleSpec {
  const own = ownRoleExclusion(policy.ownRoleArns, options.memberRole);
  const tiers = policy.tiers.chain.length > 0;
  // With tiers judged, any IPv4 CIDR may name another tier's subnets, which only the handler can tell
  // (it reads them): every IPv4 source matches, and the handler drops one outside `tiers.addressSpace`
  // that is not the internet with no call. Most rules name internal CIDRs, so a finer filter would
  // save few invocations and cost most of the size quota.
  const v4 = tiers ? [{ exists: true }] : worldOpenSuffixes(policy.worldOpen.ipv4MinPrefix);
  // Likewise any IPv6 CIDR: a subnet's IPv6 block can be any of the address space.
  const v6 = tiers ? [{ exists: true }] : worldOpenSuffixes(policy.worldOpen.ipv6MinPrefix);
  // Where a world-open CIDR appears, in every request form the SDK defines
  // (`AuthorizeSecurityGroupIngressRequest`, `ModifySecurityGroupRulesRequest`) as CloudTrail records it.
  // Nested `$or`s share the common part of the paths, to stay within the size quota.
  // A managed prefix list is judged by its entries, which only the handler can read: any rule naming one matches.
  const list = [{ exists: true }];
  const request = [
    // AuthorizeSecurityGroupIngress, IpPermissions: ipPermissions.items[].ipRanges.items[].cidrIp, and
    // ipPermissions.items[].prefixListIds.items[].prefixListId
    {
      ipPermissions: {
        items: {
          $or: [
            { ipRanges: { items: { cidrIp: v4 } } },
            { ipv6Ranges: { items: { cidrIpv6: v6 } } },
            { prefixListIds: { items: { prefixListId: list } } },
            // A source group (the SDK's `UserIdGroupPair`: GroupId, or GroupName in a default VPC).
            ...(tiers ? [{ groups: { items: { $or: [{ groupId: list }, { groupName: list }] } } }] : []),
          ],
        },
      },
    },
    // AuthorizeSecurityGroupIngress, the flat form: cidrIp at the top level (IPv4 only), or a source group by name
    { cidrIp: v4 },
    ...(tiers ? [{ sourceSecurityGroupName: list }] : []),
    // ModifySecurityGroupRules: ModifySecurityGroupRulesRequest.SecurityGroupRule[].SecurityGroupRule
    // (the SDK's `SecurityGroupRuleRequest`: CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupId)
    {
      ModifySecurityGroupRulesRequest: {
        SecurityGroupRule: {
          SecurityGroupRule: {
            $or: [{ CidrIpv4: v4 }, { CidrIpv6: v6 }, { PrefixListId: list }, ...(tiers ? [{ ReferencedGroupId: list }] : [])],
          },
        },
      },
    },
  ];
  // What EC2 created, whatever the request's form: responseElements.securityGroupRuleSet.items[]
  // (the SDK's `SecurityGroupRule`: ReferencedGroupInfo.GroupId for a source group)
  const response = {
    securityGroupRuleSet: {
      items: {
        $or: [
          { cidrIpv4: v4 },
          { cidrIpv6: v6 },
          { prefixListId: list },
          ...(tiers ? [{ referencedGroupInfo: { groupId: list } }] : []),
        ],
      },
    },
  };
  const worldOpen = [{ requestParameters: { $or: request } }, { responseElements: response }];
  const base = {
    ...envelope(policy, options),
    detail: {
      eventSource: ['ec2.amazonaws.com'],
      eventName: [...SECURITY_GROUP_EVENTS],
      errorCode: [{ exists: false }],
      ...own,
    },
  };
  const limit = options.maxPatternSize ?? DEFAULT_MAX_PATTERN_SIZE;
  // Within the quota, the fullest of: request and response; the request alone (it covers every
  // request form); no CIDR filter at all (the handler evaluates every CIDR anyway).
  const full = { ...base, detail: { ...base.detail, $or: worldOpen } };
  const requestOnly = { ...base, detail: { ...base.detail, requestParameters: { $or: request } } };
  const [pattern, notes] =
    size(full) <= limit
      ? [full, []]
      : size(requestOnly) <= limit
        ? [
            requestOnly,
            [
              `matching the response's rule set too would make the pattern ${size(full)} characters (limit ${limit}); ` +
                'only the request is matched (every request form the SDK defines)',
            ],
          ]
        : [
            base,
            [
              `the CIDR filter would make the pattern ${size(requestOnly)} characters (limit ${limit}); ` +
                'every ingress change goes to the handler, which evaluates the CIDRs',
            ],
          ];
  return {
    name: 'security-group',
    handler: 'security-group',
    description: tiers
      ? 'LayerGuard: ingress opened to any CIDR, a managed prefix list or a security group (tiers are judged), by anyone but LayerGuard'
      : `LayerGuard: ingress opened to a CIDR broader than /${policy.worldOpen.ipv4MinPrefix} (IPv4) or ` +
        `/${policy.worldOpen.ipv6MinPrefix} (IPv6), or to a managed prefix list, by anyone but LayerGuard`,
    pattern,
    notes,
  };
}

/**
 * The route filter for the forbidden targets: an id with a forbidden kind's prefix in any target
 * field, exactly as the core classifies a target (`routeTargetOf`, route-table.ts).
 */
export function routeTargetFilter(kinds: readonly ForbiddenTargetKind[]): Record<string, unknown> {
  const prefixes = [...new Set(kinds.map((k) => TARGET_ID_PREFIXES[k]))].map((prefix) => ({ prefix }));
  return { $or: TARGET_ID_FIELDS.map((field) => ({ [field]: prefixes })) };
}

/**
 * Routes to a target whose kind its id cannot tell (a network interface, an instance, a Gateway Load
 * Balancer endpoint), in their own fields: the handler alerts on (or forbids) those that are default
 * routes, unless the policy allows them (`isolated.unknownDefaultRoute`). The destination is left to
 * the handler, which decides a narrower one from the request alone (no EC2 call), so that the
 * pattern stays within its size quota.
 */
export const OPAQUE_TARGET_FILTER: Record<string, unknown> = {
  $or: [
    { networkInterfaceId: [{ exists: true }] },
    { instanceId: [{ exists: true }] },
    { vpcEndpointId: [{ exists: true }] },
  ],
};

/** The route-table rule: routes to a forbidden target, and subnets moved between route tables. */
function routeTableRule(policy: Policy, options: PatternOptions): RuleSpec {
  const own = ownRoleExclusion(policy.ownRoleArns, options.memberRole);
  const kinds = [...new Set(policy.isolated.forbiddenTargets)];
  const targets = { eventName: [...ROUTE_EVENTS], requestParameters: routeTargetFilter(kinds) };
  const branches = [
    targets,
    ...(policy.isolated.unknownDefaultRoute === 'allow'
      ? []
      : [{ eventName: [...ROUTE_EVENTS], requestParameters: OPAQUE_TARGET_FILTER }]),
    // A subnet associated with a table (not a gateway edge association).
    { eventName: ['AssociateRouteTable'], requestParameters: { subnetId: [{ exists: true }] } },
    // The request names only the association, not the subnet: the handler resolves it (a subnet taken off
    // its table falls back to the VPC's main table). One branch for both, within the size quota.
    { eventName: ['ReplaceRouteTableAssociation', ...DISASSOCIATION_EVENTS] },
  ];
  const withBranches = (or: readonly unknown[]) => ({
    ...envelope(policy, options),
    detail: { eventSource: ['ec2.amazonaws.com'], errorCode: [{ exists: false }], ...own, $or: or },
  });
  const full = withBranches(branches);
  const limit = options.maxPatternSize ?? DEFAULT_MAX_PATTERN_SIZE;
  const fits = size(full) <= limit;
  return {
    name: 'route-table',
    handler: 'route-table',
    description: `LayerGuard: routes to ${kinds.join(', ')} and route-table association changes (and removals), by anyone but LayerGuard`,
    // Over the quota, every CreateRoute/ReplaceRoute goes to the handler, which classifies the target.
    pattern: fits ? full : withBranches([{ eventName: [...ROUTE_EVENTS] }, ...branches.slice(1)]),
    notes: [
      ...(policy.isolated.unknownDefaultRoute === 'allow'
        ? []
        : ['routes to a network interface, instance or endpoint match whatever their destination: the handler keeps only default routes']),
      ...(fits
        ? []
        : [
            `the target filter would make the pattern ${size(full)} characters (limit ${limit}); ` +
              'every route change goes to the handler, which classifies the target',
          ]),
    ],
  };
}

/**
 * The network-ACL rule: an allow entry from a CIDR broader than the policy's bounds (CreateNetworkAclEntry,
 * ReplaceNetworkAclEntry: `cidrBlock` / `ipv6CidrBlock` and `ruleAction` as CloudTrail records them, see
 * change.ts), and every subnet moved onto another ACL (the request names only the association). The
 * direction (`egress`) is left to the handler: CloudTrail records it as a JSON boolean, and a record
 * without it means ingress ("Default: false"), which a pattern cannot say in one matcher. Served by the
 * route-table function.
 */
function networkAclRule(policy: Policy, options: PatternOptions): RuleSpec {
  const own = ownRoleExclusion(policy.ownRoleArns, options.memberRole);
  const v4 = worldOpenSuffixes(policy.worldOpen.ipv4MinPrefix);
  const v6 = worldOpenSuffixes(policy.worldOpen.ipv6MinPrefix);
  const entries = {
    eventName: [...NACL_ENTRY_EVENTS],
    requestParameters: { ruleAction: ['allow'], $or: [{ cidrBlock: v4 }, { ipv6CidrBlock: v6 }] },
  };
  const pattern = {
    ...envelope(policy, options),
    detail: {
      eventSource: ['ec2.amazonaws.com'],
      errorCode: [{ exists: false }],
      ...own,
      $or: [entries, { eventName: [...NACL_ASSOCIATION_EVENTS] }],
    },
  };
  const limit = options.maxPatternSize ?? DEFAULT_MAX_PATTERN_SIZE;
  const fits = size(pattern) <= limit;
  const { $or: _branches, ...common } = pattern.detail;
  const unfiltered = { ...pattern, detail: { ...common, eventName: [...NACL_ENTRY_EVENTS, ...NACL_ASSOCIATION_EVENTS] } };
  return {
    name: 'network-acl',
    handler: 'route-table',
    description:
      `LayerGuard: network ACL entries that allow a CIDR broader than /${policy.worldOpen.ipv4MinPrefix} (IPv4) or ` +
      `/${policy.worldOpen.ipv6MinPrefix} (IPv6), and subnets moved between network ACLs, by anyone but LayerGuard`,
    pattern: fits ? pattern : unfiltered,
    notes: [
      'the direction of an entry (egress) is judged by the handler: egress entries match too',
      ...(fits
        ? []
        : [`the CIDR filter would make the pattern ${size(pattern)} characters (limit ${limit}); every entry change goes to the handler`]),
    ],
  };
}

/**
 * The prefix-list rule: every successful ModifyManagedPrefixList, by anyone but LayerGuard, served by the
 * security-group function. The CIDR an entry adds is recorded under `AddEntry` as `cidr` (the published
 * record) or `Cidr` (the API's name), and one rule cannot filter on both: the two forms need `$or`, and
 * Event Ruler refuses a field named `cidr` anywhere inside `$or` (event-pattern.ts, RESERVED_IN_OR), so
 * PutRule would reject the rule. The handler drops removals and narrow entries with no AWS call; whether
 * the list is AWS-managed, exempt or referenced by a guarded group only it can read.
 */
function prefixListRule(policy: Policy, options: PatternOptions): RuleSpec {
  return {
    name: 'prefix-list',
    handler: 'security-group',
    description: 'LayerGuard: managed prefix lists modified, by anyone but LayerGuard',
    pattern: {
      ...envelope(policy, options),
      detail: {
        eventSource: ['ec2.amazonaws.com'],
        eventName: [...PREFIX_LIST_EVENTS],
        errorCode: [{ exists: false }],
        ...ownRoleExclusion(policy.ownRoleArns, options.memberRole),
      },
    },
    notes: [
      'every ModifyManagedPrefixList goes to the handler: a CIDR filter would need a field named `cidr` inside `$or`, which EventBridge refuses',
    ],
  };
}

/**
 * The rules LayerGuard deploys, built from the validated policy (the network-ACL rule invokes the
 * route-table function, the prefix-list rule the security-group function).
 */
export function buildRulePatterns(policy: Policy, options: PatternOptions): RuleSpec[] {
  return [securityGroupRule(policy, options), routeTableRule(policy, options), networkAclRule(policy, options), prefixListRule(policy, options)];
}

/** The names of the rules whose pattern matches the event (the local router and `explain`). */
export const matchingRules = (rules: readonly RuleSpec[], event: unknown): RuleName[] =>
  rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.name);
