import { inject } from '../../events/generator/inject.js';
import type { SimulatedAccount } from '../../events/simulated-account/account.js';
import { threeTierAccount } from '../../events/simulated-account/baseline.js';
import { simulatedEngine } from '../../events/simulated-account/engine.js';
import { BASELINE } from '../../events/simulated-account/ids.js';
import type { CallRecord } from '../../events/simulated-account/network.js';
import { SimulatedOrganization } from '../../events/simulated-account/organization.js';
import { ec2Throttle } from '../../events/simulated-account/throttle.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../functions/adapters/clients.js';
import type { Outcome } from '../../functions/core/outcome.js';
import { parsePolicy } from '../../functions/core/policy.js';
import type { Remediators } from '../../functions/pipeline/deps.js';
import { ROUTE_TABLE_REMEDIATORS } from '../../functions/pipeline/route-table.js';
import { remediateSecurityGroup } from '../../functions/pipeline/security-group.js';
import { ASYNC_RETRY_ATTEMPTS } from '../../infra/constructs/functions.js';
import { log, round } from './stats.js';
import { VirtualClock } from './virtual-time.js';

/** The buckets of events/simulated-account/throttle.ts (EC2's documented defaults), for the bound. */
const BUCKETS = {
  sgIngress: { capacity: 50, refillPerSecond: 5 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  reads: { capacity: 100, refillPerSecond: 20 },
} as const;
type Bucket = keyof typeof BUCKETS;
const BUCKET_OF: Record<string, Bucket> = {
  RevokeSecurityGroupIngress: 'sgIngress',
  DeleteRoute: 'mutating',
  ReplaceRouteTableAssociation: 'mutating',
};
const bucketOf = (operation: string): Bucket => BUCKET_OF[operation] ?? 'reads';

/**
 * The storm's policy: the default, with the repeat limit lifted. A storm repeats the same kind of
 * drift on each resource by one actor (a runaway script), and is measured for how fast LayerGuard
 * clears it; under the default limit (3 reverts an hour) the fourth event on a group would be
 * `alert-only` as a reconciler fight, which is what that limit is for, not what this measures.
 */
const STORM_POLICY = parsePolicy({ reconciler: { maxRepeats: 100 } });

/** SDK v3 standard retry mode: full-jitter exponential backoff from 500 ms for throttling, capped at 20 s. */
const SDK_RETRY = { maxAttempts: DEFAULT_MAX_ATTEMPTS, baseDelayMs: 500, maxDelayMs: 20_000 };
/** Lambda's asynchronous invocation retries: about 1 minute before the second attempt, 2 before the third. */
const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

export interface StormOptions {
  readonly groups: number;
  readonly routeTables: number;
  readonly events: number;
  readonly arrivalMs: number;
  readonly latencyMs: number;
  /** Reserved concurrency of each function (the stack's default: infra/config.ts). */
  readonly concurrency: { readonly securityGroup: number; readonly routeTable: number };
  readonly seed: number;
  /** The SDK retry policy on throttling (default: the clients' standard mode, 5 attempts). */
  readonly retry?: {
    readonly maxAttempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
  };
}

export { SDK_RETRY };
export const DEFAULT_STORM: StormOptions = {
  groups: 200,
  routeTables: 50,
  events: 1000,
  arrivalMs: 1000,
  latencyMs: 50,
  concurrency: { securityGroup: 5, routeTable: 5 },
  seed: 6,
};

export interface StormReport {
  /** Virtual seconds from the first event to the last drift reverted (or, if some never were, the last event settled). */
  readonly seconds: number;
  /** The least time the buckets allow for the calls the current design needs (one invocation per event). */
  readonly boundSeconds: number;
  /** The bound for a design that coalesces events per resource (one read and one revoke per group). */
  readonly boundSecondsCoalesced: number;
  /** The least time the functions' reserved concurrency allows: each event's sequential round trips, slot by slot. */
  readonly concurrencyBoundSeconds: number;
  /** Across accounts: how many accounts and regions the storm was spread over. */
  readonly accounts?: number;
  readonly regions?: number;
  readonly accountRegions?: number;
  readonly throttledCalls: number;
  /** Events that ended with their drift still there and without a failed outcome headed for the dead-letter queue. */
  readonly lost: number;
  readonly events: number;
  readonly reverted: number;
  readonly deadLettered: number;
  readonly unrevertedDrift: number;
  readonly lambdaRetries: number;
  readonly ec2Calls: number;
  readonly callsByBucket: Record<Bucket, number>;
  readonly outcomes: Record<string, number>;
  readonly concurrency: StormOptions['concurrency'];
  readonly latencyMs: number;
  readonly neededCalls: Record<Bucket, number>;
}

/** A small seeded generator, so that the storm's order and jitter repeat from run to run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface StormEvent {
  readonly index: number;
  readonly fn: 'securityGroup' | 'routeTable';
  readonly event: Record<string, unknown>;
  readonly arrivesAt: number;
  /** True while the drift this event reports is still on the account. */
  readonly present: () => boolean;
  attempts: number;
  final?: 'reverted' | 'dead-lettered';
  settledAt?: number;
  lastOutcome?: string;
}

