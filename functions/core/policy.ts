import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { Tags } from './network.js';

const tagSelector = z.strictObject({ key: z.string().min(1).max(128), value: z.string().max(256) });
const portRule = z.strictObject({
  protocol: z.enum(['tcp', 'udp']),
  port: z.number().int().min(0).max(65535),
});

/** Route targets that an isolated subnet must never reach. */
export const FORBIDDEN_TARGET_KINDS = [
  'internet-gateway',
  'nat-gateway',
  'egress-only-internet-gateway',
  'transit-gateway',
  'vpc-peering-connection',
] as const;
export type ForbiddenTargetKind = (typeof FORBIDDEN_TARGET_KINDS)[number];

/** The policy's schema. Defaults fit SEC05-BP01: only the web tier is public, on 80 and 443. */
export const PolicySchema = z.strictObject({
  /** `enforce` reverts drift; `dry-run` reports what it would revert and changes nothing. */
  mode: z.enum(['enforce', 'dry-run']).default('enforce'),
  /** Accounts and regions LayerGuard acts in; empty means every one it receives events from. */
  scope: z
    .strictObject({
      accounts: z.array(z.string().regex(/^\d{12}$/, 'an account id is 12 digits')).default([]),
      regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region looks like eu-west-1')).default([]),
    })
    .default({ accounts: [], regions: [] }),
  /** IAM role name prefixes of LayerGuard's own functions: their calls are never treated as drift. */
  ownRolePrefixes: z.array(z.string().min(1).max(64)).default(['layerguard-']),
  /** A CIDR with a shorter prefix than these is the internet (or a slice of it big enough to count). */
  worldOpen: z
    .strictObject({
      ipv4MinPrefix: z.number().int().min(1).max(32).default(8),
      ipv6MinPrefix: z.number().int().min(1).max(128).default(16),
    })
    .default({ ipv4MinPrefix: 8, ipv6MinPrefix: 16 }),
  /** Groups with any of these tags are the public (web) tier and may be world-open on these ports. */
  publicTier: z
    .strictObject({
      groupTags: z.array(tagSelector).default([{ key: 'Tier', value: 'Web' }]),
      allowedPorts: z.array(portRule).default([
        { protocol: 'tcp', port: 80 },
        { protocol: 'tcp', port: 443 },
      ]),
    })
    .default({
      groupTags: [{ key: 'Tier', value: 'Web' }],
      allowedPorts: [
        { protocol: 'tcp', port: 80 },
        { protocol: 'tcp', port: 443 },
      ],
    }),
  /** The exemption tag: value `until=YYYY-MM-DD;reason=...`. Expired, or without a reason, is not exempt. */
  exemption: z
    .strictObject({ tagKey: z.string().min(1).max(128).default('layerguard:exempt') })
    .default({ tagKey: 'layerguard:exempt' }),
  /** Isolated (database) subnets: by tag or id. A route table with these tags is isolated too. */
  isolated: z
    .strictObject({
      subnetTags: z.array(tagSelector).default([{ key: 'Tier', value: 'Database' }]),
      subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id looks like subnet-0abc1234')).default([]),
      forbiddenTargets: z.array(z.enum(FORBIDDEN_TARGET_KINDS)).min(1).default(['internet-gateway']),
    })
    .default({ subnetTags: [{ key: 'Tier', value: 'Database' }], subnetIds: [], forbiddenTargets: ['internet-gateway'] }),
});

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type TagSelector = z.infer<typeof tagSelector>;

/** Validates a policy and fills in the defaults; throws `ConfigError` naming every bad field. */
export function parsePolicy(input: unknown): Policy {
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
