import * as z from 'zod/mini';
import { parseCidr } from './cidr.js';
import { ConfigError } from './errors.js';
import type { Tags } from './network.js';
import './zod-locale.js';

const tagSelector = z.strictObject({
  key: z.string().check(z.minLength(1), z.maxLength(128)),
  value: z.string().check(z.maxLength(256)),
});
const icmpNumber = z.number().check(z.int(), z.gte(-1), z.lte(255));
/**
 * One allowed entry of the public tier: a tcp/udp port, or an ICMP message by type and code (-1 or
 * no code: any code), e.g. path-MTU discovery's "fragmentation needed" (icmp type 3 code 4) and
 * "packet too big" (icmpv6 type 2).
 */
const portRule = z.discriminatedUnion('protocol', [
  z.strictObject({
    protocol: z.enum(['tcp', 'udp']),
    port: z.number().check(z.int(), z.gte(0), z.lte(65535)),
  }),
  z.strictObject({
    protocol: z.enum(['icmp', 'icmpv6']),
    type: icmpNumber,
    code: z.optional(icmpNumber),
  }),
]);

/**
 * An IAM role ARN: `arn:<partition>:iam::<account>:role/<path/><name>` (IAM identifiers reference: a
 * name is at most 64 of `\w+=,.@-`; a path is `/`-separated segments of the same characters).
 */
export const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** Route targets, known by their id, that a policy may forbid for isolated subnets. */
export const FORBIDDEN_TARGET_KINDS = [
  'internet-gateway',
  'nat-gateway',
  'egress-only-internet-gateway',
  'carrier-gateway',
  'transit-gateway',
  'vpc-peering-connection',
] as const;
export type ForbiddenTargetKind = (typeof FORBIDDEN_TARGET_KINDS)[number];

/**
 * SEC05-BP01: "a database in a VPC should be placed in subnets with no routes to or from the
 * internet" (../shared/reference/sec05-bp01-create-network-layers.md). So every internet path is
 * forbidden by default: in (internet gateway), out (egress-only internet gateway, NAT gateway), and
 * a Wavelength zone's carrier gateway. Transit gateways and peering stay allowed unless listed.
 */
export const DEFAULT_FORBIDDEN_TARGETS: readonly ForbiddenTargetKind[] = [
  'internet-gateway',
  'egress-only-internet-gateway',
  'nat-gateway',
  'carrier-gateway',
];

/**
 * What a default route (`0.0.0.0/0`, `::/0`) on an isolated subnet's table is when its target's kind
 * cannot be known from its id (a network interface of a NAT instance or appliance, an instance, a
 * Gateway Load Balancer endpoint): `alert` tells a person and changes nothing, `forbid` treats it
 * as a forbidden route, `allow` lets it be.
 */
export const UNKNOWN_DEFAULT_ROUTE = ['alert', 'allow', 'forbid'] as const;
export type UnknownDefaultRoute = (typeof UNKNOWN_DEFAULT_ROUTE)[number];

/**
 * One tier of SEC05-BP01's chain: a security group or a subnet with any of its tags is in the tier.
 * The name is what notices call it.
 */
const tierSchema = z.strictObject({
  name: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,31}$/, 'a tier name is lower case, like web or application')),
  tags: z.array(tagSelector).check(z.minLength(1), z.maxLength(10)),
});

/**
 * SEC05-BP01, example 3: "the database tier's security group only allows traffic from the application
 * tier's security group, and the application tier's only from the web tier's"
 * (../shared/reference/sec05-bp01-create-network-layers.md). Outermost first; the internet reaches the
 * web tier only, on the public tier's ports (`publicTier`). The tags are those `publicTier.groupTags` and
 * `isolated.subnetTags` use by default.
 */
export const DEFAULT_TIER_CHAIN = [
  { name: 'web', tags: [{ key: 'Tier', value: 'Web' }] },
  { name: 'application', tags: [{ key: 'Tier', value: 'Application' }] },
  { name: 'database', tags: [{ key: 'Tier', value: 'Database' }] },
];

/**
 * The address space the tiers' subnets are in (RFC 1918 by default): an ingress CIDR in it may name
 * another tier's subnets, so the security-group rule's pattern passes it to the handler. A tier subnet
 * outside it is judged by the runbook and the sweep, not from events.
 */
export const DEFAULT_TIER_ADDRESS_SPACE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** The repeat limit's defaults (the issue's "3 in an hour"). */
const reconcilerDefaults = { maxRepeats: 3, windowMinutes: 60 };