const SG_PORTS = [22, 3389, 3306, 5432, 6379, 9200];
const ROUTE_DESTINATIONS = [
  '0.0.0.0/0',
  '203.0.113.0/24',
  '198.51.100.0/24',
  '192.0.2.0/24',
  '100.64.0.0/10',
  '8.8.8.0/24',
];

/**
 * The account: the three-tier baseline plus `groups` application groups and `routeTables` isolated
 * tables, each with a database subnet (in `into`, an account-region of an organisation, when given).
 */
function stormAccount(
  opts: Pick<StormOptions, 'groups' | 'routeTables' | 'events' | 'arrivalMs'>,
  rand: () => number,
  epoch: number,
  into?: SimulatedAccount,
): { account: SimulatedAccount; events: StormEvent[] } {
  const account = into ?? threeTierAccount();
  const vpc = BASELINE.vpcId;
  const groups = Array.from({ length: opts.groups }, (_, i) =>
    account.createSecurityGroup(vpc, `storm-app-${i}`, {
      tags: { Name: `storm-app-${i}`, Tier: 'Application' },
    }),
  );
  const tables = Array.from({ length: opts.routeTables }, (_, i) => {
    const subnet = account.createSubnet(vpc, `10.0.${100 + i}.0/24`, {
      tags: { Name: `storm-db-${i}`, Tier: 'Database' },
    });
    const table = account.createRouteTable(vpc, { tags: { Name: `storm-db-${i}`, Tier: 'Database' } });
    account.associateRouteTable(table, subnet);
    return table;
  });
  // Events spread over the resources in proportion: groups get events * groups / (groups + tables).
  const sgEvents = Math.round((opts.events * opts.groups) / (opts.groups + opts.routeTables));
  const made: Omit<StormEvent, 'arrivesAt' | 'index'>[] = [];
  for (let i = 0; i < opts.events; i += 1) {
    if (i < sgEvents) {
      const groupId = groups[i % groups.length] as string;
      const port = SG_PORTS[Math.floor(i / groups.length) % SG_PORTS.length] as number;
      const injected = inject.authorizeIngress(
        account,
        groupId,
        [{ protocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '0.0.0.0/0' }],
        {
          eventTime: new Date(epoch),
        },
      );
      const rule = (account.rulesOf(groupId).find((r) => r.fromPort === port && r.cidrIpv4 === '0.0.0.0/0') ??
        {}) as { ruleId?: string };
      made.push({
        fn: 'securityGroup',
        event: injected.event,
        present: () => account.rules.has(rule.ruleId ?? ''),
        attempts: 0,
      });
    } else {
      const j = i - sgEvents;
      const table = tables[j % tables.length] as string;
      const cidr = ROUTE_DESTINATIONS[Math.floor(j / tables.length) % ROUTE_DESTINATIONS.length] as string;
      const injected = inject.createRoute(
        account,
        table,
        { cidrIpv4: cidr },
        { gatewayId: BASELINE.internetGatewayId },
        { eventTime: new Date(epoch) },
      );
      made.push({
        fn: 'routeTable',
        event: injected.event,
        present: () =>
          account
            .routeTable(table)
            ?.routes.some((r) => r.cidrIpv4 === cidr && r.gatewayId === BASELINE.internetGatewayId) ?? false,
        attempts: 0,
      });
    }
  }
  // Shuffle (seeded) so that the kinds and resources interleave, then spread the arrivals over the window.
  for (let i = made.length - 1; i > 0; i -= 1) {
    const k = Math.floor(rand() * (i + 1));
    [made[i], made[k]] = [made[k] as (typeof made)[number], made[i] as (typeof made)[number]];
  }
  const events = made.map((e, index) => {
    const arrivesAt = Math.floor((index * opts.arrivalMs) / made.length);
    // The CloudTrail record's time is when the change was made: at its arrival, in this model.
    const detail = (e.event as { detail: { eventTime: string } }).detail;
    detail.eventTime = new Date(epoch + arrivesAt).toISOString();
    return { ...e, index, arrivesAt };
  });
  return { account, events };
}

