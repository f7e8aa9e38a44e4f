import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../events/simulated-account/account.js';
import { SimulatedNetwork } from '../../events/simulated-account/network.js';
import type { SgRule } from '../../functions/core/network.js';
import { parsePolicy } from '../../functions/core/policy.js';
import { type RunbookDeps, runRunbook } from '../../functions/pipeline/runbook.js';

/*
 * A property of tier-to-tier reachability, judged by an oracle of its own (no code from functions/core):
 * SEC05-BP01 example 3 read directly. Random VPCs (subnets of random tiers), a group of a random tier
 * with random ingress (other tiers' groups, CIDRs over the subnets, the internet); `runbook
 * revert-security-group` on the simulated account must revoke exactly the rules the oracle calls a
 * tier skip or world-open, and nothing else.
 *
 * The oracle: the chain is web, application, database; a tier may be reached from itself and the tier
 * just before it. A rule's source is in a tier when it names a group of that tier, or a CIDR sharing an
 * address with a subnet of that tier, by its IPv4 or IPv6 block (two networks share one when their addresses agree on
 * the shorter prefix; IPv4 and IPv6 never do). A rule is world-open when its prefix is shorter than 8
 * (IPv4) or 16 (IPv6), the default bounds,
 * and then it is the world-open decision's, never a tier skip; the group is not the public tier (no
 * Web tag) unless it is web, whose world-open rules on ports other than 80 and 443 are drift too.
 */

const RUNS = Number(process.env.LAYERGUARD_PROPERTY_RUNS ?? 150);
const SEED = process.env.LAYERGUARD_PROPERTY_SEED ? Number(process.env.LAYERGUARD_PROPERTY_SEED) : undefined;
const options = SEED === undefined ? { numRuns: RUNS } : { numRuns: RUNS, seed: SEED };

const CHAIN = ['web', 'application', 'database'] as const;
type TierName = (typeof CHAIN)[number];
const TAG: Record<TierName, string> = { web: 'Web', application: 'Application', database: 'Database' };

/**
 * The oracle's arithmetic: a CIDR as its family, its address as a number of 32 or 128 bits, and its
 * prefix length. IPv6 in the forms the generator writes: eight groups, or a `::` for the zero groups.
 */
function parse(cidr: string): { family: 4 | 6; address: bigint; prefix: number } {
  const [ip = '', bits = ''] = cidr.split('/');
  if (!ip.includes(':')) return { family: 4, address: ip.split('.').reduce((n, octet) => n * 256n + BigInt(octet), 0n), prefix: Number(bits) };
  const [head = '', tail = ''] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const all = ip.includes('::') ? [...groups(head), ...Array(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)] : groups(ip);
  return { family: 6, address: all.reduce((n, g) => n * 65536n + BigInt(Number.parseInt(g, 16)), 0n), prefix: Number(bits) };
}
const share = (a: string, b: string): boolean => {
  const [x, y] = [parse(a), parse(b)];
  if (x.family !== y.family) return false;
  const width = BigInt(x.family === 4 ? 32 : 128);
  const bits = BigInt(Math.min(x.prefix, y.prefix));
  return x.address >> (width - bits) === y.address >> (width - bits);
};
const mayReach = (from: TierName, to: TierName): boolean => from === to || CHAIN.indexOf(from) === CHAIN.indexOf(to) - 1;

interface World {
  readonly subnets: ReadonlyArray<{ readonly octet: number; readonly tier: TierName | undefined; readonly ipv6: boolean }>;
  readonly groupTier: TierName | undefined;
  readonly sourceGroups: ReadonlyArray<TierName | undefined>;
  readonly rules: ReadonlyArray<
    | { readonly kind: 'group'; readonly index: number; readonly port: number }
    | { readonly kind: 'cidr'; readonly cidr: string; readonly port: number }
  >;
}

const tierArb = fc.option(fc.constantFrom(...CHAIN), { nil: undefined, freq: 4 });
const worldArb: fc.Arbitrary<World> = fc
  .record({
    subnets: fc.uniqueArray(fc.record({ octet: fc.integer({ min: 0, max: 40 }), tier: tierArb, ipv6: fc.boolean() }), { selector: (s) => s.octet, minLength: 1, maxLength: 6 }),
    groupTier: fc.option(fc.constantFrom(...CHAIN), { nil: undefined, freq: 6 }),
    sourceGroups: fc.array(tierArb, { minLength: 1, maxLength: 3 }),
  })
  .chain((w) =>
    fc
      .array(
        fc.oneof(
          fc.record({ kind: fc.constant('group' as const), index: fc.nat(w.sourceGroups.length - 1), port: fc.integer({ min: 1, max: 65535 }) }),
          fc.record({
            kind: fc.constant('cidr' as const),
            // Mostly a subnet's own /24 or a host in it, sometimes the VPC, a peered range, or the internet.
            cidr: fc.oneof(
              { weight: 4, arbitrary: fc.constantFrom(...w.subnets.map((s) => `10.40.${s.octet}.0/24`)) },
              { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...w.subnets.map((s) => s.octet)), fc.integer({ min: 0, max: 255 })).map(([o, h]) => `10.40.${o}.${h}/32`) },
              { weight: 1, arbitrary: fc.constantFrom('10.40.0.0/16', '10.40.0.0/18', '172.31.0.0/16', '10.41.0.0/24') },
              { weight: 1, arbitrary: fc.constantFrom('0.0.0.0/0', '0.0.0.0/1', '10.0.0.0/7', '::/0', '2000::/3') },
              // IPv6: a subnet's /64, a host in one, the VPC's /56, another network.
              {
                weight: 2,
                arbitrary: fc.oneof(
                  fc.constantFrom(...w.subnets.map((s) => `2001:db8:40:${s.octet.toString(16)}::/64`)),
                  fc.tuple(fc.constantFrom(...w.subnets.map((s) => s.octet)), fc.integer({ min: 1, max: 65535 })).map(([o, h]) => `2001:db8:40:${o.toString(16)}::${h.toString(16)}/128`),
                  fc.constantFrom('2001:db8:40::/56', '2001:db8:41::/64'),
                ),
              },
            ),
            port: fc.integer({ min: 1, max: 65535 }),
          }),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .map((rules): World => ({ ...w, rules })),
  );

