import type { Drift } from './outcome.js';
import { DEFAULT_TIER_CHAIN } from './policy.js';

/** ASFF's severity labels (the SDK's `SeverityLabel`, @aws-sdk/client-securityhub dist-types/models/enums.d.ts). */
export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** Where a tier sits in `policy.tiers.chain`: the web tier is outermost, the database tier innermost. */
export type TierPlace = 'outermost' | 'middle' | 'innermost' | 'none';

/**
 * The severity of each kind of drift, by the tier it opens (written once; the README's table is this
 * one). What weighs: how much the drift exposes, and how deep. Internet ingress on the database tier is
 * the worst case SEC05-BP01 guards against; on the web tier it is a port beyond 80/443 of a tier that is
 * public anyway. An isolated subnet's drift (a route, a table, an ACL) is on the database tier by
 * definition (`policy.isolated`), so its kind alone decides. A route or a table is worse than an ACL
 * entry: the security groups still stand behind an ACL. A tier skip crosses one layer, not the internet.
 */
export const SEVERITY: Readonly<Record<Drift['kind'], Readonly<Record<TierPlace, SeverityLabel>>>> = {
  'sg-world-open': { outermost: 'MEDIUM', middle: 'HIGH', innermost: 'CRITICAL', none: 'HIGH' },
  'sg-tier-skip': { outermost: 'MEDIUM', middle: 'MEDIUM', innermost: 'HIGH', none: 'MEDIUM' },
  'prefix-list-internet-entry': { outermost: 'HIGH', middle: 'HIGH', innermost: 'HIGH', none: 'HIGH' },
  'prefix-list-tier-entry': { outermost: 'MEDIUM', middle: 'MEDIUM', innermost: 'MEDIUM', none: 'MEDIUM' },
  'forbidden-route-on-isolated-subnet': { outermost: 'CRITICAL', middle: 'CRITICAL', innermost: 'CRITICAL', none: 'CRITICAL' },
  'isolated-subnet-on-internet-table': { outermost: 'CRITICAL', middle: 'CRITICAL', innermost: 'CRITICAL', none: 'CRITICAL' },
  // Its target's kind is unknown (a NAT instance, an appliance): perhaps the internet, perhaps not.
  'unknown-default-route-on-isolated-subnet': { outermost: 'HIGH', middle: 'HIGH', innermost: 'HIGH', none: 'HIGH' },
  'internet-entry-on-isolated-acl': { outermost: 'HIGH', middle: 'HIGH', innermost: 'HIGH', none: 'HIGH' },
  'isolated-subnet-on-internet-acl': { outermost: 'HIGH', middle: 'HIGH', innermost: 'HIGH', none: 'HIGH' },
};

/** The tier names of the default chain, outermost first. */
export const DEFAULT_TIERS: readonly string[] = DEFAULT_TIER_CHAIN.map((t) => t.name);

/** Where `tier` sits in `tiers` (outermost first); one tier alone counts as innermost (the stricter reading). */
export function tierPlace(tier: string | undefined, tiers: readonly string[] = DEFAULT_TIERS): TierPlace {
  const index = tier === undefined ? -1 : tiers.indexOf(tier);
  if (index < 0) return 'none';
  if (index === tiers.length - 1) return 'innermost';
  return index === 0 ? 'outermost' : 'middle';
}

/** The severity of one unit of drift. */
export const severityOf = (kind: Drift['kind'], tier: string | undefined, tiers?: readonly string[]): SeverityLabel =>
  SEVERITY[kind][tierPlace(tier, tiers)];