/** The least seconds the buckets allow for `calls` calls per bucket: the burst, then the refill rate. */
const bucketBound = (calls: Record<Bucket, number>): number =>
  Math.max(
    ...(Object.keys(BUCKETS) as Bucket[]).map((b) =>
      Math.max(0, (calls[b] - BUCKETS[b].capacity) / BUCKETS[b].refillPerSecond),
    ),
  );

/**
 * 1,000 drift events over 200 groups and 50 isolated route tables, arriving within a second, handled
 * as the stack deploys them: one function per drift family, each invocation handling one event, at
 * most `concurrency` invocations at a time (reserved concurrency; events wait in Lambda's async queue
 * for a free slot), SDK standard retries on `RequestLimitExceeded`, then Lambda's two async retries,
 * then the failure queue. The simulated account enforces EC2's buckets for the whole account.
 */
export async function runStorm(opts: StormOptions = DEFAULT_STORM, spread?: StormSpread): Promise<StormReport> {
  const clock = new VirtualClock();
  const rand = mulberry32(opts.seed);
  const epoch = Date.parse('2025-01-01T00:00:00Z');
  const retry = opts.retry ?? SDK_RETRY;
  const organization = spread ? stormOrganization(spread, opts, clock.now, retry) : undefined;
  const places = organization ? organization.places : undefined;
  const single = places ? undefined : stormAccount(opts, rand, epoch);
  // Across accounts: the same counts, shared out over the account-regions (each its own resources and buckets).
  const perPlace = places?.map((p, i) => stormAccount(share(opts, i, places.length), rand, epoch, organization?.org.place(p.account, p.region).account));
  const events = single ? single.events : mergeArrivals(perPlace ?? []);
  const account = single ? single.account : (organization?.org.place(organization.org.hub.account, organization.org.hub.region).account as SimulatedAccount);
  const throttle = ec2Throttle(clock.now);
  const network = { latencyMs: opts.latencyMs, throttle, retry };
  const reach = organization?.org.reach();
  const now = () => new Date(epoch + clock.now());
  const fns: Record<StormEvent['fn'], { remediators: Remediators; concurrency: number }> = {
    securityGroup: {
      remediators: { 'sg-ingress': remediateSecurityGroup },
      concurrency: opts.concurrency.securityGroup,
    },
    routeTable: {
      remediators: ROUTE_TABLE_REMEDIATORS,
      concurrency: opts.concurrency.routeTable,
    },
  };
  const engines = Object.fromEntries(
    Object.entries(fns).map(([name, f]) => [
      name,
      simulatedEngine(account, { policy: STORM_POLICY, remediators: f.remediators, network, clock: now, ...(reach ? { reach } : {}) }),
    ]),
  ) as Record<StormEvent['fn'], ReturnType<typeof simulatedEngine>>;

  const outcomes: Record<string, number> = {};
  let lambdaRetries = 0;
  // Math.random drives the SDK-like jitter in the simulated network: seeded for the storm's duration.
  const realRandom = Math.random;
  Math.random = rand;
  try {
    await clock.run(async () => {
      const pools = (Object.keys(fns) as StormEvent['fn'][]).map(async (fn) => {
        const { engine } = engines[fn];
        const queue: StormEvent[] = []; // ready to run, in the order they became ready
        let pending = events.filter((e) => e.fn === fn).length;
        let wake: (() => void) | undefined;
        const ready = (e: StormEvent, delayMs: number) =>
          setTimeout(() => {
            queue.push(e);
            wake?.();
          }, delayMs);
        for (const e of events.filter((x) => x.fn === fn)) ready(e, e.arrivesAt);

        const invoke = async (e: StormEvent): Promise<void> => {
          e.attempts += 1;
          let outcome: Outcome | undefined;
          try {
            outcome = await engine.handle(e.event);
          } catch {
            outcome = undefined; // the function threw: Lambda treats it as a failed invocation
          }
          const status = outcome?.outcome ?? 'error';
          e.lastOutcome = status;
          outcomes[status] = (outcomes[status] ?? 0) + 1;
          if (status !== 'failed' && status !== 'error') {
            e.final = 'reverted';
            e.settledAt = clock.now();
            pending -= 1;
            return;
          }
          const delay = LAMBDA_RETRY_DELAYS_MS[e.attempts - 1];
          if (e.attempts <= ASYNC_RETRY_ATTEMPTS && delay !== undefined) {
            lambdaRetries += 1;
            ready(e, delay);
          } else {
            e.final = 'dead-lettered';
            e.settledAt = clock.now();
            pending -= 1;
          }
        };

        const worker = async (): Promise<void> => {
          while (pending > 0) {
            const next = queue.shift();
            if (next) {
              await invoke(next);
              continue;
            }
            await new Promise<void>((resolve) => {
              const previous = wake;
              wake = () => {
                wake = previous;
                resolve();
                previous?.();
              };
            });
          }
          wake?.();
        };
        await Promise.all(Array.from({ length: fns[fn].concurrency }, worker));
      });
      await Promise.all(pools);
    });
  } finally {
    Math.random = realRandom;
  }

  const placeCalls = (places ?? []).flatMap((p) => organization?.org.place(p.account, p.region).network.calls ?? []);
  const calls: CallRecord[] = [...engines.securityGroup.network.calls, ...engines.routeTable.network.calls, ...placeCalls];
  const callsByBucket: Record<Bucket, number> = { sgIngress: 0, mutating: 0, reads: 0 };
  for (const c of calls) callsByBucket[bucketOf(c.operation)] += 1;
  const throttledCalls = calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length;

  const sg = events.filter((e) => e.fn === 'securityGroup').length;
  const rt = events.length - sg;
  // The calls the current design needs with no throttling: 2 reads + 1 revoke per security-group
  // event; DescribeRouteTables + DescribeSubnets, DeleteRoute, DescribeRouteTables per route event.
  const neededCalls: Record<Bucket, number> = { sgIngress: sg, mutating: rt, reads: 2 * sg + 3 * rt };
  const floor = (opts.arrivalMs + opts.latencyMs * 4) / 1000;
  // EC2's buckets are per account-region: across accounts, the bound is the busiest account-region's.
  const placeBound = perPlace
    ? Math.max(...perPlace.map((p) => bucketBound(neededFor(p.events))))
    : bucketBound(neededCalls);
  // The functions' reserved concurrency, shared by every account: events × round trips × latency / slots, per function.
  const concurrencyBoundSeconds = Math.max(
    (sg * ROUND_TRIPS.securityGroup * opts.latencyMs) / 1000 / opts.concurrency.securityGroup,
    (rt * ROUND_TRIPS.routeTable * opts.latencyMs) / 1000 / opts.concurrency.routeTable,
  );
  const boundSeconds = spread ? Math.max(floor, placeBound, concurrencyBoundSeconds) : Math.max(floor, bucketBound(neededCalls));
  const coalesced: Record<Bucket, number> = {
    sgIngress: opts.groups,
    mutating: rt,
    reads: 2 * opts.groups + 3 * opts.routeTables,
  };
  const boundSecondsCoalesced = Math.max(floor, bucketBound(coalesced));

  const unreverted = events.filter((e) => e.present());
  const lost = unreverted.filter((e) => e.final !== 'dead-lettered').length;
  const revertedAt = events
    .filter((e) => !e.present() && e.settledAt !== undefined)
    .map((e) => e.settledAt as number);
  const settledAt = events.map((e) => e.settledAt ?? Number.POSITIVE_INFINITY);
  const end = unreverted.length === 0 ? Math.max(...revertedAt) : Math.max(...settledAt);
  const report: StormReport = {
    seconds: round(end / 1000, 1),
    boundSeconds: round(boundSeconds, 1),
    boundSecondsCoalesced: round(boundSecondsCoalesced, 1),
    concurrencyBoundSeconds: round(concurrencyBoundSeconds, 1),
    ...(spread ? { accounts: spread.accounts, regions: spread.regions, accountRegions: spread.accounts * spread.regions } : {}),
    throttledCalls,
    lost,
    events: events.length,
    reverted: events.length - unreverted.length,
    deadLettered: events.filter((e) => e.final === 'dead-lettered').length,
    unrevertedDrift: unreverted.length,
    lambdaRetries,
    ec2Calls: calls.length,
    callsByBucket,
    outcomes,
    concurrency: opts.concurrency,
    latencyMs: opts.latencyMs,
    neededCalls,
  };
  log(
    `storm${spread ? ` over ${spread.accounts} accounts × ${spread.regions} regions` : ''}: ${report.events} events, ${report.seconds} s (bound ${report.boundSeconds} s), ${report.throttledCalls} throttled calls, ${report.deadLettered} dead-lettered, ${report.lost} lost`,
  );
  return report;
}