/** The policy's schema. Defaults fit SEC05-BP01: only the web tier is public, on 80 and 443. */
export const PolicySchema = z.strictObject({
  /** `enforce` reverts drift; `dry-run` reports what it would revert and changes nothing. */
  mode: z._default(z.enum(['enforce', 'dry-run']), 'enforce'),
  /** Accounts and regions LayerGuard acts in; empty means every one it receives events from. */
  scope: z._default(
    z.strictObject({
      accounts: z._default(z.array(z.string().check(z.regex(/^\d{12}$/, 'an account id is 12 digits'))), []),
      regions: z._default(
        z.array(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region looks like eu-west-1'))),
        [],
      ),
    }),
    { accounts: [], regions: [] },
  ),
  /**
   * The exact IAM role ARNs of LayerGuard's own functions: their calls are never treated as drift. The
   * stack adds the roles it creates; list more here only for roles that act for LayerGuard elsewhere.
   */
  ownRoleArns: z._default(z.array(z.string().check(z.regex(ROLE_ARN, 'a role ARN looks like arn:aws:iam::111122223333:role/name'))), []),
  /** A CIDR with a shorter prefix than these is the internet (or a slice of it big enough to count). */
  worldOpen: z._default(
    z.strictObject({
      ipv4MinPrefix: z._default(z.number().check(z.int(), z.gte(1), z.lte(32)), 8),
      ipv6MinPrefix: z._default(z.number().check(z.int(), z.gte(1), z.lte(128)), 16),
    }),
    { ipv4MinPrefix: 8, ipv6MinPrefix: 16 },
  ),
  /**
   * Groups with any of these tags, or (`internetFacingLoadBalancers`) attached to an internet-facing
   * load balancer, are the public (web) tier and may be world-open on these ports.
   */
  publicTier: z._default(
    z.strictObject({
      groupTags: z._default(z.array(tagSelector), [{ key: 'Tier', value: 'Web' }]),
      internetFacingLoadBalancers: z._default(z.boolean(), true),
      allowedPorts: z._default(z.array(portRule), [
        { protocol: 'tcp', port: 80 },
        { protocol: 'tcp', port: 443 },
      ]),
    }),
    {
      groupTags: [{ key: 'Tier', value: 'Web' }],
      internetFacingLoadBalancers: true,
      allowedPorts: [
        { protocol: 'tcp', port: 80 },
        { protocol: 'tcp', port: 443 },
      ],
    },
  ),
  /**
   * The exemption tag: value `until=YYYY-MM-DD;reason=...` (a calendar day, UTC). Expired, malformed,
   * without a reason, or ending more than `maxDays` days from today: not exempt.
   */
  exemption: z._default(
    z.strictObject({
      tagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'layerguard:exempt'),
      maxDays: z._default(z.number().check(z.int(), z.gte(1), z.lte(3650)), 90),
    }),
    { tagKey: 'layerguard:exempt', maxDays: 90 },
  ),
  /** Isolated (database) subnets: by tag or id. A route table with these tags is isolated too. */
  isolated: z._default(
    z.strictObject({
      subnetTags: z._default(z.array(tagSelector), [{ key: 'Tier', value: 'Database' }]),
      subnetIds: z._default(
        z.array(z.string().check(z.regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id looks like subnet-0abc1234'))),
        [],
      ),
      forbiddenTargets: z._default(z.array(z.enum(FORBIDDEN_TARGET_KINDS)).check(z.minLength(1)), [
        ...DEFAULT_FORBIDDEN_TARGETS,
      ]),
      unknownDefaultRoute: z._default(z.enum(UNKNOWN_DEFAULT_ROUTE), 'alert'),
    }),
    {
      subnetTags: [{ key: 'Tier', value: 'Database' }],
      subnetIds: [],
      forbiddenTargets: [...DEFAULT_FORBIDDEN_TARGETS],
      unknownDefaultRoute: 'alert',
    },
  ),
  /**
   * Tier-to-tier reachability (SEC05-BP01's chain): a tier's ingress may name its own tier and the
   * tier before it in `chain`, never one further out (the database group admitting the web group, or a
   * web subnet's CIDR). `chain: []` judges no tiers.
   */
  tiers: z._default(
    z.strictObject({
      chain: z._default(
        z.array(tierSchema).check(
          z.maxLength(8),
          z.refine((chain) => new Set(chain.map((t) => t.name)).size === chain.length, 'each tier is named once'),
        ),
        DEFAULT_TIER_CHAIN,
      ),
      addressSpace: z._default(
        z
          .array(
            // Read as cidr.ts reads every CIDR: four octets of 0-255 and a prefix of 0-32.
            z.string().check(z.refine((v) => parseCidr(v)?.family === 4, 'an IPv4 CIDR like 10.0.0.0/8')),
          )
          .check(z.maxLength(8)),
        DEFAULT_TIER_ADDRESS_SPACE,
      ),
    }),
    { chain: DEFAULT_TIER_CHAIN, addressSpace: DEFAULT_TIER_ADDRESS_SPACE },
  ),
  /**
   * A reconciler (an IaC pipeline, a controller) re-creates what LayerGuard reverts: when the same
   * drift by the same actor comes back after `maxRepeats` reverts within `windowMinutes`, the event
   * path stops reverting it and tells a person once (functions/core/repeats.ts).
   */
  reconciler: z._default(
    z.strictObject({
      maxRepeats: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), reconcilerDefaults.maxRepeats),
      windowMinutes: z._default(
        z.number().check(z.int(), z.gte(1), z.lte(7 * 24 * 60)),
        reconcilerDefaults.windowMinutes,
      ),
    }),
    reconcilerDefaults,
  ),
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type TagSelector = z.infer<typeof tagSelector>;
/** One tier of `tiers.chain`. */
export type Tier = z.infer<typeof tierSchema>;
/** One entry of `publicTier.allowedPorts`. */
export type AllowedPort = z.infer<typeof portRule>;

/** Validates a policy and fills in the defaults; throws `ConfigError` naming every bad field. */
export function parsePolicy(input: unknown): Policy {
  if (input !== null && typeof input === 'object' && 'ownRolePrefixes' in input) {
    throw new ConfigError(
      'invalid policy: ownRolePrefixes: no longer read: a role name prefix let any role of that name (in any account) pass as LayerGuard. LayerGuard recognises its own calls by exact role ARNs (ownRoleArns); the stack adds the roles it creates',
    );
  }
  const result = PolicySchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(policy)'}: ${i.message}`);
    throw new ConfigError(`invalid policy: ${problems.join('; ')}`);
  }
  return result.data;
}

/** The default policy (SEC05-BP01). */
export const DEFAULT_POLICY: Policy = parsePolicy({});

/** True when the tags hold any of the selectors. */
export const hasAnyTag = (tags: Tags, selectors: readonly TagSelector[]): boolean =>
  selectors.some((s) => tags[s.key] === s.value);