describe('tiers, random VPCs: revert-security-group revokes exactly the rules that skip a tier or admit the internet', () => {
  it('against an oracle of its own', async () => {
    const seen = new Map<string, number>();
    const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const account = new SimulatedAccount();
        const vpc = account.createVpc('10.40.0.0/16');
        for (const s of w.subnets) {
          account.createSubnet(vpc, `10.40.${s.octet}.0/24`, {
            tags: s.tier ? { Tier: TAG[s.tier] } : {},
            ...(s.ipv6 ? { cidrIpv6: [`2001:db8:40:${s.octet.toString(16)}::/64`] } : {}),
          });
        }
        const sources = w.sourceGroups.map((tier, i) => account.createSecurityGroup(vpc, `source-${i}`, { tags: tier ? { Tier: TAG[tier] } : {} }));
        const groupId = account.createSecurityGroup(vpc, 'judged', { tags: w.groupTier ? { Tier: TAG[w.groupTier] } : {} });
        const created = account.authorizeIngress(
          groupId,
          w.rules.map((r) =>
            r.kind === 'group'
              ? { protocol: 'tcp', fromPort: r.port, toPort: r.port, referencedGroupId: sources[r.index] as string }
              : { protocol: 'tcp', fromPort: r.port, toPort: r.port, ...(r.cidr.includes(':') ? { cidrIpv6: r.cidr } : { cidrIpv4: r.cidr }) },
          ),
        );

        // The oracle.
        const landsIn = (rule: World['rules'][number]): TierName[] =>
          rule.kind === 'group'
            ? [w.sourceGroups[rule.index]].filter((t): t is TierName => t !== undefined)
            : w.subnets
                .filter((s) => s.tier !== undefined && [`10.40.${s.octet}.0/24`, ...(s.ipv6 ? [`2001:db8:40:${s.octet.toString(16)}::/64`] : [])].some((own) => share(rule.cidr, own)))
                .map((s) => s.tier as TierName);
        // The default bounds: an IPv4 prefix shorter than 8, an IPv6 one shorter than 16 (none of these is private IPv6).
        const worldOpen = (rule: World['rules'][number]) => rule.kind === 'cidr' && parse(rule.cidr).prefix < (rule.cidr.includes(':') ? 16 : 8);
        const publicAllowed = (rule: World['rules'][number]) => w.groupTier === 'web' && (rule.port === 80 || rule.port === 443);
        const expected = new Set(
          created
            .filter((_, i) => {
              const rule = w.rules[i] as World['rules'][number];
              if (worldOpen(rule)) return !publicAllowed(rule);
              return w.groupTier !== undefined && landsIn(rule).some((from) => !mayReach(from, w.groupTier as TierName));
            })
            .map((r) => r.ruleId),
        );

        const network = new SimulatedNetwork(account);
        const deps: RunbookDeps = { network, policy: parsePolicy({ publicTier: { internetFacingLoadBalancers: false } }), clock: () => new Date() };
        const result = await runRunbook({ action: 'revert-security-group', groupId, dryRun: false }, deps);
        const left = new Set([...account.rules.values()].filter((r: SgRule) => r.groupId === groupId && !r.isEgress).map((r) => r.ruleId));
        const revoked = created.map((r) => r.ruleId).filter((id) => !left.has(id));

        expect(new Set(revoked)).toEqual(expected);
        const [outcome] = result.outcomes;
        expect(outcome?.outcome).toBe(expected.size > 0 ? 'remediated' : 'already-compliant');
        // Every other group is untouched.
        for (const source of sources) expect([...account.rules.values()].filter((r) => r.groupId === source)).toEqual([]);
        count(expected.size > 0 ? 'revoked' : 'clean');
        if (outcome?.drift.some((d) => d.kind === 'sg-tier-skip')) count('tier-skip');
        if (outcome?.drift.some((d) => d.kind === 'sg-world-open')) count('world-open');
        if (w.groupTier !== undefined && w.rules.some((r) => !worldOpen(r) && landsIn(r).length > 0) && expected.size === 0) count('tier-allowed');
      }),
      options,
    );
    // Each case reached a stated share of the runs: skips, world-open, allowed chains, clean groups.
    for (const [key, part] of Object.entries({ 'tier-skip': 0.2, 'world-open': 0.1, 'tier-allowed': 0.03, clean: 0.1 })) {
      expect(seen.get(key) ?? 0, key).toBeGreaterThanOrEqual(Math.floor(RUNS * part));
    }
  });
});