/** A storm spread over an organisation's account-regions instead of one. */
export interface StormSpread {
  readonly accounts: number;
  readonly regions: number;
}

/** Sequential round trips per event (README, Performance #3): a security group's two reads in parallel, then the revoke; a route's four. */
const ROUND_TRIPS = { securityGroup: 2, routeTable: 4 } as const;

/** The calls each event kind needs with no throttling (as `neededCalls`), for one account-region's events. */
function neededFor(events: readonly StormEvent[]): Record<Bucket, number> {
  const sg = events.filter((e) => e.fn === 'securityGroup').length;
  const rt = events.length - sg;
  return { sgIngress: sg, mutating: rt, reads: 2 * sg + 3 * rt };
}

/** The `i`th of `n` shares of the storm's groups, tables and events (the remainders to the first shares). */
function share(opts: StormOptions, i: number, n: number): Pick<StormOptions, 'groups' | 'routeTables' | 'events' | 'arrivalMs'> {
  const part = (total: number) => Math.floor(total / n) + (i < total % n ? 1 : 0);
  return { groups: part(opts.groups), routeTables: part(opts.routeTables), events: part(opts.events), arrivalMs: opts.arrivalMs };
}

/** Every account-region's events in one stream, by arrival, numbered again. */
function mergeArrivals(parts: readonly { events: StormEvent[] }[]): StormEvent[] {
  return parts
    .flatMap((p) => p.events)
    .sort((a, b) => a.arrivesAt - b.arrivesAt || a.index - b.index)
    .map((e, index) => Object.assign(e, { index }));
}

/**
 * The organisation of a spread storm: `accounts` accounts (the first the hub, where the functions run),
 * each with `regions` regions, every account-region its own EC2 buckets on the storm's clock
 * (EC2 throttles per account and region: events/simulated-account/organization.ts).
 */
function stormOrganization(spread: StormSpread, opts: StormOptions, now: () => number, retry: NonNullable<StormOptions['retry']>) {
  const accounts = Array.from({ length: spread.accounts }, (_, i) => String(100000000000 + i * 1111));
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2'].slice(0, spread.regions);
  const org = new SimulatedOrganization({
    hub: { account: accounts[0] as string, region: regions[0] as string },
    members: accounts.slice(1),
    regions,
    network: { latencyMs: opts.latencyMs, retry, throttle: () => ec2Throttle(now) },
  });
  const places = accounts.flatMap((account) => regions.map((region) => ({ account, region })));
  return { org, places };
}
